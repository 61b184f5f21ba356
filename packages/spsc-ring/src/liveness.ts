import { existsSync, readlinkSync } from 'node:fs';
import { Consumer, Producer } from './layout.js';

/**
 * Is the other side still there? Each side writes its pid when it attaches and
 * a heartbeat (CLOCK_MONOTONIC milliseconds, mod 2³²: one clock for every
 * process of the machine) when it attaches, every 1024 records it publishes (a
 * byte ring's side: every 1024th publish) and every wait tick — nothing on a
 * timer, nothing extra on the hot path.
 */

/** CLOCK_MONOTONIC in milliseconds, as a u32 (process.hrtime is CLOCK_MONOTONIC on Linux). */
export function monotonicMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return (seconds * 1000 + Math.floor(nanoseconds / 1e6)) >>> 0;
}

export interface PeerAliveOptions {
  /** Also require a heartbeat no older than this. */
  readonly withinMs?: number;
}

/** The least time between two looks for a dead peer from a waiting end (see Liveness.tick). */
const PEER_CHECK_MS = 10;

let ownThread: number | undefined;

/**
 * This thread's kernel thread id (Linux: /proc/thread-self names it; a worker's
 * synchronous fs calls run on the worker's own thread), or 0 where it cannot be known.
 * Recorded at attach so that a peer in the same process can tell when this thread —
 * a worker that returned, threw or was terminated — is gone.
 */
export function threadIdOfThisThread(): number {
  if (ownThread === undefined) {
    try {
      const [pid, task, tid] = readlinkSync('/proc/thread-self').split('/');
      ownThread = Number(pid) === process.pid && task === 'task' ? Number(tid) : 0;
    } catch {
      ownThread = 0;
    }
  }
  return ownThread;
}

/** True when thread `tid` of process `pid` exists (Linux; checked only where a tid was recorded). */
function threadExists(pid: number, tid: number): boolean {
  return existsSync(`/proc/${pid}/task/${tid}`);
}

/** True when a process with this pid exists (it may belong to another user). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Liveness {
  private readonly ownPid: number;
  private readonly ownHeartbeat: number;
  private readonly ownThread: number;
  private readonly peerPidIndex: number;
  private readonly peerHeartbeat: number;
  private readonly peerThread: number;
  /** When tick() last looked for a dead peer (monotonicMs); far in the past at first. */
  private lastPeerCheck = (monotonicMs() - PEER_CHECK_MS) >>> 0;

  constructor(
    private readonly words: Int32Array,
    side: 'producer' | 'consumer',
  ) {
    const own = side === 'producer' ? Producer : Consumer;
    const peer = side === 'producer' ? Consumer : Producer;
    this.ownPid = own.PID >> 2;
    this.ownHeartbeat = own.HEARTBEAT >> 2;
    this.ownThread = own.THREAD >> 2;
    this.peerPidIndex = peer.PID >> 2;
    this.peerHeartbeat = peer.HEARTBEAT >> 2;
    this.peerThread = peer.THREAD >> 2;
  }

  /** Taking over this side (first attach, or replacing a dead one): our thread, pid, a fresh beat. */
  announce(): void {
    Atomics.store(this.words, this.ownThread, threadIdOfThisThread());
    Atomics.store(this.words, this.ownPid, process.pid);
    this.beat();
  }

  beat(): void {
    Atomics.store(this.words, this.ownHeartbeat, monotonicMs() | 0);
  }

  /** The other side's pid, or 0 if it never attached. */
  peerPid(): number {
    return Atomics.load(this.words, this.peerPidIndex) >>> 0;
  }

  /** Milliseconds since the other side last beat. */
  peerSilenceMs(): number {
    return (monotonicMs() - (Atomics.load(this.words, this.peerHeartbeat) >>> 0)) >>> 0;
  }

  /**
   * The other side attached, its process exists — and its thread, where it recorded one —
   * and (with `withinMs`) it beat that recently.
   */
  peerAlive(options: PeerAliveOptions = {}): boolean {
    const pid = this.peerPid();
    if (pid === 0 || this.peerExited(pid)) return false;
    return options.withinMs === undefined || this.peerSilenceMs() <= options.withinMs;
  }

  /**
   * Gone for sure: the process it attached from no longer exists, or the thread
   * (a worker of this or another process) it recorded has exited, or (with
   * `silentMs`) it has not beaten for that long.
   */
  /**
   * A waiting end's tick: beats, and looks for a dead peer at most every PEER_CHECK_MS. The
   * look is a system call (a procfs lookup or a signal 0); made at every sleep it cost a
   * pipeline whose hops sleep for most buffers more than the sleeps (buffer-pool's lock-based
   * queues, which make none, ran faster than its rings).
   */
  tick(silentMs: number | undefined): boolean {
    const now = monotonicMs();
    Atomics.store(this.words, this.ownHeartbeat, now | 0);
    if ((now - this.lastPeerCheck) >>> 0 < PEER_CHECK_MS) return false;
    this.lastPeerCheck = now;
    return this.peerGone(silentMs);
  }

  peerGone(silentMs: number | undefined): boolean {
    const pid = this.peerPid();
    if (pid === 0) return false;
    if (this.peerExited(pid)) return true;
    return silentMs !== undefined && this.peerSilenceMs() > silentMs;
  }

  private peerExited(pid: number): boolean {
    return threadGone(pid, Atomics.load(this.words, this.peerThread) >>> 0);
  }
}

/**
 * Gone for sure: thread `tid` of process `pid` no longer exists — or, with no thread recorded
 * (0), the process. For any party of shared memory that records both, as ring ends do (and
 * buffer-pool's role lines). Nothing recorded (pid 0) and the calling thread are never gone.
 */
export function threadGone(pid: number, tid: number): boolean {
  if (pid === 0) return false;
  if (tid !== 0 && tid !== threadIdOfThisThread()) return !threadExists(pid, tid);
  return pid !== process.pid && !processExists(pid);
}
