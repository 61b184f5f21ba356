// A separate process: attaches to a shared ring by name and drains it, checking
// that records continue the sequence from the ring's `popped` count; prints a
// JSON line with what it saw when the ring closes. argv: name [slowMs]
import { attachShared, FixedConsumer } from '../../dist/index.js';
import { checkTestRecord } from '../../dist/test.js';

const [name, slowMs] = [process.argv[2], Number(process.argv[3] ?? 0)];
const consumer = FixedConsumer.attach(attachShared(name));
const size = consumer.descriptor.recordSize;
const first = consumer.stats().popped;
let expected = first;
let errors = 0;
let firstError = '';
process.stdout.write(`${JSON.stringify({ attached: true, first })}\n`);
for (;;) {
  const got = consumer.drain((data, offset, count) => {
    for (let i = 0; i < count; i++, expected++) {
      const problem = checkTestRecord(data, offset + i * size, size, expected);
      if (problem !== '' && errors++ === 0) firstError = problem;
    }
  }, 16);
  if (slowMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, slowMs);
  if (got === 0 && consumer.wait({ timeoutMs: 30_000 }) !== 'ready') break;
}
process.stdout.write(
  `${JSON.stringify({ first, received: expected - first, errors, firstError })}\n`,
);
