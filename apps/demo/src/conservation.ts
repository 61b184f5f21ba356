import type { LiveBooks } from './pipeline.js';
import type { LiveConservation } from './views.js';

/**
 * The live "nothing lost" check: does delivered + dropped = produced hold so far? The terminal
 * check at the end (each pipeline's stop()) compares the same three counts once nothing moves;
 * here records move while they are read, so the records produced but not yet delivered or
 * dropped — in flight — must be allowed for, and only those.
 *
 * Every record a pipeline produced is, at any instant, delivered, dropped, or held in one of its
 * rings or buffers (or in a producer's hand before its push). The pipeline reads `produced`
 * first, then what its rings and buffers can hold (`inFlight`), then `delivered` and `dropped`.
 * A record counted in `produced` was by the second read either still held — counted there — or
 * already delivered or dropped, and those counts only grow until they are read: so
 *
 *   produced − delivered − dropped ≤ inFlight
 *
 * holds whenever nothing was lost, however the reads interleave with the records' moves, and a
 * record lost for good breaks it as soon as the rings are no fuller than the loss leaves room
 * for. Records produced between the reads can make delivered + dropped exceed the first
 * `produced`; they cannot exceed `producedAfter`, read last, so that is the other side checked:
 *
 *   delivered + dropped ≤ producedAfter
 *
 * Exact enough: no false alarm; a loss smaller than the headroom left in the rings goes unseen
 * at one sample (and never at the end, where stop() checks the counts exactly).
 */
export function checkLiveBooks(books: LiveBooks): LiveConservation {
  const { produced, delivered, dropped, producedAfter, heldIn } = books;
  const inFlightBound = Math.max(0, books.inFlight);
  const accounted = delivered + dropped;
  const missing = produced - accounted;
  if (missing > inFlightBound)
    return {
      ok: false,
      produced,
      delivered,
      dropped,
      inFlight: missing,
      inFlightBound,
      heldIn,
      line: `does not add up: ${produced} produced − ${delivered} delivered − ${dropped} dropped leaves ${missing} unaccounted, more than ${heldIn} can hold now (${inFlightBound})`,
    };
  if (accounted > producedAfter)
    return {
      ok: false,
      produced: producedAfter,
      delivered,
      dropped,
      inFlight: producedAfter - accounted,
      inFlightBound,
      heldIn,
      line: `does not add up: ${delivered} delivered + ${dropped} dropped = ${accounted}, more than the ${producedAfter} produced`,
    };
  // Shown as an equation of one reading: the first `produced` where it covers what was
  // accounted, else the later one (records produced between the reads and already delivered).
  const shown = missing >= 0 ? produced : producedAfter;
  const inFlight = shown - accounted;
  return {
    ok: true,
    produced: shown,
    delivered,
    dropped,
    inFlight,
    inFlightBound,
    heldIn,
    line: `nothing lost so far: ${shown} produced = ${delivered} delivered + ${dropped} dropped + ${inFlight} in flight`,
  };
}
