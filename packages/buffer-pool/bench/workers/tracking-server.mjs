// The tracking server for bench/tracking.bench.ts, in its own process as in a
// real deployment: the app being measured shares no thread and no event loop with it.
// Started by the bench with `--import tsx`, so it runs the TypeScript sources.
// IPC: sends { listening } once up; answers 'snapshot' with the snapshot; 'exit'
// (or the parent going away) closes the server and ends the process.
import { TrackingServer } from '../../src/tracking/index.ts';

const server = await TrackingServer.listen(process.argv[2]);
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on('disconnect', stop);
process.on('message', (message) => {
  if (message === 'snapshot') process.send({ snapshot: server.snapshot() });
  if (message === 'exit') void stop();
});
process.send({ listening: server.socketPath });
