/**
 * select(2) and poll(2) (E8): readiness of a set of fds, scanned in full on
 * every call (O(n) — the reason epoll exists). Both take Linux's argument
 * checks: select's nfds is the highest fd + 1 and its sets hold
 * FD_SETSIZE (1024) bits; a closed fd in a select set is EBADF, in a poll
 * array it is reported as POLLNVAL; a negative poll fd is skipped.
 * POLLERR and POLLHUP are always reported by poll; select maps them to
 * "readable" (and POLLERR to "writable"), as Linux's fs/select.c does.
 *
 * Timeouts, as in C and Python: poll's is in milliseconds (negative, null
 * or Infinity = forever, 0 = look and return); select's is a
 * `struct timeval` `{ tv_sec, tv_usec }` (C; updated to the time left, as
 * Linux does) or a number of seconds (Python's `select.select`), null =
 * forever, zero in either form = look and return. A negative or non-number
 * timeout is EINVAL. Every wait sleeps until a watched file's wait queue is
 * woken (a change), then looks again; nothing polls in a loop.
 */
import {
  POLL_CONSTANTS, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDBAND, POLLRDNORM, POLLWRBAND, POLLWRNORM,
} from "../core/poll-events.js";
import type { StackContext } from "../core/stack-context.js";
import { SysError } from "../core/sys-error.js";
import type { Micros } from "../core/time.js";
import type { OpenFile, Pollable } from "./file.js";
import type { Flags } from "../socket/names.js";
import type { PollEventName } from "./names.js";
import { waitMany } from "./wait-many.js";

/** glibc FD_SETSIZE: the number of bits in an fd_set. */
export const FD_SETSIZE = 1024;

/** Linux POLLIN_SET / POLLOUT_SET / POLLEX_SET (fs/select.c). */
const POLLIN_SET = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
const POLLOUT_SET = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
const POLLEX_SET = POLLPRI;

/**
 * An fd_set: a bitmap of FD_SETSIZE bits with FD_SET/FD_CLR/FD_ISSET/FD_ZERO.
 * Setting an fd ≥ 1024 is the classic select bug: glibc's fortified FD_SET
 * aborts ("buffer overflow detected"); here it throws a RangeError.
 * @example const r = new FdSet(); r.set(lfd); await p.select(lfd + 1, r, null, null, null); r.isSet(lfd);
 */
export class FdSet {
  readonly #bits = new Uint32Array(FD_SETSIZE / 32);

  /**
   * An empty fd_set, or a copy of `from`. In C, `fd_set tmp = readfds;`
   * copies the struct; in JS `const tmp = readfds` only names the same set,
   * which select then overwrites — copy it (`new FdSet(readfds)` or
   * `readfds.copy()`) before each select, as the C loop does.
   */
  constructor(from?: FdSet) {
    if (from) this.#bits.set(from.#bits);
  }

  /** An fd_set holding `fds`. */
  static of(...fds: number[]): FdSet {
    const s = new FdSet();
    for (const fd of fds) s.set(fd);
    return s;
  }

  /**
   * A copy of this set (C's `tmpfds = readfds`).
   * @example
   * declare const all: FdSet, maxfd: number;
   * for (;;) {
   *   const r = all.copy();
   *   await p.select(maxfd + 1, r, null, null, null);
   *   // … r.isSet(fd) for each fd …
   * }
   */
  copy(): FdSet {
    return new FdSet(this);
  }

  #check(fd: number): void {
    if (!Number.isInteger(fd) || fd < 0 || fd >= FD_SETSIZE) throw new RangeError(`FD_SET: fd ${fd} outside an fd_set (FD_SETSIZE ${FD_SETSIZE}): *** buffer overflow detected ***`);
  }
  /** FD_SET */
  set(fd: number): void {
    this.#check(fd);
    this.#bits[fd >>> 5]! |= 1 << (fd & 31);
  }
  /** FD_CLR */
  clear(fd: number): void {
    this.#check(fd);
    this.#bits[fd >>> 5]! &= ~(1 << (fd & 31));
  }
  /** FD_ISSET */
  isSet(fd: number): boolean {
    this.#check(fd);
    return (this.#bits[fd >>> 5]! & (1 << (fd & 31))) !== 0;
  }
  /** FD_ZERO */
  zero(): void {
    this.#bits.fill(0);
  }
  /** The fds in the set, ascending. */
  fds(): number[] {
    const out: number[] = [];
    for (let w = 0; w < this.#bits.length; w++) {
      const v = this.#bits[w]!;
      if (v) for (let b = 0; b < 32; b++) if (v & (1 << b)) out.push(w * 32 + b);
    }
    return out;
  }
}

/**
 * Event bits as a number, a name, names joined by `|` (`"POLLIN|POLLOUT"`)
 * or a list of names; a misspelt literal name does not compile.
 */
export type PollEvents = number | Flags<PollEventName>;

/** struct pollfd; `revents` is filled in by poll (always a number). */
export interface PollFd {
  fd: number;
  /** POLL* bits, or their names: `POLLIN`, `"POLLIN|POLLOUT"`, `["POLLIN", "POLLPRI"]`. */
  events: PollEvents;
  revents?: number;
}

/**
 * Resolves event bits given as a number or names against `table` (poll's
 * POLL* names by default). An unknown name — or anything that is neither a
 * number nor names — is EINVAL naming it, never silently 0 (a poll on no
 * events would sleep forever).
 * @example eventBits("POLLIN|POLLOUT", "poll") === (POLLIN | POLLOUT)
 */
export function eventBits(v: PollEvents, syscall: string, table: Readonly<Record<string, number>> = POLL_CONSTANTS, kind = "poll event"): number {
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new SysError("EINVAL", syscall, `events: ${v} is not an integer`);
    return v >>> 0;
  }
  const names = typeof v === "string" ? v.split("|") : Array.isArray(v) ? v : null;
  if (names === null) throw new SysError("EINVAL", syscall, `events: expected a number or ${kind} names, got ${v === null ? "null" : typeof v}`);
  let bits = 0;
  for (const raw of names) {
    const n = typeof raw === "string" ? raw.trim() : raw;
    const x = typeof n === "string" ? table[n] : undefined;
    if (x === undefined) throw new SysError("EINVAL", syscall, `events: unknown ${kind} name ${JSON.stringify(n)}`);
    bits = (bits | x) >>> 0;
  }
  return bits;
}

/**
 * A poll/epoll_wait timeout in milliseconds → µs: negative, null, undefined
 * or Infinity = forever (-1); NaN or a non-number is EINVAL.
 */
export function msTimeout(timeout: number | null | undefined, syscall: string): Micros {
  if (timeout === null || timeout === undefined) return -1;
  if (typeof timeout !== "number" || Number.isNaN(timeout)) throw new SysError("EINVAL", syscall, `timeout: expected milliseconds, got ${String(timeout)}`);
  if (timeout < 0 || timeout === Infinity) return -1;
  return Math.round(timeout * 1000);
}

/** How the multiplexers see a process's fd table. */
export interface FdResolver {
  (fd: number): (OpenFile & Pollable) | undefined;
}

/**
 * poll(2): fills `revents` of every entry and returns how many are non-zero.
 * `timeout` in µs, negative = forever.
 */
export async function doPoll(ctx: StackContext, files: FdResolver, fds: PollFd[], timeout: Micros, limit: number): Promise<number> {
  if (fds.length > limit) throw new SysError("EINVAL", "poll");
  const events = fds.map((pfd) => eventBits(pfd.events, "poll"));
  const deadline = timeout >= 0 ? ctx.scheduler.now() + timeout : -1;
  for (;;) {
    let n = 0;
    const wait: { file: Pollable; mask: number }[] = [];
    for (let i = 0; i < fds.length; i++) {
      const pfd = fds[i]!;
      pfd.revents = 0;
      if (pfd.fd < 0) continue;
      const f = files(pfd.fd);
      if (!f) {
        pfd.revents = POLLNVAL;
        n++;
        continue;
      }
      const mask = (events[i]! & 0xffff) | POLLERR | POLLHUP;
      const r = f.poll() & mask;
      if (r) {
        pfd.revents = r;
        n++;
      } else wait.push({ file: f, mask });
    }
    if (n > 0) return n;
    const left = deadline < 0 ? -1 : deadline - ctx.scheduler.now();
    if (deadline >= 0 && left <= 0) return 0;
    if (wait.length === 0 && left < 0) await new Promise<never>(() => {}); // poll([], -1) sleeps forever
    await waitMany(ctx, wait, left);
  }
}

/** struct timeval for select; updated to the time left, as Linux does. */
export interface SelectTimeout {
  tv_sec: number;
  tv_usec: number;
}

/**
 * select's timeout → µs (-1 = forever): a struct timeval (Linux: negative
 * fields EINVAL, tv_usec ≥ 1e6 carried into seconds) or seconds (Python).
 */
function selectTimeout(timeout: SelectTimeout | number | null | undefined): Micros {
  const sc = "select";
  if (timeout === null || timeout === undefined) return -1;
  if (typeof timeout === "number") {
    if (!Number.isFinite(timeout) || timeout < 0) throw new SysError("EINVAL", sc, `timeout: expected seconds ≥ 0, got ${timeout}`);
    return Math.round(timeout * 1_000_000);
  }
  if (typeof timeout !== "object") throw new SysError("EINVAL", sc, `timeout: expected { tv_sec, tv_usec }, seconds or null, got ${typeof timeout}`);
  const { tv_sec: s, tv_usec: u } = timeout;
  if (typeof s !== "number" || typeof u !== "number" || !Number.isFinite(s) || !Number.isFinite(u) || s < 0 || u < 0) {
    throw new SysError("EINVAL", sc, `timeout: tv_sec and tv_usec must be numbers ≥ 0, got { tv_sec: ${String(s)}, tv_usec: ${String(u)} }`);
  }
  return Math.round(s * 1_000_000 + u);
}

/**
 * select(2): replaces each set with the ready fds and returns their total
 * count. `maxFds` is the size of the fd table (nfds above it is clamped).
 */
export async function doSelect(
  ctx: StackContext, files: FdResolver, nfds: number,
  readfds: FdSet | null, writefds: FdSet | null, exceptfds: FdSet | null,
  timeout: SelectTimeout | number | null | undefined, maxFds: number,
): Promise<number> {
  const sc = "select";
  if (!Number.isInteger(nfds) || nfds < 0) throw new SysError("EINVAL", sc);
  const tmo = selectTimeout(timeout);
  const tv = typeof timeout === "object" && timeout !== null ? timeout : null;
  const n = Math.min(nfds, maxFds, FD_SETSIZE);
  const watch: { fd: number; file: OpenFile & Pollable; r: boolean; w: boolean; x: boolean }[] = [];
  for (let fd = 0; fd < n; fd++) {
    const r = readfds?.isSet(fd) ?? false, w = writefds?.isSet(fd) ?? false, x = exceptfds?.isSet(fd) ?? false;
    if (!r && !w && !x) continue;
    const file = files(fd);
    if (!file) throw new SysError("EBADF", sc);
    watch.push({ fd, file, r, w, x });
  }
  const start = ctx.scheduler.now();
  const deadline = tmo >= 0 ? start + tmo : -1;
  for (;;) {
    let count = 0;
    const ready: [number, number, number][] = [];
    for (const it of watch) {
      const m = it.file.poll();
      const rr = it.r && (m & POLLIN_SET) ? 1 : 0, ww = it.w && (m & POLLOUT_SET) ? 1 : 0, xx = it.x && (m & POLLEX_SET) ? 1 : 0;
      if (rr | ww | xx) ready.push([it.fd, rr | (ww << 1) | (xx << 2), 0]);
      count += rr + ww + xx;
    }
    const left = deadline < 0 ? -1 : deadline - ctx.scheduler.now();
    if (count > 0 || (deadline >= 0 && left <= 0)) {
      readfds?.zero();
      writefds?.zero();
      exceptfds?.zero();
      for (const [fd, bits] of ready) {
        if (bits & 1) readfds!.set(fd);
        if (bits & 2) writefds!.set(fd);
        if (bits & 4) exceptfds!.set(fd);
      }
      if (tv) {
        const rem = Math.max(0, left < 0 ? 0 : left);
        tv.tv_sec = Math.floor(rem / 1_000_000);
        tv.tv_usec = rem % 1_000_000;
      }
      return count;
    }
    if (watch.length === 0 && left < 0) await new Promise<never>(() => {}); // select(0, …, NULL) sleeps forever
    await waitMany(ctx, watch.map((it) => ({
      file: it.file,
      mask: (it.r ? POLLIN_SET : 0) | (it.w ? POLLOUT_SET : 0) | (it.x ? POLLEX_SET : 0),
    })), left);
  }
}
