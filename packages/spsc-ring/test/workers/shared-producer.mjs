// A separate process: attaches to a shared ring by name and pushes test records,
// continuing the sequence from the ring's `pushed` count (so a replacement for a
// killed producer carries on exactly), until `until` records exist; then closes
// the ring if asked. argv: name until batch [close]
import { attachShared, FixedProducer } from '../../dist/index.js';
import { writeTestRecord } from '../../dist/test.js';

const [name, until, batch, close] = [
  process.argv[2],
  Number(process.argv[3]),
  Number(process.argv[4] ?? 256),
  process.argv[5] === 'close',
];
const producer = FixedProducer.attach(attachShared(name));
const size = producer.descriptor.recordSize;
for (let sequence = producer.stats().pushed; sequence < until; ) {
  const want = Math.min(batch, until - sequence);
  const claim = producer.tryClaim(want);
  if (claim === null && producer.descriptor.fullPolicy === 'drop') {
    sequence += want; // the ring counted them as dropped; the consumer will see the gap
    continue;
  }
  if (claim === null) {
    // Full (block policy): wait for room; nothing was counted.
    producer.push(writeRecordOnce(sequence), { timeoutMs: 30_000 });
    sequence++;
    continue;
  }
  for (let i = 0; i < claim.count; i++)
    writeTestRecord(producer.data, claim.offset + i * size, size, sequence + i);
  claim.commit();
  sequence += claim.count;
}
if (close) producer.close();

function writeRecordOnce(sequence) {
  const record = new Uint8Array(size);
  writeTestRecord(record, 0, size, sequence);
  return record;
}
