// A separate process: attaches to a shared ring by name and pushes test records.
// argv: name records batch
import { attachShared, FixedProducer, writeTestRecord } from '../../dist/index.js';

const [name, records, batch] = [
  process.argv[2],
  Number(process.argv[3]),
  Number(process.argv[4] ?? 256),
];
const producer = FixedProducer.attach(attachShared(name));
const size = producer.descriptor.recordSize;
for (let sequence = 0; sequence < records; ) {
  const claim = producer.tryClaim(Math.min(batch, records - sequence));
  if (claim === null) continue; // block policy: nothing counted; try again
  for (let i = 0; i < claim.count; i++)
    writeTestRecord(producer.data, claim.offset + i * size, size, sequence + i);
  claim.commit();
  sequence += claim.count;
}
producer.close();
