/** Polls `condition` (yielding to the event loop between polls) until it holds; throws `what` after timeoutMs. */
export async function waitFor(
  what: string,
  condition: () => boolean,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
