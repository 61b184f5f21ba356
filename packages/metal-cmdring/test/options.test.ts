import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandRingError, loadConfig, openRing, parseConfig } from '../src/index.js';
import { normalizeOptions } from '../src/options.js';
import { skipWithoutAddon } from './helpers.js';

function refusal(run: () => unknown): CommandRingError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CommandRingError);
    return error as CommandRingError;
  }
  throw new Error('expected a CommandRingError, but nothing was thrown');
}

/** One sentence: ends with a full stop, has no line break and no stack-like noise. */
function expectOneSentence(message: string): void {
  expect(message).toMatch(/\.$/);
  expect(message).not.toMatch(/\n/);
}

const seedYaml = `
metal_optimizations:
  enabled: true

  command_buffer_ring:
    enabled: true
    ring_size: 3              # 2=double buffer, 3=triple buffer, 4=quad buffer
    timeout_ms: 0             # Acquisition timeout (0=infinite)
    log_wait_events: false    # Log buffer wait events (debug only)
    track_statistics: true    # Track reuse statistics
`;

describe('ring options', () => {
  it.each([
    [{ ringSize: 0 }, /^ringSize must be a whole number from 1 to 64, got 0\.$/],
    [{ ringSize: 65 }, /^ringSize must be a whole number from 1 to 64, got 65\.$/],
    [{ ringSize: 2.5 }, /^ringSize must be a whole number from 1 to 64, got 2\.5\.$/],
    [{ ringSize: '3' }, /^ringSize must be .* got "3" \(a string\)\.$/],
    [{ timeoutMs: -1 }, /^timeoutMs must be a finite number of milliseconds from 0 .* got -1\.$/],
    [{ timeoutMs: Number.NaN }, /^timeoutMs must be .* got NaN\.$/],
    [{ backend: 'vulkan' }, /^backend must be one of 'auto', 'cpu', 'cuda', 'metal', got "vulkan"/],
    [
      { ring_size: 3 },
      /^openRing\(\) has no option 'ring_size'; the options are enabled, backend, ringSize/,
    ],
    [{ logWaitEvents: 'yes' }, /^logWaitEvents must be true or false, got "yes" \(a string\)\.$/],
    [{ cpu: { bufferBytes: 0 } }, /^cpu\.bufferBytes must be a whole number from 1/],
    [
      { cpu: { idleSpinUs: -1 } },
      /^cpu\.idleSpinUs must be a number of microseconds from 0 to 1000000, got -1\.$/,
    ],
    [
      { allocationStrategy: 'least-busy' },
      /^allocationStrategy must be one of 'round-robin', 'priority', got "least-busy"/,
    ],
    [
      { allocationStrategy: 'priority', priorityLevels: 1 },
      /^priorityLevels must be a whole number from 2 to 8, got 1\.$/,
    ],
    [
      { allocationStrategy: 'priority', priorityLevels: 9 },
      /^priorityLevels must be a whole number from 2 to 8, got 9\.$/,
    ],
    [
      { priorityLevels: 3 },
      /^priorityLevels applies only to allocationStrategy 'priority'; remove it or set/,
    ],
  ])('refuses %j with one sentence', (options, expected) => {
    const error = refusal(() => normalizeOptions(options as never));
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.message).toMatch(expected);
    expectOneSentence(error.message);
  });

  it('fills in the defaults, and enabled: false runs one slot', () => {
    const options = normalizeOptions({});
    expect(options).toMatchObject({
      backend: 'auto',
      ringSize: 3,
      timeoutMs: 0,
      trackStatistics: true,
    });
    expect(normalizeOptions({ enabled: false, ringSize: 4 }).ringSize).toBe(1);
  });

  it('runs round-robin as one priority level, and priority with two levels unless told', () => {
    expect(normalizeOptions({})).toMatchObject({
      allocationStrategy: 'round-robin',
      priorityLevels: 1,
    });
    expect(normalizeOptions({ allocationStrategy: 'priority' }).priorityLevels).toBe(2);
    expect(
      normalizeOptions({ allocationStrategy: 'priority', priorityLevels: 5 }).priorityLevels,
    ).toBe(5);
  });

  it.skipIf(skipWithoutAddon)('openRing reports an unavailable backend with the reason', () => {
    const error = refusal(() => openRing({ backend: 'metal' }));
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.message).toMatch(/macOS/);
    expectOneSentence(error.message);
  });
});

describe("the seed's YAML configuration", () => {
  it("reads the seed's own example", () => {
    expect(parseConfig(seedYaml)).toEqual({
      enabled: true,
      ringSize: 3,
      timeoutMs: 0,
      logWaitEvents: false,
      trackStatistics: true,
    });
  });

  it('loads a file whose options open a ring as written', () => {
    const folder = mkdtempSync(join(tmpdir(), 'cmdring-config-'));
    const path = join(folder, 'ring.yaml');
    writeFileSync(
      path,
      seedYaml.replace('ring_size: 3', 'ring_size: 2').replace('timeout_ms: 0', 'timeout_ms: 250'),
    );
    const config = loadConfig(path);
    expect(config).toMatchObject({ ringSize: 2, timeoutMs: 250 });
    expect(normalizeOptions({ ...config, backend: 'cpu' })).toMatchObject({
      ringSize: 2,
      timeoutMs: 250,
    });
  });

  it('turns enabled: false (at either level) into a one-slot ring', () => {
    const config = parseConfig(seedYaml.replace('  enabled: true\n\n', '  enabled: false\n\n'));
    expect(config.enabled).toBe(false);
    expect(normalizeOptions(config).ringSize).toBe(1);
  });

  it.each([
    [
      'ring_size: 3',
      'ring_size: 0',
      /ring_size must be a whole number from 1 to 64, got 0 \(a number\)\.$/,
    ],
    [
      'ring_size: 3',
      'ring_size: 65',
      /ring_size must be a whole number from 1 to 64, got 65 \(a number\)\.$/,
    ],
    ['ring_size: 3', 'ring_size: three', /ring_size must be .* got "three" \(a string\)\.$/],
    [
      'timeout_ms: 0',
      'timeout_ms: -5',
      /timeout_ms must be a number of milliseconds from 0 .* got -5 \(a number\)\.$/,
    ],
    ['timeout_ms: 0', 'timeout_ms: "100"', /timeout_ms must be .* got "100" \(a string\)\.$/],
    [
      'log_wait_events: false',
      'log_wait_events: 1',
      /log_wait_events must be true or false, got 1 \(a number\)\.$/,
    ],
    [
      'track_statistics: true',
      'track_statistics: [yes]',
      /track_statistics must be true or false, got a list\.$/,
    ],
    [
      'ring_size: 3',
      'ring_size: 3\n    backend: vulkan',
      /backend must be one of auto, cpu, cuda, metal, got "vulkan"/,
    ],
    [
      'ring_size: 3',
      'ring_size: 3\n    ringsize: 3',
      /has no key 'ringsize'; the keys are enabled, ring_size/,
    ],
    [
      'command_buffer_ring:',
      'command_buffer_rings:',
      /has no metal_optimizations\.command_buffer_ring mapping\.$/,
    ],
    ['ring_size: 3 ', 'ring_size: [3', /is not valid YAML/],
    [
      'ring_size: 3',
      'ring_size: 3\n    allocation_strategy: least-busy',
      /allocation_strategy least-busy means nothing for one ring: .* use round-robin or priority\.$/,
    ],
    [
      'ring_size: 3',
      'ring_size: 3\n    allocation_strategy: priority\n    priority_levels: 9',
      /priority_levels must be a whole number from 2 to 8, got 9 \(a number\)\.$/,
    ],
    [
      'ring_size: 3',
      'ring_size: 3\n    allocation_strategy: priority\n    priority_levels: high',
      /priority_levels must be a whole number from 2 to 8, got "high" \(a string\)\.$/,
    ],
    [
      'ring_size: 3',
      'ring_size: 3\n    allocation_strategy: fastest',
      /allocation_strategy must be one of round-robin, priority, least-busy, got "fastest"/,
    ],
    [
      'ring_size: 3',
      'ring_size: 3\n    priority_levels: 2',
      /priority_levels applies only to allocation_strategy priority; remove it or set allocation_strategy: priority\.$/,
    ],
  ])('refuses %s → %s with one sentence', (from, to, expected) => {
    const error = refusal(() => parseConfig(seedYaml.replace(from, to), 'ring.yaml'));
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toMatch(/^ring\.yaml: /);
    expect(error.message).toMatch(expected);
    expectOneSentence(error.message);
  });

  it('accepts allocation_strategy round-robin, what the ring does anyway', () => {
    const config = parseConfig(
      seedYaml.replace('ring_size: 3', 'ring_size: 3\n    allocation_strategy: round-robin'),
    );
    expect(config).toMatchObject({ enabled: true, ringSize: 3 });
  });

  it('reads allocation_strategy priority and priority_levels as ring options', () => {
    const config = parseConfig(
      seedYaml.replace(
        'ring_size: 3',
        'ring_size: 3\n    allocation_strategy: priority\n    priority_levels: 3',
      ),
    );
    expect(config).toMatchObject({
      ringSize: 3,
      allocationStrategy: 'priority',
      priorityLevels: 3,
    });
    expect(normalizeOptions(config).priorityLevels).toBe(3);
  });

  it('says so when the file does not exist', () => {
    const error = refusal(() => loadConfig('/nonexistent/ring.yaml'));
    expect(error.message).toBe('the configuration file /nonexistent/ring.yaml does not exist.');
  });
});
