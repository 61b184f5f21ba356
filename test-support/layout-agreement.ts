import { expect } from 'vitest';

/**
 * The layout agreement test every package with a layout runs (ARCHITECTURE.md, "Every layout
 * follows that shape"): the constants of its src/layout.ts, flattened to the names its C++
 * lists give them, against what its addon exports from those lists.
 */

/**
 * Every constant of a src/layout.ts module, flattened as "NAME", "Group.NAME" or, for nested
 * groups, "Group.sub.NAME". A string is a constant too (a map name); an array of names
 * numbers them ("ReaderState.running" is its index).
 */
export function layoutConstants(module: Record<string, unknown>): Record<string, number | string> {
  const flat: Record<string, number | string> = {};
  const visit = (name: string, value: unknown) => {
    if (typeof value === 'number' || typeof value === 'string') flat[name] = value;
    else if (Array.isArray(value))
      for (const [index, element] of value.entries()) flat[`${name}.${String(element)}`] = index;
    else if (typeof value === 'object' && value !== null)
      for (const [field, fieldValue] of Object.entries(value))
        visit(`${name}.${field}`, fieldValue);
  };
  for (const [name, value] of Object.entries(module)) visit(name, value);
  return flat;
}

/**
 * The two languages name the same constants with the same values. Both ways, so a constant
 * added to one language alone is named in the failure; `least` guards against a flattening
 * that silently found nothing.
 */
export function expectSameLayout(
  typescript: Record<string, number | string>,
  cpp: Record<string, number | string>,
  least: number,
): void {
  expect(Object.keys(typescript).length).toBeGreaterThanOrEqual(least);
  const onlyInTypeScript = Object.keys(typescript).filter((name) => !(name in cpp));
  const onlyInCpp = Object.keys(cpp).filter((name) => !(name in typescript));
  expect({ onlyInTypeScript, onlyInCpp }).toEqual({ onlyInTypeScript: [], onlyInCpp: [] });
  for (const [name, value] of Object.entries(typescript))
    expect({ name, value: cpp[name] }).toEqual({ name, value });
}
