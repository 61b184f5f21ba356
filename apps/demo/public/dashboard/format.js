// @ts-check
// Numbers as the dashboard prints them: short enough for a table cell or a chart axis.

/**
 * A count or a rate, with k / M / G once it is long (below 10 000 it stays whole).
 * @param {number} value
 * @returns {string}
 */
export function formatCount(value) {
  const magnitude = Math.abs(value);
  if (magnitude >= 1e9) return `${(value / 1e9).toFixed(2)} G`;
  if (magnitude >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (magnitude >= 1e4) return `${(value / 1e3).toFixed(1)} k`;
  return `${Math.round(value)}`;
}

/**
 * Bytes in binary units (KiB, MiB, GiB).
 * @param {number} bytes
 * @returns {string}
 */
export function formatBytes(bytes) {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(2)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} B`;
}
