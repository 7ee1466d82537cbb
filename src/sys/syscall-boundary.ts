/**
 * The syscall boundary: one instrumented entry for every system call of
 * every {@link Process}, installed once on the prototype from a table
 * ({@link SYSCALLS}) rather than written into each method. It
 *
 * - keeps the calls in progress of each process and thread
 *   (`Process.inflight`: what `net.run()` lists when it gives up, and what a
 *   thread is blocked in);
 * - feeds the spin detector ({@link SpinGuard}): each entry is a step, each
 *   call that changed something is progress; a {@link SpinError} is named
 *   after the process, thread and call, the process is ended as a crash,
 *   and its further calls never return;
 * - parks the calls of a process that has exited or was killed: a killed
 *   program's pending and future blocking calls never return, as its code
 *   never runs again on Linux;
 * - emits {@link SyscallEvent}s to the host's tracer (strace, see strace.ts).
 *
 * A call made by a syscall from inside its own synchronous part (`accept`
 * → `accept4`, `wait` → `waitpid`) is not a second call. Helpers that are
 * loops of calls in C or Python (`sendall`, `recvExactly`, `recvLine`,
 * `connect_ex`, `selectLists`) are not wrapped: their calls are.
 */
import type { Micros } from "../core/time.js";
import { SpinError, type SpinGuard } from "./spin.js";

/** What a system call does to the world, for the spin detector. */
export type SyscallClass =
  /** Moves bytes in: progress when it consumed > 0 bytes without MSG_PEEK. */
  | "in"
  /** Moves bytes out: progress when it accepted > 0 bytes. */
  | "out"
  /** Only looks (poll, getsockopt…): never progress. */
  | "look"
  /** Changes state (socket, bind, close, accept…): progress when it succeeds. */
  | "change";

/** One entry of the syscall table. */
export interface SyscallSpec {
  /** Returns a Promise (blocks in C). */
  readonly async: boolean;
  readonly cls: SyscallClass;
  /** Index of the flags argument (MSG_PEEK test), for "in" calls. */
  readonly flagsArg?: number;
}

const S = (async: boolean, cls: SyscallClass, flagsArg?: number): SyscallSpec => ({ async, cls, flagsArg });

/** The system calls of a Process, by method name. */
export const SYSCALLS: Readonly<Record<string, SyscallSpec>> = {
  socket: S(false, "change"), socketpair: S(false, "change"), bind: S(false, "change"), listen: S(false, "change"),
  accept: S(true, "change"), accept4: S(true, "change"), connect: S(true, "change"),
  send: S(true, "out"), sendto: S(true, "out"), sendmsg: S(true, "out"), write: S(true, "out"), writev: S(true, "out"),
  recv: S(true, "in", 2), recvfrom: S(true, "in", 2), recvmsg: S(true, "in", 2), read: S(true, "in"), readv: S(true, "in"),
  shutdown: S(false, "change"), close: S(true, "change"), dup: S(false, "change"), dup2: S(true, "change"),
  getsockname: S(false, "look"), getpeername: S(false, "look"), setsockopt: S(false, "change"), getsockopt: S(false, "look"),
  fcntl: S(false, "look"), ioctl: S(false, "look"), unlink: S(false, "change"),
  poll: S(true, "look"), select: S(true, "look"),
  epoll_create: S(false, "change"), epoll_create1: S(false, "change"), epoll_ctl: S(false, "change"), epoll_wait: S(true, "look"),
  getrlimit: S(false, "look"), setrlimit: S(false, "change"),
  fork: S(false, "change"), wait: S(true, "look"), waitpid: S(true, "look"),
  open: S(false, "change"), pread: S(true, "in"), pwrite: S(true, "out"), lseek: S(false, "change"), fstat: S(false, "look"),
  pipe: S(false, "change"), pipe2: S(false, "change"), sendfile: S(true, "out"), splice: S(true, "out"),
};

/** One system call as the boundary saw it. */
export interface SyscallRecord {
  /** Host name. */
  readonly host: string;
  readonly pid: number;
  /** Thread id (the pid for the main program, as Linux numbers threads). */
  readonly tid: number;
  /** The process name. */
  readonly process: string;
  /** The Process method called (`recv`); strace.ts prints Linux's name (`recvfrom`). */
  readonly call: string;
  /** The arguments as given. */
  readonly args: readonly unknown[];
  /** Virtual time of entry (µs). */
  readonly start: Micros;
  /** Virtual time of return (µs), -1 while in progress. */
  end: Micros;
  /** What it returned (once done without error). */
  result?: unknown;
  /** What it threw (once failed). */
  error?: unknown;
  /** For the tracer: the input arguments formatted at entry (select's sets change). */
  enterText?: string;
}

/** What the tracer receives. */
export type SyscallEvent =
  /** A blocking call started (it may return at once: its "exit" follows). */
  | { readonly kind: "enter"; readonly rec: SyscallRecord }
  /** A call returned or failed (sync calls have only this event). */
  | { readonly kind: "exit"; readonly rec: SyscallRecord }
  /** The process ended: `+++ exited with 0 +++` / `+++ killed by SIGKILL +++`. */
  | { readonly kind: "exited"; readonly host: string; readonly pid: number; readonly process: string; readonly time: Micros; readonly code: number; readonly signal: string | null };

/** A tracer. */
export type SyscallListener = (ev: SyscallEvent) => void;

/** Per-host state the boundary uses (Host provides it). */
export interface SyscallHooks {
  readonly spin: SpinGuard;
  /** Where events go; null when nobody traces (the common case costs one test). */
  trace: SyscallListener | null;
  /** Formats a call's input arguments at entry (set with the tracer; strace.ts). */
  formatEnter: ((rec: SyscallRecord) => string) | null;
}

/** What the boundary needs of a process (Process implements it). */
export interface BoundaryProcess {
  readonly pid: number;
  readonly name: string;
  readonly kernel: { readonly ctx: { readonly hostName: string; readonly scheduler: { now(): Micros } }; readonly sys?: SyscallHooks };
  /** Calls in progress. */
  readonly inflight: Set<SyscallRecord>;
  /** Depth of synchronous syscall nesting (accept → accept4). @internal */
  syscallDepth: number;
  /** True once exited or killed: calls never return. */
  readonly parked: boolean;
  /** Ends the process as a crash with `error` (the spin detector). */
  crash(error: unknown): unknown;
}

/** A promise that never settles: the result of a call made by a dead process. */
const NEVER: Promise<never> = new Promise<never>(() => {});

/** Thrown by a synchronous call of a process that has exited (its code should not be running). */
export class ProcessGone extends Error {
  constructor(pid: number) {
    super(`process ${pid} has exited`);
    this.name = "ProcessGone";
  }
}

/** True when a finished call changed something (the spin detector's progress). */
function progressed(spec: SyscallSpec, args: readonly unknown[], result: unknown): boolean {
  switch (spec.cls) {
    case "change":
      return true;
    case "look":
      return false;
    case "out":
      return typeof result === "number" && result > 0;
    case "in": {
      const f = spec.flagsArg === undefined ? 0 : args[spec.flagsArg];
      if (f !== undefined && f !== 0 && (typeof f === "number" ? (f & 2) !== 0 : String(f).includes("PEEK"))) return false;
      if (result instanceof Uint8Array) return result.length > 0;
      if (Array.isArray(result)) return result.some((b: Uint8Array) => b.length > 0);
      const d = (result as { data?: Uint8Array } | null)?.data;
      return d !== undefined && d.length > 0;
    }
  }
}

/** A short text of a call for messages: `recv(4, 1024, MSG_PEEK)`. */
export function describeCall(call: string, args: readonly unknown[]): string {
  const a = args.map((x) => {
    if (typeof x === "string") return x.length > 24 ? JSON.stringify(x.slice(0, 24)) + "…" : /^[A-Z_|]+$/.test(x) ? x : JSON.stringify(x);
    if (typeof x === "number" || typeof x === "boolean" || x === null || x === undefined) return String(x);
    if (x instanceof Uint8Array) return `<${x.length} bytes>`;
    if (Array.isArray(x) && x.length === 2 && typeof x[0] === "string") return `["${x[0]}", ${String(x[1])}]`;
    return "…";
  });
  return `${call}(${a.join(", ")})`;
}

function onSpin(p: BoundaryProcess, tid: number, call: string, args: readonly unknown[], e: SpinError): void {
  if (e.pid < 0) e.locate(p.kernel.ctx.hostName, p.name, p.pid, tid, describeCall(call, args));
  p.crash(e);
}

/**
 * Makes one system call through the boundary: `p[call](...args)` as thread
 * `tid`. (The prototype wrappers call it with the pid; a thread's view with
 * its tid.)
 */
export function syscall(p: BoundaryProcess, tid: number, call: string, orig: (...a: unknown[]) => unknown, spec: SyscallSpec, args: unknown[]): unknown {
  if (p.syscallDepth > 0) return orig.apply(p, args);
  if (p.parked) {
    if (spec.async) return NEVER;
    throw new ProcessGone(p.pid);
  }
  const hooks = p.kernel.sys;
  if (hooks) {
    try {
      hooks.spin.step();
    } catch (e) {
      if (!(e instanceof SpinError)) throw e;
      onSpin(p, tid, call, args, e);
      if (spec.async) return Promise.reject(e);
      throw e;
    }
  }
  const trace = hooks?.trace ?? null;
  let rec: SyscallRecord | null = null;
  if (trace || spec.async) {
    rec = {
      host: p.kernel.ctx.hostName, pid: p.pid, tid, process: p.name, call, args,
      start: p.kernel.ctx.scheduler.now(), end: -1,
    };
    if (trace && hooks!.formatEnter) rec.enterText = hooks!.formatEnter(rec);
  }
  p.syscallDepth++;
  let r: unknown;
  try {
    r = orig.apply(p, args);
  } catch (e) {
    p.syscallDepth--;
    if (rec) finish(p, hooks, rec, undefined, e);
    if (e instanceof SpinError) onSpin(p, tid, call, args, e);
    throw e;
  }
  p.syscallDepth--;
  if (!spec.async) {
    if (hooks && progressed(spec, args, r)) hooks.spin.progress();
    if (rec) finish(p, hooks, rec, r, undefined);
    return r;
  }
  const record = rec!;
  p.inflight.add(record);
  if (trace) trace({ kind: "enter", rec: record });
  return (r as Promise<unknown>).then(
    (v) => {
      p.inflight.delete(record);
      if (p.parked) return NEVER;
      if (hooks) {
        if (progressed(spec, args, v)) hooks.spin.progress();
        if (hooks.trace) finish(p, hooks, record, v, undefined);
      }
      return v;
    },
    (e: unknown) => {
      p.inflight.delete(record);
      if (e instanceof SpinError) onSpin(p, tid, call, args, e);
      else if (p.parked) return NEVER;
      if (hooks?.trace) finish(p, hooks, record, undefined, e);
      throw e;
    },
  );
}

function finish(p: BoundaryProcess, hooks: SyscallHooks | undefined, rec: SyscallRecord, result: unknown, error: unknown): void {
  rec.end = p.kernel.ctx.scheduler.now();
  if (error !== undefined) rec.error = error;
  else rec.result = result;
  hooks?.trace?.({ kind: "exit", rec });
}

/**
 * Replaces every method of {@link SYSCALLS} on `proto` with its boundary
 * wrapper (once); returns the original methods by name (thread views call
 * them with their own tid).
 */
export function installSyscallBoundary(proto: object): ReadonlyMap<string, (...a: unknown[]) => unknown> {
  const originals = new Map<string, (...a: unknown[]) => unknown>();
  const target = proto as Record<string, unknown>;
  for (const [call, spec] of Object.entries(SYSCALLS)) {
    const orig = target[call];
    if (typeof orig !== "function") throw new TypeError(`syscall boundary: Process has no method ${call}`);
    const fn = orig as (...a: unknown[]) => unknown;
    originals.set(call, fn);
    const wrapper = {
      [call](this: BoundaryProcess, ...args: unknown[]): unknown {
        return syscall(this, this.pid, call, fn, spec, args);
      },
    }[call]!;
    Object.defineProperty(proto, call, { value: wrapper, writable: true, configurable: true, enumerable: false });
  }
  return originals;
}
