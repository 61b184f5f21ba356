// For test/collector-move.test.ts: takes the collector of lane 0 and dies (the worker exits) at
// workerData.at, one step into its work, so the test can check what the retaker settles:
//   'taking'    inside the take, after 2 buffers were counted, before the hand is stored;
//   'held'      with the hand stored, before the drain frees the taken slots;
//   'taken'     right after the drain freed them, before the move's journal is cleared;
//   'returning' with the batch handled, just before it is published to done[0];
//   'returned'  right after that publish, before the hand is emptied.
import { parentPort, workerData } from 'node:worker_threads';
import { BufferPool, forEachRecord } from '../../dist/index.js';

const { spec, at } = workerData;
const pool = BufferPool.open(spec);
let handled = 0;
const collector = pool.collector(0, (bytes, offset, length) => {
  handled += forEachRecord(bytes, offset, length, () => {});
});
const die = () => {
  parentPort.postMessage({ handled });
  process.exit(0);
};
// The collector's own fields (TypeScript private, plain properties at run time).
if (at === 'taking') {
  const take = collector.take;
  let taken = 0;
  collector.take = (id, length) => {
    take(id, length);
    if (++taken === 2) die();
  };
} else if (at === 'held') {
  const holdTaken = collector.holdTaken;
  collector.holdTaken = () => {
    holdTaken();
    die();
  };
} else if (at === 'taken') {
  const receiver = collector.collect;
  const drainOnce = receiver.drainOnce.bind(receiver);
  receiver.drainOnce = (handler, limit, beforeFree) => {
    drainOnce(handler, limit, beforeFree);
    die();
  };
} else {
  const sender = collector.done;
  const publish = sender.publish.bind(sender);
  sender.publish = () => {
    if (at === 'returned') publish();
    die();
  };
}
collector.step();
parentPort.postMessage({ error: `the collector finished a step without dying at '${at}'` });
