// @ts-check
// Building and finding elements. Nothing here runs at import time, so node can import the
// modules built on it (test/dashboard-modules.test.ts imports renderers.js).

/**
 * A new element with string attributes and children.
 * @template {keyof HTMLElementTagNameMap} Tag
 * @param {Tag} tag
 * @param {Record<string, string>} [attributes]
 * @param {...(Node | string)} children
 * @returns {HTMLElementTagNameMap[Tag]}
 */
export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

/**
 * One table cell: plain text, or text with how to show it.
 * @typedef {string | { text: string, numeric?: boolean, figure?: string, className?: string }} Cell
 * `numeric` right-aligns it; `figure` names it in data-figure, which the tests read.
 */

/**
 * A table row of `cells`; th cells when `header`.
 * @param {readonly Cell[]} cells
 * @param {boolean} [header]
 * @returns {HTMLTableRowElement}
 */
export function row(cells, header = false) {
  return element(
    'tr',
    {},
    ...cells.map((cell) => {
      const { text, numeric, figure, className } = typeof cell === 'object' ? cell : { text: cell };
      /** @type {Record<string, string>} */
      const attributes = {};
      if (numeric) attributes.class = 'number';
      if (className) attributes.class = `${attributes.class ?? ''} ${className}`.trim();
      if (figure) attributes['data-figure'] = figure;
      return element(header ? 'th' : 'td', attributes, String(text));
    }),
  );
}

/**
 * The element `selector` finds in `within`, which index.html or this page's own code put there:
 * one missing (or of another type) is a bug, so it throws rather than return null.
 * @template {Element} Found
 * @param {string} selector
 * @param {{ new (): Found, prototype: Found }} type
 * @param {ParentNode} [within]
 * @returns {Found}
 */
export function find(selector, type, within = document) {
  const found = within.querySelector(selector);
  if (!(found instanceof type))
    throw new Error(`the dashboard page has no ${type.name} at ${JSON.stringify(selector)}.`);
  return found;
}
