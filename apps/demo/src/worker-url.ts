/**
 * Where a worker's compiled file is. Workers run the built JavaScript in dist/
 * (tsup builds each one as its own entry): a worker cannot load TypeScript, and
 * this resolves the same from src/ (tests) as from the bundle in dist/.
 */
export function workerUrl(name: string): URL {
  return new URL(`../dist/${name}.js`, import.meta.url);
}
