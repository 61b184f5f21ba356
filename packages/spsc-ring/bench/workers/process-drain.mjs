// A separate process draining a shared ring exactly as bench-worker.mjs's 'drain' role does:
// gather a batch while spinning (atLeast), read each record's first byte.
// argv: name
import { attachShared, FixedConsumer } from '../../dist/index.js';

/** Records the drain waits to gather while it spins (as bench-worker.mjs's GATHER). */
const GATHER = 64;

const consumer = FixedConsumer.attach(attachShared(process.argv[2]));
const total = { checksum: 0 }; // a field, not a captured let (see bench-worker.mjs)
process.stdout.write('ready\n');
for (;;) {
  const got = consumer.drain((data, offset, count) => {
    let checksum = total.checksum;
    for (let i = 0; i < count; i++) checksum = (checksum + data[offset + i * 32]) | 0;
    total.checksum = checksum;
  });
  if (got < GATHER && consumer.wait({ tickMs: 50, atLeast: GATHER }) !== 'ready') break;
}
process.stdout.write(`${total.checksum}\n`);
