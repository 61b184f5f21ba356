// A separate process: takes over one side of a shared ring by name — a TypeScript end, or a
// native thread of the C++ twin that pushes or pops nothing — or only reads its stats, then
// prints one JSON line: the ring's stats afterwards, or the RingError's code and message.
// argv: name producer|consumer|native-producer|native-consumer|stats
import {
  attachShared,
  ByteConsumer,
  ByteProducer,
  describeRing,
  FixedConsumer,
  FixedProducer,
  RingError,
  readRingStats,
  startNativeConsumer,
  startNativeProducer,
} from '../../dist/index.js';

const [name, side] = process.argv.slice(2);
const buffer = attachShared(name);
const fixed = describeRing(buffer).kind === 'fixed';
try {
  if (side === 'producer') (fixed ? FixedProducer : ByteProducer).attach(buffer);
  if (side === 'consumer') (fixed ? FixedConsumer : ByteConsumer).attach(buffer);
  if (side === 'native-producer') await startNativeProducer(buffer, { records: 0 }).join();
  if (side === 'native-consumer') await startNativeConsumer(buffer, { records: 0 }).join();
  console.log(JSON.stringify({ stats: readRingStats(buffer) }));
} catch (error) {
  if (!(error instanceof RingError)) throw error;
  console.log(JSON.stringify({ code: error.code, message: error.message }));
}
