// A native thread (C++, the header-only twin) produces; JavaScript drains without blocking the event loop.
import { ByteConsumer, createRing, startNativeProducer } from '@ringkit/spsc-ring';
import { checkTestRecord } from '@ringkit/spsc-ring/test';

// Wait domain "os": the JS side sleeps on a futex the native thread can wake.
const buffer = createRing({
  kind: 'bytes',
  capacity: 1 << 16,
  waitDomain: 'os',
  fullPolicy: 'block',
});
const native = startNativeProducer(buffer, {
  records: 100_000,
  batch: 64,
  minPayload: 8,
  maxPayload: 120,
  close: true,
});
const consumer = ByteConsumer.attach(buffer);

let records = 0;
let bytes = 0;
let broken = 0;
for (;;) {
  consumer.drain((data, offset, length, type) => {
    if (checkTestRecord(data, offset, length, records) !== '' || type !== records % 1000) broken++;
    records++;
    bytes += length;
  });
  if ((await consumer.waitAsync()) === 'closed') break;
}
const result = await native.join();
console.log(
  `JS drained ${records} records (${bytes} payload bytes), ${broken} broken; native thread pushed ${result.records} in ${result.seconds.toFixed(3)} s`,
);
