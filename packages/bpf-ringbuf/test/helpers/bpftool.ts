import { execFileSync } from 'node:child_process';

/** Names of the BPF programs loaded in the kernel now, as `bpftool prog show` lists them. */
export function bpftoolProgramNames(): string[] {
  const listing = execFileSync('bpftool', ['--json', 'prog', 'show'], { encoding: 'utf8' });
  return (JSON.parse(listing) as { name?: string }[]).map((program) => program.name ?? '');
}

/** Ours: every built-in program's kernel name starts with this (names are cut at 15 characters). */
export const OUR_PREFIX = 'ringkit_';

export function ourPrograms(): string[] {
  return bpftoolProgramNames().filter((name) => name.startsWith(OUR_PREFIX));
}
