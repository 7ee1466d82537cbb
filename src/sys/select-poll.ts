/**
 * select(2) and poll(2) (E8): readiness of a set of fds, scanned in full on
 * every call (O(n) — the reason epoll exists). Both take Linux's argument
 * checks: select's nfds is the highest fd + 1 and its sets hold
 * FD_SETSIZE (1024) bits; a closed fd in a select set is EBADF, in a poll
 * array it is reported as POLLNVAL; a negative poll fd is skipped.
 * POLLERR and POLLHUP are always reported by poll; select maps them to
 * "readable" (and POLLERR to "writable"), as Linux's fs/select.c does.
 */
import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDBAND, POLLRDNORM, POLLWRBAND, POLLWRNORM } from "../core/poll-events.js";
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

  /** An fd_set holding `fds`. */
  static of(...fds: number[]): FdSet {
    const s = new FdSet();
    for (const fd of fds) s.set(fd);
    return s;
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
 * struct pollfd; `revents` is filled in by poll. `events` is a number or
 * POLL* names (`"POLLIN|POLLOUT"`, `["POLLIN"]`), checked by Process.poll.
 */
export interface PollFd {
  fd: number;
  events: number | Flags<PollEventName>;
  revents?: number;
}

/** A pollfd after argument checking: numeric events. */
export interface PollEntry {
  fd: number;
  events: number;
  revents?: number;
}

/** How the multiplexers see a process's fd table. */
export interface FdResolver {
  (fd: number): (OpenFile & Pollable) | undefined;
}

/**
 * poll(2): fills `revents` of every entry and returns how many are non-zero.
 * `timeout` in µs, negative = forever.
 */
export async function doPoll(ctx: StackContext, files: FdResolver, fds: PollEntry[], timeout: Micros, limit: number): Promise<number> {
  if (fds.length > limit) throw new SysError("EINVAL", "poll");
  const deadline = timeout >= 0 ? ctx.scheduler.now() + timeout : -1;
  for (;;) {
    let n = 0;
    const wait: { file: Pollable; mask: number }[] = [];
    for (const pfd of fds) {
      pfd.revents = 0;
      if (pfd.fd < 0) continue;
      const f = files(pfd.fd);
      if (!f) {
        pfd.revents = POLLNVAL;
        n++;
        continue;
      }
      const mask = (pfd.events & 0xffff) | POLLERR | POLLHUP;
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
 * select(2): replaces each set with the ready fds and returns their total
 * count. `maxFds` is the size of the fd table (nfds above it is clamped).
 */
export async function doSelect(
  ctx: StackContext, files: FdResolver, nfds: number,
  readfds: FdSet | null, writefds: FdSet | null, exceptfds: FdSet | null,
  timeout: SelectTimeout | null, maxFds: number,
): Promise<number> {
  const sc = "select";
  if (!Number.isInteger(nfds) || nfds < 0) throw new SysError("EINVAL", sc);
  let tmo: Micros = -1;
  if (timeout) {
    if (timeout.tv_sec < 0 || timeout.tv_usec < 0 || !Number.isFinite(timeout.tv_sec)) throw new SysError("EINVAL", sc);
    tmo = Math.round(timeout.tv_sec * 1_000_000 + timeout.tv_usec);
  }
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
      if (timeout) {
        const rem = Math.max(0, left < 0 ? 0 : left);
        timeout.tv_sec = Math.floor(rem / 1_000_000);
        timeout.tv_usec = rem % 1_000_000;
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
