// The seed's YAML configuration (metal_optimizations.command_buffer_ring.*) as
// ring options. Every problem is one sentence naming the file, the key and what
// it must be.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CommandRingError } from './errors.js';
import {
  type BackendName,
  MAX_PRIORITY_LEVELS,
  MAX_RING_SIZE,
  MIN_PRIORITY_LEVELS,
  MIN_RING_SIZE,
  type RingOptions,
} from './options.js';

const SECTION = 'metal_optimizations.command_buffer_ring';
const KEYS = [
  'enabled',
  'ring_size',
  'timeout_ms',
  'log_wait_events',
  'track_statistics',
  'backend',
  'allocation_strategy',
  'priority_levels',
];
const STRATEGIES = ['round-robin', 'priority', 'least-busy'];
// Why a strategy is refused, one sentence each.
const REFUSED_STRATEGIES: Record<string, string> = {
  'least-busy':
    'least-busy means nothing for one ring: it drives one device queue in fence order, so there is no less busy queue to pick; use round-robin or priority',
};
const BACKENDS: readonly BackendName[] = ['auto', 'cpu', 'cuda', 'metal'];

export interface RingConfig extends RingOptions {
  /** False when either metal_optimizations.enabled or command_buffer_ring.enabled is false. */
  enabled: boolean;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `"${value}" (a string)`;
  return `${String(value)} (a ${typeof value})`;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses the seed's YAML text; `source` names it in errors (a path, say). */
export function parseConfig(text: string, source = 'the configuration'): RingConfig {
  const fail = (sentence: string) =>
    new CommandRingError('INVALID_CONFIG', `${source}: ${sentence}`);
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw fail(`is not valid YAML (${(error as Error).message.split('\n')[0]}).`);
  }
  const top = isMapping(document) ? document.metal_optimizations : undefined;
  if (!isMapping(top)) throw fail('has no metal_optimizations mapping at the top level.');
  const section = top.command_buffer_ring;
  if (!isMapping(section)) throw fail(`has no ${SECTION} mapping.`);
  for (const key of Object.keys(section)) {
    if (!KEYS.includes(key))
      throw fail(`${SECTION} has no key '${key}'; the keys are ${KEYS.join(', ')}.`);
  }

  const boolean = (value: unknown, key: string, fallback: boolean): boolean => {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean')
      throw fail(`${key} must be true or false, got ${typeName(value)}.`);
    return value;
  };
  const wholeNumber = (value: unknown, key: string, min: number, max: number): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      throw fail(`${key} must be a whole number from ${min} to ${max}, got ${typeName(value)}.`);
    return value;
  };
  const enabled =
    boolean(top.enabled, 'metal_optimizations.enabled', true) &&
    boolean(section.enabled, `${SECTION}.enabled`, true);

  const config: RingConfig = { enabled };
  if (section.ring_size !== undefined)
    config.ringSize = wholeNumber(
      section.ring_size,
      `${SECTION}.ring_size`,
      MIN_RING_SIZE,
      MAX_RING_SIZE,
    );
  if (section.timeout_ms !== undefined) {
    const timeout = section.timeout_ms;
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0)
      throw fail(
        `${SECTION}.timeout_ms must be a number of milliseconds from 0 (0 waits without limit), got ${typeName(timeout)}.`,
      );
    config.timeoutMs = timeout;
  }
  if (section.log_wait_events !== undefined)
    config.logWaitEvents = boolean(section.log_wait_events, `${SECTION}.log_wait_events`, false);
  if (section.track_statistics !== undefined)
    config.trackStatistics = boolean(section.track_statistics, `${SECTION}.track_statistics`, true);
  if (section.backend !== undefined) {
    if (!BACKENDS.includes(section.backend as BackendName))
      throw fail(
        `${SECTION}.backend must be one of ${BACKENDS.join(', ')}, got ${typeName(section.backend)}.`,
      );
    config.backend = section.backend as BackendName;
  }
  const strategy = section.allocation_strategy ?? 'round-robin';
  if (typeof strategy !== 'string' || !STRATEGIES.includes(strategy))
    throw fail(
      `${SECTION}.allocation_strategy must be one of ${STRATEGIES.join(', ')}, got ${typeName(strategy)}.`,
    );
  const refusal = REFUSED_STRATEGIES[strategy];
  if (refusal !== undefined) throw fail(`${SECTION}.allocation_strategy ${refusal}.`);
  if (strategy === 'priority') {
    config.allocationStrategy = 'priority';
    if (section.priority_levels !== undefined)
      config.priorityLevels = wholeNumber(
        section.priority_levels,
        `${SECTION}.priority_levels`,
        MIN_PRIORITY_LEVELS,
        MAX_PRIORITY_LEVELS,
      );
  } else if (section.priority_levels !== undefined) {
    throw fail(
      `${SECTION}.priority_levels applies only to allocation_strategy priority; remove it or set allocation_strategy: priority.`,
    );
  }
  return config;
}

/** Reads the seed's YAML file into ring options (pass them, with any others, to openRing). */
export function loadConfig(path: string): RingConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CommandRingError(
      'INVALID_CONFIG',
      code === 'ENOENT'
        ? `the configuration file ${path} does not exist.`
        : `the configuration file ${path} could not be read (${(error as Error).message}).`,
    );
  }
  return parseConfig(text, path);
}
