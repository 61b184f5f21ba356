// A separate process draining a shared ring exactly as bench-worker.mjs's 'drain' role does.
// argv: name
import { attachShared, FixedConsumer } from '../../dist/index.js';

const consumer = FixedConsumer.attach(attachShared(process.argv[2]));
let checksum = 0;
process.stdout.write('ready\n');
for (;;) {
  const got = consumer.drain((data, offset, count) => {
    for (let i = 0; i < count; i++) checksum = (checksum + data[offset + i * 32]) | 0;
  });
  if (got === 0 && consumer.wait({ tickMs: 50 }) !== 'ready') break;
}
process.stdout.write(`${checksum}\n`);
