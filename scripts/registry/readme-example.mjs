// A README's first example, as the registry check runs it: copied out of the README at run
// time, so what users read is what CI runs, and the README cannot drift from the package.

/**
 * The first fenced code block of `readme`: `{ language, code, file }`, where `file` is the
 * name its first line gives it (`// examples/worker.mjs — …` gives "worker.mjs").
 */
export function firstExample(readme) {
  const block = /^```(\w*)\n([\s\S]*?)^```/m.exec(readme);
  if (block === null) throw new Error('the README has no fenced code block to run.');
  const [, language, code] = block;
  const named = /^\/\/ examples\/([\w.-]+)/.exec(code);
  const file = named?.[1] ?? `example.${language === 'ts' ? 'ts' : 'mjs'}`;
  return { language, code, file };
}
