// One real call per package, through its native part where it has one. The packaging check
// and the registry check run each in a project that installed the package, both through
// import (ESM) and require (CJS): the two builds find their addon from different places
// (import.meta.url, __dirname), so each must be shown to load it.
//
// A probe is the source of an async function of the package's module that returns one line
// saying what it did, and throws when the package misbehaves.

const PROBES = {
  '@ringkit/spsc-ring': `async (m) => {
    // The V8-API addon (shared memory, keyed by Node ABI): create, attach, unlink.
    const name = 'ringkit-probe-' + process.pid + '-' + Math.random().toString(36).slice(2);
    const shared = m.createShared(name, { kind: 'fixed', capacity: 8, recordSize: 8 });
    const attached = m.attachShared(name).byteLength === shared.byteLength;
    if (!m.unlinkShared(name) || !attached) throw new Error('shared memory did not round-trip');
    // The Node-API addon: a native producer thread, drained here.
    const ring = m.createRing({ kind: 'bytes', capacity: 1 << 12, waitDomain: 'os', fullPolicy: 'block' });
    const native = m.startNativeProducer(ring, { records: 1000, batch: 16, minPayload: 8, maxPayload: 32, close: true });
    const consumer = m.ByteConsumer.attach(ring);
    let records = 0;
    for (;;) {
      consumer.drain(() => { records++; });
      if ((await consumer.waitAsync()) === 'closed') break;
    }
    const pushed = (await native.join()).records;
    if (records !== 1000 || pushed !== 1000) throw new Error('drained ' + records + ' of ' + pushed + ' records');
    return 'shared memory round-trips; a native thread pushed 1000 records, all drained';
  }`,
  '@ringkit/buffer-pool': `async (m) => {
    const pool = m.createBufferPool({ lanes: 1, bufferSize: 4096, buffersPerBlock: 4, fullPolicy: 'block', waitDomain: 'os' });
    const roles = m.startNativeRoles(pool.spec, [{ role: 'drain', lane: 0 }, { role: 'collector', lane: 0 }, { role: 'replenish' }]);
    const { written } = await m.startNativeProducer(pool.spec, 0, { records: 10000, recordBytes: 64 }).done;
    pool.complete();
    const collector = (await roles.join()).find((result) => result.role === 'collector');
    if (collector.records !== written || collector.errors !== 0) throw new Error(JSON.stringify(collector));
    return 'native producer and roles moved ' + written + ' records, every one verified';
  }`,
  '@ringkit/bpf-ringbuf': `async (m) => {
    const binding = m.nativeBinding();
    if (binding === null) throw new Error(m.nativeUnavailableReason());
    const getpgid = binding.abi()['syscall.getpgid'];
    if (typeof getpgid !== 'number') throw new Error('the addon gave no ABI');
    return 'its addon reports the record ABI (getpgid is syscall ' + getpgid + ')';
  }`,
  '@ringkit/metal-cmdring': `async (m) => {
    const ring = m.openRing({ backend: 'cpu', ringSize: 2, timeoutMs: 1000 });
    let last;
    for (let step = 0; step < 10; step++) {
      const slot = await ring.acquire();
      slot.busyFor(10);
      last = ring.commit(slot);
    }
    await last;
    const closed = await ring.close();
    if (!closed.drained) throw new Error(JSON.stringify(closed));
    return 'the cpu backend ran 10 commands through a ring of 2 and drained';
  }`,
  '@ringkit/otel': `async (m) => {
    let pushed = 0;
    const telemetry = await m.startMetrics({ prometheus: { port: 0 } });
    telemetry.metrics.observeRing('probe', { stats: () => ({ capacity: 8, used: 0, pushed: ++pushed, popped: pushed, dropped: 0, closed: false, fillMark: 0 }) });
    const text = await (await fetch(telemetry.prometheusUrl)).text();
    await telemetry.close();
    if (!/^ringkit_ring_records_pushed_total\\{ringkit_ring="probe",.*\\} 1$/m.test(text)) throw new Error('scraped: ' + text.slice(0, 300));
    return 'served a ring\\'s counters at /metrics and scraped them back';
  }`,
  '@ringkit/bench-kit': `async (m) => {
    const suite = m.defineSuite({ benches: [m.throughput({ name: 'probe', workload: () => {}, itemsPerIteration: 1 })] });
    const machine = m.describeMachine();
    if (suite.benches.length !== 1 || !machine.cpuModel) throw new Error('no suite or machine');
    return 'defines a suite and describes this machine (' + machine.cpuModel + ')';
  }`,
};

/** The package's probe as `{ esm, cjs }` scripts for \`node -e\`; each prints its line. */
export function probeScripts(name) {
  const probe = PROBES[name];
  if (probe === undefined) throw new Error(`package-probes: no probe for ${name}; add one.`);
  const fail = '(error) => { console.error(error.stack ?? error); process.exit(1); }';
  return {
    esm: `import(${JSON.stringify(name)}).then((m) => (${probe})(m)).then((line) => console.log(line), ${fail});`,
    cjs: `Promise.resolve(require(${JSON.stringify(name)})).then((m) => (${probe})(m)).then((line) => console.log(line), ${fail});`,
  };
}
