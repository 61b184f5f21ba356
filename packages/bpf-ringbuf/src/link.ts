import { native } from './errors.js';
import { requireNative } from './native.js';
import type { RawLink } from './native-binding.js';

/**
 * A program attached to a hook by `object.program(name).attach(target)`, or a link
 * pinned on a bpffs and reopened by `openPinnedLink(path)`. detach() stops the
 * program; closing the object stops it too, unless the link is pinned: a pinned link
 * keeps the program running after this process, until a detach() of any handle to it.
 */
export class BpfLink {
  /** What runs where, for messages: "program 'count' on kprobe do_sys_openat2+0". */
  readonly subject: string;
  private readonly raw: RawLink;

  /** @internal Use program.attach() or openPinnedLink(). */
  constructor(raw: RawLink) {
    this.raw = raw;
    this.subject = raw.subject;
  }

  /** Whether the program no longer runs through this handle: detach(), or its object closed. */
  get detached(): boolean {
    return this.raw.detached();
  }

  /** Where the link is pinned (by pin(), or the path it was opened from); null when it is not. */
  get pinnedPath(): string | null {
    return this.raw.pinnedPath() || null;
  }

  /**
   * Pins the link at `path` on a bpffs (e.g. under /sys/fs/bpf): the program then stays
   * attached after its object closes and this process exits, and openPinnedLink(path)
   * finds it again. A perf_event attach on several CPUs is one link per CPU: attach
   * with `cpus: [n]` to pin each (PIN_FAILED otherwise).
   */
  pin(path: string): void {
    native(() => this.raw.pin(path));
  }

  /** Removes this link's pin at `path` (default: where pin() put it); the program stays attached while the link is open. */
  unpin(path?: string): void {
    native(() => this.raw.unpin(path ?? null));
  }

  /**
   * Stops the program on this hook: removes the pin this handle made or was opened
   * from, and closes the link. Detaching twice, or after the object closed, does nothing.
   */
  detach(): void {
    this.raw.detach();
  }
}

/** The link pinned at `path` on a bpffs (PIN_NOT_FOUND when nothing is pinned there). */
export function openPinnedLink(path: string): BpfLink {
  const binding = requireNative('openPinnedLink');
  return new BpfLink(native(() => binding.openPinnedLink(path)));
}
