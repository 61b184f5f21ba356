// examples/priorities.mjs — node examples/priorities.mjs
// An urgent command overtakes background work already queued on a priority ring.
import { openRing } from '@ringkit/metal-cmdring';

const ring = openRing({
  backend: 'cpu',
  ringSize: 8,
  allocationStrategy: 'priority',
  priorityLevels: 2, // 0: background (the default), 1: urgent
});
const order = [];
const reading = (async () => {
  for await (const batch of ring.completions()) {
    order.push(...batch.map((completion) => completion.fence));
    if (order.length === 7) return;
  }
})();

// Fence 1 keeps the executor busy for 50 ms while the rest queue up behind it.
const first = await ring.acquire();
first.busyFor(50_000);
const commits = [ring.commit(first, { priority: 1 })];
for (let i = 0; i < 5; i++) {
  const background = await ring.acquire();
  background.busyFor(1_000);
  commits.push(ring.commit(background)); // fences 2–6 at priority 0
}
const urgent = await ring.acquire();
urgent.busyFor(100);
commits.push(ring.commit(urgent, { priority: 1 })); // fence 7, committed last, runs second

await Promise.all(commits);
await reading;
console.log(`ran in the order ${order.join(', ')}`); // 1, 7, 2, 3, 4, 5, 6
console.log(await ring.close()); // { drained: true, abandonedFences: 0 }
