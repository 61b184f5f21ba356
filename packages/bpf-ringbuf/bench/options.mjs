// The command-line options the benchmark processes share (the C consumer takes
// the same): --topology shared|percpu --policy adaptive|timer|watermark
// --period-ms N --watermark-bytes N --ring-bytes N --threads P --seconds D
// --rate R (getpgid calls/s per thread, 0 = flat out) --events-per-syscall K
// --report window|cpu (what BENCH_RESULT's ns is: the producing window, or the
// consumer side's CPU time) --mode thread|direct (the JS consumer's read mode; the C
// consumer ignores it).
export function parseOptions(argv) {
  const options = {
    topology: 'percpu',
    policy: 'timer',
    periodMs: 1,
    watermarkBytes: 64 * 1024,
    ringBytes: 4 * 1024 * 1024,
    threads: 2,
    seconds: 1,
    rate: 0,
    eventsPerSyscall: 1,
    report: 'window',
    mode: 'thread',
  };
  const names = {
    '--topology': 'topology',
    '--policy': 'policy',
    '--period-ms': 'periodMs',
    '--watermark-bytes': 'watermarkBytes',
    '--ring-bytes': 'ringBytes',
    '--threads': 'threads',
    '--seconds': 'seconds',
    '--rate': 'rate',
    '--events-per-syscall': 'eventsPerSyscall',
    '--report': 'report',
    '--mode': 'mode',
  };
  const words = ['topology', 'policy', 'report', 'mode'];
  for (let index = 0; index < argv.length; index += 2) {
    const key = names[argv[index]];
    const value = argv[index + 1];
    if (key === undefined || value === undefined) {
      console.error(`unknown option or missing value: ${argv[index]}`);
      process.exit(2);
    }
    options[key] = words.includes(key) ? value : Number(value);
  }
  if (options.report !== 'window' && options.report !== 'cpu') {
    console.error(`--report must be window or cpu, not '${options.report}'`);
    process.exit(2);
  }
  if (options.mode !== 'thread' && options.mode !== 'direct') {
    console.error(`--mode must be thread or direct, not '${options.mode}'`);
    process.exit(2);
  }
  return options;
}

/** The OpenOptions of @ringkit/bpf-ringbuf for these command-line options. */
export function openOptions(options) {
  const policy =
    options.policy === 'timer'
      ? { kind: 'timer', periodMs: options.periodMs }
      : options.policy === 'watermark'
        ? {
            kind: 'watermark',
            bytes: options.watermarkBytes,
            periodMs: Math.max(options.periodMs, 10),
          }
        : { kind: 'adaptive' };
  return {
    topology: options.topology === 'percpu' ? 'per-cpu' : 'shared',
    policy,
    ringBytes: options.ringBytes,
    targetPid: process.pid,
    bench: { eventsPerSyscall: options.eventsPerSyscall, eventsPerRecord: 1 },
  };
}
