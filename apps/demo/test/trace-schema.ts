/**
 * A schema check for Chrome / Perfetto trace files in the JSON object format
 * (the "Trace Event Format" document): what ui.perfetto.dev and
 * chrome://tracing need to load a file and draw each event where it belongs.
 * Returns the problems found, each naming the event's index; none is valid.
 */
export function validateTrace(document: unknown): string[] {
  const problems: string[] = [];
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    return ['the trace is not a JSON object with a traceEvents array'];
  const { traceEvents, displayTimeUnit } = document as Record<string, unknown>;
  if (!Array.isArray(traceEvents)) return ['traceEvents is missing or not an array'];
  if (traceEvents.length === 0) problems.push('traceEvents is empty');
  if (displayTimeUnit !== undefined && displayTimeUnit !== 'ms' && displayTimeUnit !== 'ns')
    problems.push(`displayTimeUnit must be "ms" or "ns", got ${JSON.stringify(displayTimeUnit)}`);
  traceEvents.forEach((event, index) => {
    for (const problem of eventProblems(event)) problems.push(`event ${index}: ${problem}`);
  });
  return problems;
}

const PHASES = new Set([
  'B',
  'E',
  'X',
  'i',
  'I',
  'C',
  'M',
  'b',
  'e',
  'n',
  's',
  't',
  'f',
  'P',
  'O',
  'N',
  'D',
]);
const METADATA = new Set([
  'process_name',
  'thread_name',
  'process_sort_index',
  'thread_sort_index',
  'process_labels',
]);

const isNonNegativeInteger = (value: unknown) => Number.isInteger(value) && (value as number) >= 0;
const isTime = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function eventProblems(event: unknown): string[] {
  if (!isObject(event)) return ['not an object'];
  const problems: string[] = [];
  const { ph, name, pid, tid, ts, dur, cat, args, s } = event;
  if (typeof ph !== 'string' || !PHASES.has(ph))
    return [`ph ${JSON.stringify(ph)} is not a trace event phase`];
  if (typeof name !== 'string' || name === '') problems.push('name must be a non-empty string');
  if (!isNonNegativeInteger(pid))
    problems.push(`pid must be a whole number ≥ 0, got ${JSON.stringify(pid)}`);
  if (!isNonNegativeInteger(tid))
    problems.push(`tid must be a whole number ≥ 0, got ${JSON.stringify(tid)}`);
  if (cat !== undefined && typeof cat !== 'string') problems.push('cat must be a string');
  if (args !== undefined && !isObject(args)) problems.push('args must be an object');
  if (ph === 'M') {
    if (!METADATA.has(name as string))
      problems.push(`metadata name ${JSON.stringify(name)} is not one the viewers know`);
    if (
      (name === 'process_name' || name === 'thread_name') &&
      !(isObject(args) && typeof args.name === 'string')
    )
      problems.push(`${name} needs args.name, a string`);
    if (ts !== undefined && !isTime(ts)) problems.push('ts must be a time ≥ 0 in µs');
    return problems;
  }
  if (!isTime(ts)) problems.push(`ts must be a time ≥ 0 in µs, got ${JSON.stringify(ts)}`);
  switch (ph) {
    case 'X':
      if (!isTime(dur))
        problems.push(`a complete event needs dur ≥ 0 in µs, got ${JSON.stringify(dur)}`);
      break;
    case 'i':
    case 'I':
      if (s !== undefined && s !== 'g' && s !== 'p' && s !== 't')
        problems.push(
          `an instant event's scope s must be "g", "p" or "t", got ${JSON.stringify(s)}`,
        );
      break;
    case 'C':
      if (!isObject(args) || Object.keys(args).length === 0)
        problems.push('a counter event needs args with at least one series');
      else
        for (const [series, value] of Object.entries(args))
          if (typeof value !== 'number' || !Number.isFinite(value))
            problems.push(
              `counter series ${series} must be a finite number, got ${JSON.stringify(value)}`,
            );
      break;
  }
  return problems;
}
