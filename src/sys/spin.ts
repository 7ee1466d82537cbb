/**
 * The spin detector (DESIGN.md principle 7, issue 11): a simulated program
 * that keeps calling into the kernel at one virtual instant without
 * anything changing never lets the microtask queue drain, so no driver —
 * virtual or real-time — regains control and Node's event loop freezes.
 * The detector therefore lives where such a loop must pass: the syscall
 * boundary (every call of every process). Kernel waits need no hook: every
 * socket wait sleeps until a change (`Socket.waitReady`), and a storm of
 * timer events at one instant is the virtual driver's (`maxEventsPerInstant`).
 *
 * Definition. A *step* is a syscall entry. *Progress* is virtual time moving, or a call that changed
 * something: it moved bytes (a send accepted > 0 bytes, a receive
 * consumed > 0 bytes — a `MSG_PEEK` or an end-of-file read does not), it
 * created, connected or closed something (socket, accept, connect, close,
 * bind, listen, …). Observations (poll, select, epoll_wait, getsockopt,
 * getsockname, fcntl, ioctl, waitpid without a child, …) and failures
 * (EAGAIN, ECONNREFUSED, …) are not progress. When more than
 * {@link SpinGuard.limit} steps (default {@link DEFAULT_SPIN_LIMIT}) pass
 * on one host at one instant with no progress, the step throws a
 * {@link SpinError}; the syscall boundary names the host, process, thread
 * and call in it, ends the process as a crash (status 1) and parks its
 * further calls, and `net.run()` rejects with that error.
 *
 * A legitimate busy program — an echo of 100 MB at one instant over a
 * zero-latency link — makes progress on every few calls and never trips it;
 * a loop polling a level that never changes, re-reading the same peeked
 * datagram, or retrying a call that fails at once does.
 */
import type { Clock, Micros } from "../core/time.js";

/** Steps without progress at one instant before a {@link SpinError} (per host). */
export const DEFAULT_SPIN_LIMIT = 100_000;

/**
 * A simulated program kept calling into the kernel at one instant without
 * progress. `message` names where: `spin: server/loop[1000] thread 1000 is
 * stuck in recv(4, 1024, MSG_PEEK) at t=0.200000s: 100001 calls …`.
 */
export class SpinError extends Error {
  /** The host of the spinning program (filled in by the syscall boundary). */
  host = "";
  /** Its pid, or -1 when the spin was not inside a syscall of a process. */
  pid = -1;
  /** Its thread id (the pid for the main program). */
  tid = -1;
  /** The call it was stuck in (`recv`), or "" when unknown. */
  syscall = "";
  /** The virtual time of the spin (µs). */
  readonly at: Micros;
  /** Steps counted without progress. */
  readonly steps: number;

  constructor(at: Micros, steps: number, where = "") {
    super(spinMessage(where, at, steps));
    this.name = "SpinError";
    this.at = at;
    this.steps = steps;
  }

  /** Names the program and call the spin happened in (the syscall boundary calls this). */
  locate(host: string, process: string, pid: number, tid: number, call: string): void {
    this.host = host;
    this.pid = pid;
    this.tid = tid;
    this.syscall = call.replace(/\(.*$/s, "");
    const thread = tid === pid ? "" : ` thread ${tid}`;
    this.message = spinMessage(`${host}/${process}[${pid}]${thread} is stuck in ${call}`, this.at, this.steps);
  }
}

function spinMessage(where: string, at: Micros, steps: number): string {
  return (
    `spin: ${where || "a simulated program"}${where ? "" : " keeps running"} at t=${(at / 1e6).toFixed(6)}s: ` +
    `${steps} kernel calls or waits at this instant changed nothing (a loop that polls a level that is ` +
    "already true, retries a call that fails at once, or re-reads peeked data never lets virtual time move)"
  );
}

/** Counts steps without progress at one instant (one per host). */
export class SpinGuard {
  /** Steps without progress allowed at one instant. */
  limit: number;
  readonly #clock: Clock;
  #at = -1;
  #steps = 0;

  constructor(clock: Clock, limit = DEFAULT_SPIN_LIMIT) {
    this.#clock = clock;
    this.limit = limit;
  }

  /** One step (a syscall entry, a wait resolved without blocking); throws SpinError past the limit. */
  step(): void {
    const now = this.#clock.now();
    if (now !== this.#at) {
      this.#at = now;
      this.#steps = 0;
    }
    if (++this.#steps > this.limit) throw new SpinError(now, this.#steps);
  }

  /** Something changed: the count starts again. */
  progress(): void {
    this.#steps = 0;
  }

  /** Steps counted at the current instant since the last progress. */
  get steps(): number {
    return this.#clock.now() === this.#at ? this.#steps : 0;
  }
}
