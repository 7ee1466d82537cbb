/**
 * The syscall fuzzer: random call sequences over several processes,
 * threads and forked children on two hosts — TCP, UDP and AF_UNIX
 * sockets, socketpair, epoll/poll/select, options, shutdown, close, dup —
 * with the bad values a C caller could pass (negative and huge fds,
 * huge and negative lengths, unknown flags, wrong families) and the ones
 * a JS caller could pass (undefined, null, {}, NaN, strings, ArrayBuffer,
 * Uint16Array, arrays of chunks). No guard around known hangs: a call
 * that spins is what the watchdog is there to catch.
 *
 * A case is a {@link SyscallProgram}: plain JSON, generated up front
 * from the seed, so a failing program is its own replay (the corpus
 * stores it as it is). Values that JSON cannot hold are encoded as
 * `{ "$": "undef" }`, `{ "$": "nan" }`, `{ "$": "u8", "hex": … }`,
 * `{ "$": "fd", "i": k }` (the k-th fd the process holds, modulo their
 * number) and so on — see {@link resolveValue}.
 *
 * Invariants: every failing call throws a SysError (anything else is a
 * `type-escape`), nothing escapes `net.run()`, no spin at one virtual
 * instant, memory within its limits.
 */
import { Rng } from "../core/rng.js";
import { ms, sec } from "../core/time.js";
import type { Host } from "../host/host.js";
import { Network } from "../sim/network.js";
import { FdSet } from "../sys/select-poll.js";
import type { Process } from "../sys/process.js";
import { DEFAULT_LIMITS, errText, hex, installSpinBound, isErrno, memoryCheck, unhex, type FuzzFailure, type FuzzLimits } from "./harness.js";

/** A JSON value, with the special encodings of {@link resolveValue}. */
export type Val = null | boolean | number | string | Val[] | { [k: string]: Val };

/** One call: actor `a` sleeps `t` ms, then calls `c` with `args`. */
export interface SyscallOp {
  a: number;
  c: string;
  args: Val[];
  /** Delay before the call, ms of virtual time. */
  t: number;
  /** For `fork` and `thread`: the actor that runs in the child. */
  child?: number;
}

/** A whole case: who runs where, and the calls in order. */
export interface SyscallProgram {
  /** Host of each root actor (`a` or `b`); actors past the list start from fork/thread ops. */
  roots: ("a" | "b")[];
  /** Number of actors (roots plus children). */
  actors: number;
  ops: SyscallOp[];
}

/** Options of {@link runSyscallProgram}. */
export interface SyscallCaseOptions {
  seed: string;
  case: number;
  limits?: FuzzLimits;
  /** Called with the index of each op as it starts (the CLI's watchdog marks it). */
  progress?: (op: number) => void;
  /** Called when actor `actor` starts op `op` (and with -1 when its call returned). */
  actor?: (actor: number, op: number) => void;
  /** Virtual time a case may run after its last call starts (default 30 s). */
  settle?: number;
}

/** What a syscall case returns. */
export interface SyscallCaseResult {
  calls: number;
  /** Calls that failed with a SysError (expected: the values are bad). */
  errnos: number;
  failures: FuzzFailure[];
}

const PORTS = [7, 8, 9, 80, 5000, 0];
const HOSTS = ["10.0.0.1", "10.0.0.2", "127.0.0.1", "0.0.0.0", "10.0.0.99", "255.255.255.255"];
const PATHS = ["/tmp/s0", "/tmp/s1", "@abstract", "", "/tmp/" + "x".repeat(120)];

const U = (): Val => ({ $: "undef" });
const NAN = (): Val => ({ $: "nan" });

/** Generates the program of one case. */
export function generateSyscallProgram(seed: string, index: number, calls: number): SyscallProgram {
  const r = new Rng(`syscall-gen:${seed}:${index}`);
  const roots: ("a" | "b")[] = ["a", "a", "b", "b"];
  const actors = roots.length + 4;
  const started = new Set([0, 1, 2, 3]);
  const ops: SyscallOp[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[r.below(xs.length)]!;
  const chance = (p: number) => r.chance(p);

  const fd = (): Val => {
    if (chance(0.85)) return { $: "fd", i: r.below(8) };
    return pick<Val>([-1, -100, 0, 1, 2, 1023, 1024, 99999, 2 ** 31, NAN(), U(), null, "3", 3.5, {}, { $: "inf" }]);
  };
  const port = (): number => pick(PORTS);
  const addr = (): Val => {
    const k = r.below(20);
    if (k < 11) return [pick(HOSTS.slice(0, 3)), port()];
    if (k < 13) return [pick(HOSTS), chance(0.5) ? port() : r.below(70000) - 1000];
    if (k < 16) return pick(PATHS);
    if (k < 17) return { family: pick<Val>([2, 1, 10, 0, 99]), addr: pick(HOSTS), port: port(), path: pick(PATHS) };
    return pick<Val>([null, U(), {}, [], ["10.0.0.2"], ["x.y", 1], 42, NAN(), [1, 2, 3], { $: "ab", n: 16 }]);
  };
  const data = (): Val => {
    const k = r.below(24);
    if (k < 6) return "hello";
    if (k < 12) return { $: "u8", hex: hex(bytes(r, pick([1, 5, 100, 1400, 5000])) ) };
    if (k < 13) return { $: "zeros", n: pick([65536, 200000, 1 << 20]) };
    if (k < 14) return "";
    if (k < 15) return { $: "ab", n: pick([0, 3, 100]) };
    if (k < 16) return { $: "u16", n: pick([1, 3, 50]) };
    if (k < 17) return [{ $: "u8", hex: "010203" }, "ab"];
    if (k < 18) return { $: "sub", hex: "00112233445566778899", off: r.below(5), len: r.below(6) };
    return pick<Val>([U(), null, 42, {}, NAN(), true, ["a", ["b"]], { $: "dv", n: 4 }]);
  };
  const len = (): Val => {
    if (chance(0.75)) return pick([1, 4, 16, 100, 4096, 65536]);
    return pick<Val>([0, -1, NAN(), U(), 2 ** 31, 1e12, "10", { $: "inf" }, null, 2.5, {}]);
  };
  const flags = (): Val => {
    if (chance(0.4)) return 0;
    if (chance(0.75)) return pick(["MSG_DONTWAIT", "MSG_PEEK", "MSG_WAITALL", "MSG_OOB", "MSG_PEEK|MSG_DONTWAIT", "MSG_TRUNC", "MSG_NOSIGNAL", "MSG_WAITALL|MSG_DONTWAIT", "MSG_OOB|MSG_DONTWAIT", "MSG_TRUNC|MSG_DONTWAIT"]);
    return pick<Val>([-1, 0xffffffff, "MSG_BOGUS", null, {}, NAN(), U(), ["MSG_PEEK", "MSG_DONTWAIT"], 0x40, 1 << 30]);
  };
  const timeout = (): Val => pick<Val>([0, 0, 10, 100, 1000, -1, NAN(), U(), 1e9, "5", null]);
  const sockopt = (): Val[] => {
    const [lvl, name] = pick<[string, string]>([
      ["SOL_SOCKET", "SO_RCVBUF"], ["SOL_SOCKET", "SO_SNDBUF"], ["SOL_SOCKET", "SO_REUSEADDR"], ["SOL_SOCKET", "SO_REUSEPORT"],
      ["SOL_SOCKET", "SO_KEEPALIVE"], ["SOL_SOCKET", "SO_LINGER"], ["SOL_SOCKET", "SO_RCVTIMEO"], ["SOL_SOCKET", "SO_SNDTIMEO"],
      ["SOL_SOCKET", "SO_RCVLOWAT"], ["SOL_SOCKET", "SO_BROADCAST"], ["SOL_SOCKET", "SO_ERROR"], ["SOL_SOCKET", "SO_OOBINLINE"],
      ["IPPROTO_TCP", "TCP_NODELAY"], ["IPPROTO_TCP", "TCP_MAXSEG"], ["IPPROTO_TCP", "TCP_KEEPIDLE"], ["IPPROTO_TCP", "TCP_DEFER_ACCEPT"],
      ["SOL_SOCKET", "SO_BOGUS"], ["BOGUS", "SO_RCVBUF"],
    ]);
    const value = pick<Val>([0, 1, 1, 2048, 1 << 20, -1, 2 ** 31, NAN(), { l_onoff: 1, l_linger: 0 }, { l_onoff: 1, l_linger: 1 },
      { tv_sec: 0, tv_usec: 1000 }, { tv_sec: 0, tv_usec: 2e6 }, "x", null, U(), {}, true]);
    return [chance(0.9) ? lvl : pick<Val>([1, 6, 0, -1, U()]), chance(0.9) ? name : pick<Val>([7, 8, 9999, U()]), value];
  };

  const gens: Record<string, () => Val[]> = {
    socket: () => [
      chance(0.9) ? pick(["AF_INET", "AF_INET", "AF_UNIX"]) : pick<Val>([10, 0, 99, -1, "AF_BOGUS", U(), NAN(), 2, 1]),
      chance(0.85) ? pick(["SOCK_STREAM", "SOCK_DGRAM", "SOCK_STREAM|SOCK_NONBLOCK", "SOCK_DGRAM|SOCK_NONBLOCK", "SOCK_STREAM|SOCK_CLOEXEC"])
        : pick<Val>([3, 0, 99, -1, "SOCK_SEQPACKET", ["SOCK_STREAM", "SOCK_CLOEXEC"], "x", U(), NAN()]),
      chance(0.9) ? 0 : pick<Val>([6, 17, 1, 255, -1, "IPPROTO_TCP", U()]),
    ],
    socketpair: () => [chance(0.85) ? "AF_UNIX" : pick<Val>(["AF_INET", 99, U()]), pick<Val>(["SOCK_STREAM", "SOCK_DGRAM", "SOCK_STREAM|SOCK_NONBLOCK", 99, U()]), 0],
    bind: () => [fd(), addr()],
    listen: () => [fd(), chance(0.8) ? pick([0, 1, 4, 128]) : pick<Val>([-1, 1e9, NAN(), U(), "5"])],
    accept: () => [fd()],
    connect: () => [fd(), addr()],
    connect_ex: () => [fd(), addr()],
    send: () => [fd(), data(), flags()],
    sendto: () => [fd(), data(), flags(), chance(0.2) ? null : addr()],
    write: () => [fd(), data()],
    writev: () => [fd(), chance(0.8) ? [data(), data()] : pick<Val>([[], null, U(), "x", [U()]])],
    sendmsg: () => [fd(), { iov: [data(), data()], name: chance(0.5) ? addr() : null }, flags()],
    sendall: () => [fd(), data(), flags()],
    recv: () => [fd(), len(), flags()],
    recvfrom: () => [fd(), len(), flags()],
    recvmsg: () => [fd(), len(), flags()],
    read: () => [fd(), len()],
    readv: () => [fd(), chance(0.8) ? [len(), len()] : pick<Val>([[], null, U(), [NAN()]])],
    recvExactly: () => [fd(), len(), flags()],
    recvLine: () => [fd(), chance(0.8) ? 100 : len()],
    shutdown: () => [fd(), chance(0.85) ? pick(["SHUT_RD", "SHUT_WR", "SHUT_RDWR", 0, 1, 2]) : pick<Val>([3, -1, "SHUT_BOGUS", U()])],
    close: () => [fd()],
    getsockname: () => [fd()],
    getpeername: () => [fd()],
    setsockopt: () => [fd(), ...sockopt()],
    getsockopt: () => { const [l, n] = sockopt(); return [fd(), l!, n!]; },
    fcntl: () => [fd(), pick<Val>(["F_GETFL", "F_SETFL", "F_GETFD", "F_SETFD", "F_DUPFD", 999, U()]), pick<Val>([0, "O_NONBLOCK", 2048, 1, -1, U()])],
    ioctl: () => [fd(), pick<Val>(["FIONREAD", "FIONBIO", "SIOCOUTQ", 0x541b, 12345, U()]), pick<Val>([0, 1, U()])],
    dup: () => [fd()],
    unlink: () => [chance(0.8) ? pick(PATHS) : pick<Val>([U(), null, 5])],
    poll: () => [[{ fd: fd(), events: pick<Val>([1, 4, 5, 0x2001, 0xffff, -1, U()]) }, { fd: fd(), events: 1 }], timeout()],
    select: () => [pick<Val>([8, 1024, 0, -1, 1025, NAN()]), { $: "fdset", fds: [fd(), fd()] }, chance(0.5) ? { $: "fdset", fds: [fd()] } : null, null,
      pick<Val>([null, { tv_sec: 0, tv_usec: 1000 }, { tv_sec: 0, tv_usec: 0 }, { tv_sec: -1, tv_usec: 0 }, { tv_sec: 0, tv_usec: 5e6 }, U()])],
    selectLists: () => [[fd(), fd()], [fd()], [], pick<Val>([0, 0.01, null, -1, NAN()])],
    epoll_create: () => [chance(0.9) ? 1 : pick<Val>([0, -1, NAN(), U()])],
    epoll_create1: () => [chance(0.9) ? 0 : pick<Val>(["EPOLL_CLOEXEC", 1, -1, U()])],
    epoll_ctl: () => [fd(), pick<Val>(["EPOLL_CTL_ADD", "EPOLL_CTL_ADD", "EPOLL_CTL_MOD", "EPOLL_CTL_DEL", 99, U()]), fd(),
      chance(0.85) ? { events: pick<Val>(["EPOLLIN", "EPOLLOUT", "EPOLLIN|EPOLLET", "EPOLLIN|EPOLLONESHOT", "EPOLLIN|EPOLLEXCLUSIVE", 0xffffffff, U()]) } : pick<Val>([null, U(), {}])],
    epoll_wait: () => [fd(), chance(0.85) ? pick([1, 8, 64]) : pick<Val>([0, -1, NAN(), U()]), timeout()],
    setrlimit: () => ["RLIMIT_NOFILE", { soft: pick<Val>([16, 64, 1024, 0, -1, NAN(), 1e9]) }],
    waitpid: () => [-1, 1],
    sleep: () => [pick([0, 1, 10, 200])],
  };
  const weights: [string, number][] = [
    ["socket", 14], ["socketpair", 3], ["bind", 8], ["listen", 6], ["accept", 5], ["connect", 6], ["connect_ex", 3],
    ["send", 7], ["sendto", 6], ["write", 2], ["writev", 2], ["sendmsg", 2], ["sendall", 2],
    ["recv", 7], ["recvfrom", 4], ["recvmsg", 2], ["read", 2], ["readv", 1], ["recvExactly", 2], ["recvLine", 1],
    ["shutdown", 3], ["close", 5], ["getsockname", 1], ["getpeername", 1], ["setsockopt", 5], ["getsockopt", 2],
    ["fcntl", 2], ["ioctl", 1], ["dup", 2], ["unlink", 1], ["poll", 3], ["select", 2], ["selectLists", 1],
    ["epoll_create", 1], ["epoll_create1", 1], ["epoll_ctl", 3], ["epoll_wait", 3], ["setrlimit", 1], ["waitpid", 1], ["sleep", 3],
    ["fork", 1], ["thread", 2],
  ];
  const total = weights.reduce((s, [, w]) => s + w, 0);
  for (let i = 0; i < calls; i++) {
    const live = [...started];
    const a = live[r.below(live.length)]!;
    let x = r.below(total);
    let c = "socket";
    for (const [name, w] of weights) {
      if (x < w) {
        c = name;
        break;
      }
      x -= w;
    }
    const t = r.chance(0.5) ? 0 : r.below(20);
    if (c === "fork" || c === "thread") {
      const free = [...Array(actors).keys()].filter((k) => !started.has(k));
      if (!free.length) continue;
      const child = free[0]!;
      started.add(child);
      ops.push({ a, c, args: [], t, child });
      continue;
    }
    ops.push({ a, c, args: gens[c]!(), t });
  }
  return { roots, actors, ops };
}

function bytes(r: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r.below(256);
  return b;
}

/**
 * Turns an encoded value into what the call receives: `{ $: "fd", i }` →
 * the i-th fd the process holds (mod their number; 999 when it holds
 * none), `undef`, `nan`, `inf`, `u8` (hex bytes), `zeros` (n zero bytes),
 * `ab` (an ArrayBuffer), `u16` (a Uint16Array), `dv` (a DataView), `sub`
 * (a view into a larger buffer), `fdset` (an FdSet). Plain arrays and
 * objects are resolved member by member.
 */
export function resolveValue(v: Val, fds: readonly number[]): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => resolveValue(x, fds));
  const tag = v.$;
  if (typeof tag === "string") {
    switch (tag) {
      case "fd": return fds.length ? fds[Number(v.i) % fds.length] : 999;
      case "undef": return undefined;
      case "nan": return NaN;
      case "inf": return Infinity;
      case "u8": return unhex(String(v.hex));
      case "zeros": return new Uint8Array(Number(v.n));
      case "ab": return new ArrayBuffer(Number(v.n));
      case "u16": return new Uint16Array(Number(v.n));
      case "dv": return new DataView(new ArrayBuffer(Number(v.n)));
      case "sub": return unhex(String(v.hex)).subarray(Number(v.off), Number(v.off) + Number(v.len));
      case "fdset": {
        const s = new FdSet();
        for (const f of (v.fds as Val[]) ?? []) {
          const n = resolveValue(f, fds);
          if (typeof n === "number" && Number.isInteger(n) && n >= 0 && n < 1024) s.set(n);
        }
        return s;
      }
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = resolveValue(x, fds);
  return out;
}

/**
 * Throws that are documented behaviour rather than errnos: `selectLists`
 * with an fd outside an fd_set throws a RangeError, as glibc's FD_SET
 * aborts (`*** buffer overflow detected ***`) and Python raises ValueError.
 */
function documentedThrow(call: string, e: unknown): boolean {
  return call === "selectLists" && e instanceof RangeError && e.message.startsWith("FD_SET");
}

/** fds a call's result adds to the process's list. */
function newFds(c: string, res: unknown): number[] {
  if (typeof res === "number" && (c === "socket" || c === "dup" || c === "epoll_create" || c === "epoll_create1" || c === "fcntl")) return res >= 3 ? [res] : [];
  if (c === "accept" && res && typeof res === "object" && "fd" in res) return [(res as { fd: number }).fd];
  if (c === "socketpair" && Array.isArray(res)) return res as number[];
  return [];
}

/**
 * Runs a program on a fresh two-host network and checks the invariants.
 * Never throws for a stack failure: it is returned in `failures`.
 * @example
 * const prog = generateSyscallProgram("1", 0, 200);
 * const r = await runSyscallProgram(prog, { seed: "1", case: 0 });
 */
export async function runSyscallProgram(prog: SyscallProgram, opts: SyscallCaseOptions): Promise<SyscallCaseResult> {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const net = new Network({ seed: `syscall-fuzz:${opts.seed}:${opts.case}`, driver: { warn: () => {} } });
  const a = net.addHost("a");
  const b = net.addHost("b");
  net.link(a, b, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(1) });
  installSpinBound(net, limits.maxEventsPerInstant);
  const failures: FuzzFailure[] = [];
  const escapes = new Set<string>();
  let calls = 0;
  let errnos = 0;
  const byActor: number[][] = [...Array(prog.actors)].map(() => []);
  prog.ops.forEach((op, i) => byActor[op.a]?.push(i));
  const fdLists = new Map<number, number[]>(); // by pid: threads share their process's fds

  const runActor = async (k: number, p: Process): Promise<void> => {
    for (const i of byActor[k] ?? []) {
      const op = prog.ops[i]!;
      if (op.t > 0) await net.sleep(ms(op.t));
      if (p.exited) return;
      opts.progress?.(i);
      opts.actor?.(k, i);
      calls++;
      const fds = fdLists.get(p.pid) ?? [];
      if (op.c === "fork" || op.c === "thread") {
        const child = op.child!;
        try {
          if (op.c === "thread") {
            p.thread((t) => runActor(child, t));
          } else {
            p.fork((c) => {
              fdLists.set(c.pid, [...fds]);
              return runActor(child, c);
            });
          }
        } catch (e) {
          if (!isErrno(e)) throw e;
          errnos++;
        }
        continue;
      }
      if (op.c === "sleep") {
        await net.sleep(ms(Number(op.args[0])));
        continue;
      }
      const args = op.args.map((v) => resolveValue(v, fds));
      try {
        const fn = (p as unknown as Record<string, (...x: unknown[]) => unknown>)[op.c];
        const res = await fn!.apply(p, args);
        opts.actor?.(k, -1);
        fds.push(...newFds(op.c, res));
        if (op.c === "close" && typeof args[0] === "number") {
          const j = fds.indexOf(args[0]);
          if (j >= 0) fds.splice(j, 1);
        }
      } catch (e) {
        opts.actor?.(k, -1);
        if (isErrno(e) || documentedThrow(op.c, e)) {
          errnos++;
          continue;
        }
        const what = `${op.c}(${op.args.map((x) => JSON.stringify(x)).join(", ")}) threw ${errText(e)}`;
        const key = `${op.c}:${e instanceof Error ? e.name : typeof e}`;
        if (!escapes.has(key)) {
          escapes.add(key);
          failures.push({ fuzzer: "syscall", kind: "type-escape", seed: opts.seed, case: opts.case, step: i, message: `op ${i}: ${what}` });
        }
      }
    }
  };

  const hosts: Record<"a" | "b", Host> = { a, b };
  prog.roots.forEach((h, k) => {
    hosts[h].spawn(`actor${k}`, (p) => {
      fdLists.set(p.pid, []);
      return runActor(k, p);
    });
  });
  const until = (prog.ops.reduce((s, o) => s + o.t, 0) + 1000) * 1000 + (opts.settle ?? sec(30));
  try {
    await net.run({ until });
  } catch (e) {
    const spin = e instanceof Error && e.name === "SpinError";
    failures.push({
      fuzzer: "syscall", kind: spin ? "spin" : "exception", seed: opts.seed, case: opts.case,
      message: `net.run: ${errText(e)}${e instanceof Error && e.stack ? `\n${e.stack.split("\n").slice(1, 6).join("\n")}` : ""}`,
    });
  }
  for (const h of [a, b]) {
    const m = memoryCheck(h, limits);
    if (m) failures.push({ fuzzer: "syscall", kind: "memory", seed: opts.seed, case: opts.case, message: m });
    h.shutdown();
  }
  return { calls, errnos, failures };
}
