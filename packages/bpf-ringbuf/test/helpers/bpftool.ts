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

/** Programs of ours attached now: `bpftool link show` lists every attachment with its program id. */
export function ourAttachedPrograms(): string[] {
  const links = JSON.parse(
    execFileSync('bpftool', ['--json', 'link', 'show'], { encoding: 'utf8' }),
  ) as {
    prog_id: number;
  }[];
  const programs = JSON.parse(
    execFileSync('bpftool', ['--json', 'prog', 'show'], { encoding: 'utf8' }),
  ) as {
    id: number;
    name?: string;
  }[];
  const names = new Map(programs.map((program) => [program.id, program.name ?? '']));
  return links
    .map((link) => names.get(link.prog_id) ?? '')
    .filter((name) => name.startsWith(OUR_PREFIX));
}

/** Waits (up to 5 s) until the kernel has freed every program of ours: freeing follows an RCU grace period. */
export async function ourProgramsAfterUnload(): Promise<string[]> {
  const deadline = Date.now() + 5000;
  while (ourPrograms().length > 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  return ourPrograms();
}
