/**
 * One simulated device lane's consumer side: the lane's drain and collector
 * roles (and, on lane 0, replenish) in one thread. The collector stands in for
 * a decode step on the lane's device: it reads every record in place and keeps
 * a window of "decoded outputs" allocated on the device, reported to the
 * tracking server through this thread's own AllocationTracker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BufferPool, forEachRecord, type LoopingRole, runRoles } from '@ringkit/buffer-pool';
import { AllocationTracker } from '@ringkit/buffer-pool/tracking';
import { FixedProducer } from '@ringkit/spsc-ring';
import {
  COLLECT_SPAN_BYTES,
  HOST_DEVICE,
  type LaneReport,
  LaneWord,
  type LaneWorkerData,
} from './lane-protocol.js';

const data = workerData as LaneWorkerData;
const { lane } = data;
const pool = BufferPool.open(data.spec);
const counters = new Float64Array(data.counters);
const tracker = new AllocationTracker({ socketPath: data.trackingSocket });
const spans = data.traceRing === null ? null : FixedProducer.attach(data.traceRing);
const span = new Uint8Array(COLLECT_SPAN_BYTES);
const spanView = new DataView(span.buffer);

/** Decoded output per input byte: decoding expands what it reads. */
const EXPANSION = 4;
/** The window of live outputs swings between these over PERIOD_MS, so live bytes move visibly. */
const WINDOW_MIN = 8;
const WINDOW_MAX = 56;
const PERIOD_MS = 8000;

const live: number[] = [];
let nextId = 1;
let records = 0;
let bytes = 0;
let buffers = 0;

const collector = pool.collector(lane, (buffer, offset, length) => {
  const startedAt = performance.timeOrigin + performance.now();
  let inBuffer = 0;
  const count = forEachRecord(buffer, offset, length, (_bytes, _at, recordLength) => {
    inBuffer += recordLength;
  });
  records += count;
  bytes += inBuffer;
  buffers++;
  const id = nextId++;
  tracker.alloc(lane, inBuffer * EXPANSION, id);
  live.push(id);
  const phase = (2 * Math.PI * (startedAt % PERIOD_MS)) / PERIOD_MS;
  const window = WINDOW_MIN + ((WINDOW_MAX - WINDOW_MIN) * (1 + Math.sin(phase))) / 2;
  while (live.length > window) tracker.free(lane, live.shift()!);
  counters[LaneWord.RECORDS] = records;
  counters[LaneWord.BYTES] = bytes;
  counters[LaneWord.BUFFERS] = buffers;
  if (spans !== null) {
    spanView.setFloat64(0, startedAt, true);
    spanView.setFloat64(8, performance.timeOrigin + performance.now() - startedAt, true);
    spanView.setUint32(16, count, true);
    spanView.setUint32(20, inBuffer, true);
    spans.tryPush(span); // a full trace ring drops the span: the trace is a sample
  }
});

const roles: LoopingRole[] = [pool.drain(lane), collector];
if (data.replenish) roles.push(pool.replenish({ tracker, device: HOST_DEVICE }));
parentPort!.postMessage({ started: true });
// Blocks this thread until pool.complete() and an empty ready queue end the roles.
runRoles(roles);
// The outputs still live at the end are released, so the device ledger ends balanced.
for (const id of live.splice(0)) tracker.free(lane, id);
spans?.close();
await tracker.close();
const report: LaneReport = { lane, records, bytes, buffers, tracker: tracker.stats() };
parentPort!.postMessage({ report });
