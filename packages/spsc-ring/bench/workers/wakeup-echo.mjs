// The sleeping side of the wake-up latency benchmark, as a worker thread or as a
// separate process. It sleeps (no spin) until a record arrives, then reports how
// long after the producer stamped it (CLOCK_MONOTONIC, shared by every process)
// it was running again. workerData { out, back } or argv: outName backName
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { attachShared, FixedConsumer, FixedProducer } from '../../dist/index.js';

const [outBuffer, backBuffer] = isMainThread
  ? [attachShared(process.argv[2]), attachShared(process.argv[3])]
  : [workerData.out, workerData.back];
const consumer = FixedConsumer.attach(outBuffer);
const replies = FixedProducer.attach(backBuffer);
const stamp = new Float64Array(2);
const stampBytes = new Uint8Array(stamp.buffer);
const reply = new Float64Array(1);
const replyBytes = new Uint8Array(reply.buffer);
if (isMainThread) process.stdout.write('ready\n');
else parentPort.postMessage('ready');
for (;;) {
  const outcome = consumer.wait({ spin: 0 });
  if (outcome !== 'ready') break;
  const woke = Number(process.hrtime.bigint());
  consumer.tryPop(stampBytes);
  reply[0] = woke - stamp[0];
  replies.tryPush(replyBytes);
}
