import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';

const { includeDir, cmakeModule } = createRequire(import.meta.url)('../include-dir.cjs') as {
  includeDir: string;
  cmakeModule: string;
};

describe('the exported C++ include directory', () => {
  it('holds the layout and the twin', () => {
    expect(existsSync(join(includeDir, 'ringkit', 'spsc_ring', 'layout.hpp'))).toBe(true);
    expect(existsSync(join(includeDir, 'ringkit', 'spsc_ring.hpp'))).toBe(true);
  });

  it('comes with the addon build preamble every ringkit package includes', async () => {
    expect(readFileSync(cmakeModule, 'utf8')).toContain('function(ringkit_node_addon target)');
    // The ESM entry names the same files.
    const esm = await import('../include-dir.mjs' as string);
    expect([esm.includeDir, esm.cmakeModule]).toEqual([includeDir, cmakeModule]);
  });

  const compiler = spawnSync('g++', ['--version']);
  const skip = requireOrSkip(
    compiler.status === 0,
    'g++ is not installed (bash scripts/install-system-deps.sh installs it)',
  );

  it.skipIf(skip)(
    'is all another package needs to compile against the twin (C++20, -Wall -Werror)',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'ringkit-include-'));
      const source = join(dir, 'user.cpp');
      writeFileSync(
        source,
        `#include "ringkit/spsc_ring.hpp"
#include <vector>
int main() {
  ringkit::RingConfig config{ringkit::layout::kind::kBytes, 4096};
  std::vector<std::byte> memory(ringkit::Ring::byte_length(config));
  ringkit::Ring ring;
  if (ringkit::Ring::initialise(memory.data(), memory.size(), config) != ringkit::RingStatus::kOk) return 1;
  if (ringkit::Ring::attach(memory.data(), memory.size(), ring) != ringkit::RingStatus::kOk) return 2;
  ringkit::ByteProducer producer(ring);
  ringkit::ByteConsumer consumer(ring);
  const char hello[] = "hello";
  if (!producer.try_push(hello, sizeof hello, 7)) return 3;
  std::uint32_t seen = 0;
  consumer.drain([&](const std::byte*, std::uint32_t length, std::uint32_t type) { seen = length * 100 + type; });
  return seen == 607 ? 0 : 4;
}
`,
      );
      const binary = join(dir, 'user');
      const build = spawnSync(
        'g++',
        ['-std=c++20', '-Wall', '-Wextra', '-Werror', `-I${includeDir}`, source, '-o', binary],
        { encoding: 'utf8' },
      );
      expect(build.stderr).toBe('');
      expect(spawnSync(binary).status).toBe(0);
    },
  );
});
