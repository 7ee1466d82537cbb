/**
 * The per-host AF_UNIX name space (E7): socket paths bound on one host.
 * Linux keeps two kinds of names:
 * - filesystem paths (`/tmp/echo.sock`): bind creates a socket file that
 *   *outlives* the socket — binding the path again gives EADDRINUSE until
 *   someone unlinks it, and connecting to the stale file gives
 *   ECONNREFUSED (the classic "delete the socket file before bind");
 * - abstract names (leading NUL, `"\0name"`): gone with the socket.
 * Paths are plain strings; there are no directories or permissions.
 */
import type { ErrnoCode } from "../core/errno.js";
import type { Rng } from "../core/rng.js";
import { AF_UNIX } from "./constants.js";
import type { SockAddr } from "./sockaddr.js";

/** sizeof(sun_path) on Linux. */
export const UNIX_PATH_MAX = 108;

/** What a name refers to: a live socket, or a stale socket file (null). */
export interface UnixBinding<S> {
  socket: S | null;
}

/**
 * Name → bound socket, for one host.
 * @example
 * const ns = new UnixNamespace<{ name: string }>(); const sock = { name: "server" };
 * ns.bind("/tmp/s", sock) === null; ns.lookup("/tmp/s")?.socket === sock; ns.bind("/tmp/s", sock) === "EADDRINUSE";
 */
export class UnixNamespace<S extends object = object> {
  readonly #names = new Map<string, UnixBinding<S>>();

  /** Binds `path` to `s`; EADDRINUSE when the name exists (live or stale). */
  bind(path: string, s: S): ErrnoCode | null {
    if (this.#names.has(path)) return "EADDRINUSE";
    this.#names.set(path, { socket: s });
    return null;
  }

  /**
   * Picks a free abstract name (Linux unix_autobind: NUL + 5 hex digits,
   * from a random start, then the next ones in order); ENOSPC when all
   * 2^20 are taken, as Linux — the search is bounded, it never loops.
   */
  autobind(s: S, rng: Rng): string | "ENOSPC" {
    const start = rng.below(0x100000);
    for (let i = 0; i < 0x100000; i++) {
      const name = "\0" + ((start + i) & 0xfffff).toString(16).padStart(5, "0");
      if (!this.#names.has(name)) {
        this.#names.set(name, { socket: s });
        return name;
      }
    }
    return "ENOSPC";
  }

  /** The binding of a name, or undefined (ENOENT). */
  lookup(path: string): UnixBinding<S> | undefined {
    return this.#names.get(path);
  }

  /** unlink(2) of a socket file; ENOENT when absent. Abstract names cannot be unlinked. */
  unlink(path: string): ErrnoCode | null {
    if (isAbstract(path) || !this.#names.has(path)) return "ENOENT";
    this.#names.delete(path);
    return null;
  }

  /** The socket closed: abstract names vanish, socket files stay behind (stale). */
  release(path: string, s: S): void {
    const b = this.#names.get(path);
    if (!b || b.socket !== s) return;
    if (isAbstract(path)) this.#names.delete(path);
    else b.socket = null;
  }

  /** Every name with whether a live socket is behind it. */
  entries(): { path: string; live: boolean }[] {
    return [...this.#names].map(([path, b]) => ({ path, live: b.socket !== null }));
  }
}

/** True for an abstract name (leading NUL). */
export function isAbstract(path: string): boolean {
  return path.charCodeAt(0) === 0;
}

/** The path of an AF_UNIX address, or the errno bind/connect give. */
export function unixPath(addr: SockAddr): string | ErrnoCode {
  if (addr.family !== AF_UNIX) return "EINVAL";
  const path = addr.path;
  if (new TextEncoder().encode(path).length >= UNIX_PATH_MAX + (isAbstract(path) ? 1 : 0)) return "EINVAL";
  return path;
}
