import { BenchKitError } from './errors.js';
import {
  type BenchResult,
  RESULT_SCHEMA,
  RESULT_SCHEMA_VERSION,
  type ResultKind,
  type ResultUnit,
  UNITS_OF,
} from './result-schema.js';

type Fields = Record<string, unknown>;

const VERDICTS = ['pass', 'fail', 'inconclusive'] as const;

/**
 * A results file's text, validated field by field: a bad file is an error that
 * names the file and the field. Version 1 files (before repeated runs and
 * targets for rates and latencies) read as version 2 with those fields null.
 */
export function parseResult(text: string, file: string): BenchResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw malformed(file, `it is not JSON (${(error as Error).message})`);
  }
  if (!isObject(value)) throw malformed(file, 'it is not a JSON object');
  const record = value;
  if (record.schema !== RESULT_SCHEMA)
    throw malformed(
      file,
      `"schema" is ${JSON.stringify(record.schema)}, expected "${RESULT_SCHEMA}"`,
    );
  if (
    typeof record.schemaVersion !== 'number' ||
    !Number.isInteger(record.schemaVersion) ||
    record.schemaVersion < 1 ||
    record.schemaVersion > RESULT_SCHEMA_VERSION
  ) {
    throw malformed(
      file,
      `"schemaVersion" is ${JSON.stringify(record.schemaVersion)}, this bench-kit reads versions 1 to ${RESULT_SCHEMA_VERSION}`,
    );
  }
  const check = new FieldCheck(file);
  check.string(record, 'package');
  check.string(record, 'bench');
  check.oneOf(record, 'kind', ['overhead', 'speedup', 'throughput', 'latency']);
  check.oneOf(record, 'unit', ['%', '×', 'items/s', 'B/s', 'ns']);
  if (!UNITS_OF[record.kind as ResultKind].includes(record.unit as ResultUnit)) {
    throw malformed(
      file,
      `"unit" ${JSON.stringify(record.unit)} does not go with kind "${record.kind}"`,
    );
  }
  check.number(record, 'median');
  check.number(record, 'samples');
  check.interval(record, 'interval');
  if (record.kind === 'latency') check.percentiles(record, 'percentiles');
  if (record.kind === 'overhead' || record.kind === 'speedup') {
    check.number(record, 'budget');
    check.oneOf(record, 'verdict', VERDICTS);
  } else {
    check.numberOrNull(record, 'budget');
    check.oneOfOrNull(record, 'verdict', VERDICTS);
  }
  if (!isObject(record.machine)) throw malformed(file, '"machine" is missing');
  check.string(record, 'timestamp');
  if (record.schemaVersion === 1)
    return {
      ...record,
      p99Budget: null,
      pid: null,
      runs: null,
      worst: null,
      best: null,
    } as unknown as BenchResult;

  check.numberOrNull(record, 'p99Budget');
  check.numberOrNull(record, 'pid');
  if (record.runs !== null) {
    if (!Array.isArray(record.runs) || record.runs.length === 0)
      throw malformed(file, '"runs" must be null or a non-empty array');
    record.runs.forEach((run: unknown, index) => {
      const label = `runs[${index}]`;
      if (!isObject(run)) throw malformed(file, `"${label}" is not an object`);
      for (const field of ['run', 'pid', 'seed', 'median', 'samples', 'durationMs'])
        check.number(run, field, `${label}.${field}`);
      check.string(run, 'timestamp', `${label}.timestamp`);
      check.interval(run, 'interval', `${label}.interval`);
      check.oneOfOrNull(run, 'verdict', VERDICTS, `${label}.verdict`);
      if (record.kind === 'latency') check.percentiles(run, 'percentiles', `${label}.percentiles`);
    });
  }
  if (record.steal !== undefined && record.steal !== null) {
    if (!isObject(record.steal))
      throw malformed(file, '"steal" must be null or { percent, pairsSetAside }');
    check.number(record.steal, 'percent', 'steal.percent');
    check.number(record.steal, 'pairsSetAside', 'steal.pairsSetAside');
    // Absent in the files bench-kit wrote before it kept stolen pairs: it kept none then.
    if (record.steal.stolenPairsKept === undefined) record.steal.stolenPairsKept = 0;
    check.number(record.steal, 'stolenPairsKept', 'steal.stolenPairsKept');
  }
  for (const field of ['worst', 'best']) {
    const pick = record[field];
    if (pick === null) continue;
    if (!isObject(pick)) throw malformed(file, `"${field}" must be null or { run, median }`);
    check.number(pick, 'run', `${field}.run`);
    check.number(pick, 'median', `${field}.median`);
  }
  return record as unknown as BenchResult;
}

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(file: string, why: string): BenchKitError {
  return new BenchKitError(
    'MALFORMED_RESULTS',
    `${file} is not a valid bench-kit result: ${why}; delete it or re-run "npm run bench".`,
  );
}

/** One check per field shape, each naming the file and the field (with its path inside the file) when it fails. */
class FieldCheck {
  constructor(private readonly file: string) {}

  string(record: Fields, field: string, label = field): void {
    if (typeof record[field] !== 'string' || record[field] === '') {
      throw malformed(
        this.file,
        `"${label}" must be a non-empty string, got ${JSON.stringify(record[field])}`,
      );
    }
  }

  number(record: Fields, field: string, label = field): void {
    if (typeof record[field] !== 'number' || !Number.isFinite(record[field])) {
      throw malformed(
        this.file,
        `"${label}" must be a finite number, got ${JSON.stringify(record[field])}`,
      );
    }
  }

  numberOrNull(record: Fields, field: string, label = field): void {
    if (record[field] !== null) this.number(record, field, label);
  }

  oneOf(record: Fields, field: string, allowed: readonly string[], label = field): void {
    if (!allowed.includes(record[field] as string)) {
      throw malformed(
        this.file,
        `"${label}" must be one of ${allowed.join(', ')}, got ${JSON.stringify(record[field])}`,
      );
    }
  }

  oneOfOrNull(record: Fields, field: string, allowed: readonly string[], label = field): void {
    if (record[field] !== null) this.oneOf(record, field, allowed, label);
  }

  interval(record: Fields, field: string, label = field): void {
    const interval = record[field];
    if (!isObject(interval)) throw malformed(this.file, `"${label}" is missing`);
    for (const bound of ['low', 'high', 'confidence'])
      this.number(interval, bound, `${label}.${bound}`);
  }

  percentiles(record: Fields, field: string, label = field): void {
    const percentiles = record[field];
    if (!isObject(percentiles)) throw malformed(this.file, `"${label}" is missing`);
    for (const quantile of ['p50', 'p90', 'p99', 'max'])
      this.number(percentiles, quantile, `${label}.${quantile}`);
  }
}
