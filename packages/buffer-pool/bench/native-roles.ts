import {
  createBufferPool,
  type NativeRoleRequest,
  startNativeProducer,
  startNativeRoles,
} from '../src/index.js';
import { deployedPool, startDeployed } from './deployed.js';
// @ts-expect-error: a plain JS helper shared with the workers
import { RECORD_PAYLOAD, RECORD_SPAN } from './workers/checked-records.mjs';

/**
 * The contenders of native.bench.ts, on a pool of 2 lanes × 16 buffers, each producer on a
 * thread of its own, checked 1 KiB records (workers/checked-records.mjs, the native producer's
 * test pattern) verified word by word:
 * - 'js': JS roles as the README places them on a small machine, deployed.ts's 'pool': each
 *   producer in its own worker, every lane's drain and collector and replenish in one more
 *   (runRoles), one pool for the whole bench;
 * - 'native': the same placement in native threads: a native producer per lane, and the
 *   drains, collectors and replenish on one OS thread (startNativeRoles);
 * - 'native-thread-per-role': native roles with a thread each (7 OS threads).
 * A native producer runs a set number of records and its roles end with the run, so each
 * native run starts a fresh pool and threads: the native side pays that start-up in every
 * sample, the JS side never.
 */
export type RolesContender = 'js' | 'native' | 'native-thread-per-role';

export interface RolesRun {
  /** Moves `buffers` full buffers (spread over the lanes) through a fresh pipeline. */
  run(buffers: number): Promise<void>;
  stop(): Promise<void>;
}

const LANES = 2;
interface LaneCount {
  readonly lane: number;
  readonly records: number;
  readonly errors: number;
}

/** Throws unless every lane's collector verified exactly `records` records. */
function checkCounts(contender: string, counts: readonly LaneCount[], records: number): void {
  for (let lane = 0; lane < LANES; lane++) {
    const count = counts.find((seen) => seen.lane === lane);
    if (count === undefined || count.records !== records || count.errors !== 0)
      throw new Error(
        `${contender}, lane ${lane}: ${count?.records ?? 0} of ${records} records verified, ${count?.errors ?? '?'} wrong`,
      );
  }
}

export async function startRolesRun(
  contender: RolesContender,
  bufferSize: number,
): Promise<RolesRun> {
  const recordsPerBuffer = Math.floor(bufferSize / RECORD_SPAN);
  const recordsPerLane = (buffers: number) => Math.ceil(buffers / LANES) * recordsPerBuffer;
  if (contender === 'js') return startDeployed('pool', bufferSize);
  const grouped = contender === 'native';
  const roles: NativeRoleRequest[] = [0, 1].flatMap((lane) => [
    { role: 'drain', lane } as const,
    { role: 'collector', lane } as const,
  ]);
  roles.push({ role: 'replenish' });
  return {
    async run(buffers) {
      const records = recordsPerLane(buffers);
      const pool = createBufferPool({ ...deployedPool(bufferSize), waitDomain: 'os' });
      const threads = grouped
        ? [startNativeRoles(pool.spec, roles)]
        : roles.map((role) => startNativeRoles(pool.spec, [role]));
      await Promise.all(
        [0, 1].map(
          (lane) =>
            startNativeProducer(pool.spec, lane, {
              records,
              recordBytes: RECORD_PAYLOAD,
              type: lane,
            }).done,
        ),
      );
      pool.complete();
      const results = (await Promise.all(threads.map((thread) => thread.join()))).flat();
      const counts = results.flatMap((result) =>
        result.role === 'collector'
          ? [{ lane: result.lane, records: result.records, errors: result.errors }]
          : [],
      );
      checkCounts(contender, counts, records);
    },
    stop: async () => {},
  };
}
