/**
 * The attribute keys every ringkit instrument uses, named once. Prometheus turns the dots into
 * underscores (`ringkit.ring` → `ringkit_ring`); attributes a caller adds (`pipeline`, `host`)
 * are passed through unchanged.
 */
export const Attribute = {
  /** The name a caller gave a ring, pool, reader, command ring or tracking server. */
  RING: 'ringkit.ring',
  POOL: 'ringkit.pool',
  BPF_READER: 'ringkit.bpf.reader',
  COMMAND_RING: 'ringkit.command_ring',
  TRACKING_SERVER: 'ringkit.tracking_server',
  /** A buffer-pool lane, as a number. */
  LANE: 'ringkit.lane',
  /** A pool buffer's state: free, filling, ready, in_collector, done or recycled. */
  BUFFER_STATE: 'ringkit.buffer.state',
  /** Where a BPF reader's events were dropped: `kernel` (the BPF ring) or `js` (the JS ring). */
  DROP_SIDE: 'ringkit.drop.side',
  /** A BPF ring map's name, and the CPU of a per-CPU ring. */
  BPF_MAP: 'ringkit.bpf.map',
  CPU: 'ringkit.cpu',
  /** A tracked device id, as the tracker reported it. */
  DEVICE: 'ringkit.device',
  /** What kind of source a failed read was (ring, pool, bpf_reader, command_ring, tracking_server). */
  SOURCE_KIND: 'ringkit.source.kind',
  SOURCE: 'ringkit.source',
} as const;
