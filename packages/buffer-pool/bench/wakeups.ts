/**
 * Where a deployed contender's time goes, counted rather than timed: per buffer moved, the
 * sleeps and wake-ups of every thread (Atomics.wait by result, Atomics.notify and whether it
 * woke anyone, MessagePort posts, a pool role's steps, idle steps, empty polls and sleeps,
 * buffers replenish moved to another lane), the context switches of the whole process, each thread's time on and waiting for a CPU (indicative only:
 * other load moves it), and with `--syscalls` the futex and event-loop syscalls (perf stat).
 * Pools on waitDomain 'os' sleep in the addon's futex, which the Atomics counts do not see: their
 * role sleeps and the syscalls do. Counts move with the machine's load; compare medians of runs.
 * `npx tsx bench/wakeups.ts pool 4096 20000 [--syscalls]` (contenders: bench/deployed.ts)
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import workerThreads, { type WorkerOptions } from 'node:worker_threads';
// @ts-expect-error: a plain JS module, loaded first in every worker too
import { COUNTS as COUNT_NAMES, countInto } from './workers/count-wakeups.mjs';

const COUNTS: readonly string[] = COUNT_NAMES;
const COUNTER = new URL('./workers/count-wakeups.mjs', import.meta.url);
/** Row 0 is the main thread's; each worker gets the next. */
const MAX_ROWS = 16;
const memory = new Int32Array(new SharedArrayBuffer(4 * MAX_ROWS * COUNTS.length));
const threadNames = ['main'];

// Every worker the contender starts loads the counter first, then its own script.
const { Worker } = workerThreads;
class CountedWorker extends Worker {
  constructor(script: string | URL, options: WorkerOptions = {}) {
    const data = options.workerData as Record<string, unknown>;
    const countRow = threadNames.length;
    threadNames.push(String(data.roles ?? data.role));
    const source = `import(${JSON.stringify(COUNTER.href)}).then(() => import(${JSON.stringify(String(script))}))`;
    super(source, {
      ...options,
      eval: true,
      workerData: { ...data, countMemory: memory.buffer, countRow },
    });
  }
}
workerThreads.Worker = CountedWorker as typeof Worker;
syncBuiltinESMExports();
await countInto(memory, 0);
const { startDeployed } = await import('./deployed.js');

/** Voluntary (a sleep) and involuntary (preempted) context switches of every thread of this process. */
function contextSwitches(): { voluntary: number; involuntary: number } {
  let voluntary = 0;
  let involuntary = 0;
  for (const task of readdirSync('/proc/self/task')) {
    let status: string;
    try {
      status = readFileSync(`/proc/self/task/${task}/status`, 'utf8');
    } catch {
      continue; // the thread exited meanwhile
    }
    voluntary += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)![1]);
    involuntary += Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)![1]);
  }
  return { voluntary, involuntary };
}

/** Per thread row: nanoseconds on a CPU, and runnable but waiting for one (/proc/…/schedstat). */
function cpuTimes(): Array<{ running: number; waiting: number }> {
  return threadNames.map((_, row) => {
    const tid = memory[row * COUNTS.length]!;
    try {
      const [running, waiting] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(
        ' ',
      );
      return { running: Number(running), waiting: Number(waiting) };
    } catch {
      return { running: 0, waiting: 0 };
    }
  });
}

/**
 * The syscalls behind sleeps and wake-ups, counted in the kernel by `perf stat` on every thread
 * (no ptrace stop per call, as strace would add). Futex ops: 128 a contended mutex's wait,
 * 137 a condition variable's wait (V8's Atomics.wait), 129 a wake; epoll_pwait/read/write are
 * an event loop's sleeps and MessagePort's wake-ups.
 */
const SYSCALLS: Array<[name: string, event: string, filter?: string]> = [
  ['futex wait (cond)', 'syscalls:sys_enter_futex', 'op == 137'],
  ['futex wake', 'syscalls:sys_enter_futex', 'op == 129'],
  ['futex wait (mutex)', 'syscalls:sys_enter_futex', 'op == 128'],
  ['futex (all)', 'syscalls:sys_enter_futex'],
  ['epoll_pwait', 'syscalls:sys_enter_epoll_pwait'],
  ['write', 'syscalls:sys_enter_write'],
  ['read', 'syscalls:sys_enter_read'],
  ['all syscalls', 'raw_syscalls:sys_enter'],
];

async function attachPerf(): Promise<() => Promise<Record<string, number>>> {
  if (spawnSync('perf', ['--version']).status !== 0)
    throw new Error(
      '--syscalls counts with perf stat, which is not installed here; install linux-perf or leave --syscalls out.',
    );
  const output = `/tmp/wakeups-perf-${process.pid}.csv`;
  const events = SYSCALLS.flatMap(([, event, filter]) =>
    filter === undefined ? ['-e', event] : ['-e', event, '--filter', filter],
  );
  const perThread = process.env.WAKEUPS_PER_THREAD === '1' ? ['--per-thread'] : [];
  const perf = spawn(
    'perf',
    ['stat', ...perThread, '-x', ',', '-o', output, ...events, '-p', `${process.pid}`],
    {
      stdio: 'ignore',
    },
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  return async () => {
    perf.kill('SIGINT');
    await once(perf, 'exit');
    if (perThread.length > 0) console.log(readFileSync(output, 'utf8'));
    const lines = readFileSync(output, 'utf8')
      .split('\n')
      .filter((line) => /^\d/.test(line));
    return Object.fromEntries(
      SYSCALLS.map(([name], index) => [name, Number(lines[index]!.split(',')[0])]),
    );
  };
}

const [contender = 'pool', sizeText = '4096', buffersText = '20000'] = process.argv
  .slice(2)
  .filter((arg) => !arg.startsWith('--'));
const withPerf = process.argv.includes('--syscalls');
const buffers = Number(buffersText);
const deployed = await startDeployed(contender as never, Number(sizeText));
await deployed.run(2000); // warm-up: JIT, the pool's first blocks
const countsBefore = memory.slice();
const switchesBefore = contextSwitches();
const cpuBefore = cpuTimes();
const detach = withPerf ? await attachPerf() : undefined;
await deployed.run(buffers);
const syscalls = await detach?.();
const switchesAfter = contextSwitches();
const cpuAfter = cpuTimes();
const counts = memory.slice();
await deployed.stop();

const perBuffer = (value: number) => (value / buffers).toFixed(3);
console.log(`${contender}, ${sizeText}-byte buffers, ${buffers} buffers moved; per buffer:`);
console.log(
  `  context switches: voluntary ${perBuffer(switchesAfter.voluntary - switchesBefore.voluntary)}, involuntary ${perBuffer(switchesAfter.involuntary - switchesBefore.involuntary)}`,
);
if (syscalls !== undefined)
  console.log(
    `  syscalls (perf stat): ${Object.entries(syscalls)
      .map(([name, calls]) => `${name} ${perBuffer(calls)}`)
      .join(', ')}`,
  );
for (let row = 0; row < threadNames.length; row++) {
  const cells = COUNTS.map((name, column) => {
    const at = row * COUNTS.length + column;
    return [name, counts[at]! - countsBefore[at]!] as const;
  }).filter(([name, value]) => value !== 0 && name !== 'threadId');
  const running = (cpuAfter[row]!.running - cpuBefore[row]!.running) / buffers / 1000;
  const waiting = (cpuAfter[row]!.waiting - cpuBefore[row]!.waiting) / buffers / 1000;
  console.log(
    `  ${threadNames[row]}: µs on CPU ${running.toFixed(2)}, µs runnable waiting ${waiting.toFixed(2)}, ${cells.map(([name, value]) => `${name} ${perBuffer(value)}`).join(', ')}`,
  );
}
