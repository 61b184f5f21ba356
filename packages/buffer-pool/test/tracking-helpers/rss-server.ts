/**
 * A TrackingServer in a process of its own, so a test can read the server's RSS without
 * the test runner's noise. argv: socket path, options as JSON. Speaks over IPC:
 * it sends { ready: true } once listening; to { measure: true } it answers with its RSS
 * (after a full collection, when started with --expose-gc) and its snapshot.
 */
import { TrackingServer } from '../../src/tracking/index.js';

const [socketPath, optionsJson] = process.argv.slice(2);
const server = await TrackingServer.listen(socketPath!, {
  ...JSON.parse(optionsJson ?? '{}'),
  onReject: () => {},
});

async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let round = 0; round < 3; round++) {
    gc?.();
    // Lets finalizers that free external memory run between collections.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

process.on('message', async (message: { measure?: boolean; close?: boolean }) => {
  if (message.measure) {
    await collect();
    process.send!({
      rss: process.memoryUsage().rss,
      memory: process.memoryUsage(),
      snapshot: server.snapshot(),
    });
  } else if (message.close) {
    await server.close();
    process.disconnect();
  }
});
process.send!({ ready: true });
