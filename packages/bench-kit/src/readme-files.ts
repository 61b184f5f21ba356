import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseResult } from './parse-result.js';
import { findTables, renderReadmeTables, type StoredResult } from './readme-tables.js';
import { packageFolderName } from './results.js';
import { listWorkspacePackages } from './workspace.js';

export interface ReadmeUpdate {
  /** The README, relative to the workspace root. */
  readonly file: string;
  /** Its text differs from what the results say (and, unless checking, was rewritten). */
  readonly stale: boolean;
}

/**
 * Regenerates the measured tables of every workspace package's README from its folder of
 * `resultsDir` (readme-tables.ts); with `check`, writes nothing and only says which differ.
 */
export async function updateReadmes(options: {
  readonly resultsDir: string;
  readonly workspaceRoot: string;
  readonly check: boolean;
}): Promise<ReadmeUpdate[]> {
  const updates: ReadmeUpdate[] = [];
  for (const { name, dir, repositoryFiles } of listWorkspacePackages(options.workspaceRoot)) {
    const path = join(dir, 'README.md');
    const text = await readFile(path, 'utf8').catch(() => null);
    if (text === null) continue;
    const file = relative(options.workspaceRoot, path);
    if (findTables(text, file).length === 0) continue;
    const folder = packageFolderName(name);
    const results = join(options.resultsDir, folder);
    const rendered = await renderReadmeTables(
      text,
      file,
      folder,
      {
        result: (bench) => readStored(results, bench),
        text: (path) => readFile(join(results, path), 'utf8').catch(() => null),
      },
      { repositoryFiles },
    );
    const stale = rendered !== text;
    if (stale && !options.check) await writeFile(path, rendered);
    updates.push({ file, stale });
  }
  return updates;
}

/** `<folder>/<bench>.json` and its runs' files `runs/<bench>.run-<r>.json`; null when absent. */
async function readStored(folder: string, bench: string): Promise<StoredResult | null> {
  const read = async (path: string) => {
    const text = await readFile(path, 'utf8').catch(() => null);
    return text === null ? null : parseResult(text, path);
  };
  const result = await read(join(folder, `${bench}.json`));
  if (result === null) return null;
  const runFiles: StoredResult['runFiles'][number][] = [];
  for (const run of result.runs ?? []) {
    const file = await read(join(folder, 'runs', `${bench}.run-${run.run}.json`));
    if (file !== null) runFiles.push(file);
  }
  return { result, runFiles };
}
