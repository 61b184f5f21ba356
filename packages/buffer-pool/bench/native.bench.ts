/**
 * Native roles against JS roles, both placed as the README says for a small machine (each
 * producer on a thread of its own, every lane's drain and collector and replenish on one more),
 * moving the same checked 1 KiB records through a fresh 2-lane pool per run (bench/native-roles.ts).
 * `npx bench-kit run bench/native.bench.ts --runs 5`
 */
import { defineSuite } from '@ringkit/bench-kit';
import { type RolesContender, startRolesRun } from './native-roles.js';
import { pipelineSpeedup } from './versus.js';

const KiB = 1024;

function versus(
  name: string,
  description: string,
  bufferSize: number,
  baseline: RolesContender,
  candidate: RolesContender,
) {
  return pipelineSpeedup({
    name,
    description,
    atLeast: 1,
    start: async () => [
      await startRolesRun(baseline, bufferSize),
      await startRolesRun(candidate, bufferSize),
    ],
  });
}

const NATIVE =
  'native roles: a native producer per lane, every lane’s drain and collector and replenish on one OS thread (startNativeRoles)';
const JS = 'JS roles: each producer in its own worker, the other roles in one more (runRoles)';

export default defineSuite({
  benches: [
    versus('native-4k-vs-js', `4 KiB buffers: ${NATIVE} vs ${JS}`, 4 * KiB, 'js', 'native'),
    versus('native-64k-vs-js', `64 KiB buffers: ${NATIVE} vs ${JS}`, 64 * KiB, 'js', 'native'),
    versus(
      'native-4k-one-thread-vs-thread-per-role',
      '4 KiB buffers, native roles: drains, collectors and replenish on one OS thread vs a thread each (7 OS threads on this machine)',
      4 * KiB,
      'native-thread-per-role',
      'native',
    ),
  ],
});
