import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startDashboard } from '../src/server.js';
import { Supervisor } from '../src/supervisor.js';
import { TraceRecorder } from '../src/trace.js';
import { PANEL_KINDS } from '../src/views.js';

/** The page's folder: index.html, app.js and the modules under dashboard/. */
const PUBLIC = fileURLToPath(new URL('../public/', import.meta.url));

/** Every script the page loads, relative to public/ (app.js and what it imports). */
const MODULES = readdirSync(PUBLIC, { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.js'))
  .sort();

describe("the dashboard page's modules", () => {
  it('have a renderer for every panel kind a pipeline can report', async () => {
    // A path in a variable: the package's tsconfig leaves public/ to its own (public/tsconfig.json).
    const renderers = `${PUBLIC}dashboard/renderers.js`;
    const { RENDERED_PANEL_KINDS } = (await import(renderers)) as {
      RENDERED_PANEL_KINDS: readonly string[];
    };
    const missing = PANEL_KINDS.filter((kind) => !RENDERED_PANEL_KINDS.includes(kind));
    expect(missing, 'panel kinds with no renderer in public/dashboard/renderers.js').toEqual([]);
  });

  it('each start with // @ts-check, so an editor checks them as public/tsconfig.json does', () => {
    expect(MODULES).toContain('app.js');
    for (const name of MODULES)
      expect(readFileSync(`${PUBLIC}${name}`, 'utf8').startsWith('// @ts-check\n'), name).toBe(
        true,
      );
  });

  it('are served as JavaScript, which browsers require of a module', async () => {
    const supervisor = new Supervisor([], new TraceRecorder(false), {
      forceSynthetic: true,
      namePrefix: `ringkit-demo-test-${process.pid}`,
    });
    const dashboard = await startDashboard(
      supervisor,
      () => ({ resultsDir: '', verdicts: [], problem: null }),
      0,
    );
    try {
      for (const name of MODULES) {
        const response = await fetch(`${dashboard.url}/${name}`);
        expect(response.status, name).toBe(200);
        expect(response.headers.get('content-type'), name).toBe('text/javascript; charset=utf-8');
        expect(await response.text(), name).toBe(readFileSync(`${PUBLIC}${name}`, 'utf8'));
      }
      // Only names in public/dashboard/ are served: no way out of the folder, no other files.
      for (const path of ['/dashboard/none.js', '/dashboard/..%2Fapp.js', '/tsconfig.json'])
        expect((await fetch(`${dashboard.url}${path}`)).status, path).toBe(404);
    } finally {
      await dashboard.close();
      await supervisor.stop();
    }
  });
});
