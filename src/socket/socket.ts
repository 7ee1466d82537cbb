/**
 * The user-facing socket (Linux `struct socket` + its `struct file`): the
 * object a file descriptor refers to. It owns what is generic — blocking
 * versus non-blocking (O_NONBLOCK, MSG_DONTWAIT), SO_RCVTIMEO/SO_SNDTIMEO,
 * the SOL_SOCKET options every type shares, reference counts for dup/fork —
 * and delegates protocol work to a subclass per type (D1).
 *
 * Blocking (D7): a call that cannot proceed registers a waiter on the
 * protocol's wait queue and awaits a Promise; the protocol wakes the queue
 * when data, space or a connection arrives, and the call retries.
 */
import { SysError } from "../core/sys-error.js";
import { errnoNumber, type ErrnoCode } from "../core/errno.js";
import { Timer } from "../core/scheduler.js";
import type { StackContext } from "../core/stack-context.js";
import type { Micros } from "../core/time.js";
import { POLLERR, POLLHUP } from "../core/poll-events.js";
import type { WaitQueue, Waiter } from "../core/wait-queue.js";
import type { SockAddr } from "./sockaddr.js";
import { checkOptionValue, resolveOption, type Linger, type OptionSpec, type OptionValue, type Timeval } from "./options.js";
import { AF_INET, AF_INET6, SOL_SOCKET } from "./constants.js";
import { rcvbufFor, sndbufFor } from "./buffer-size.js";


/** Result of a receive. */
export interface RecvResult {
  /** The bytes read (a view; empty at end of stream). */
  data: Uint8Array;
  /** Sender address (datagram sockets), else null. */
  addr: SockAddr | null;
  /** MSG_TRUNC / MSG_CTRUNC / MSG_OOB / MSG_EOR reported back. */
  flags: number;
  /** The datagram's real length (MSG_TRUNC reporting). */
  length: number;
  /** Control messages (recvmsg's msg_control), when the socket asked for any (TCP_INQ). */
  control?: ControlMessage[];
}

/**
 * One control message (`struct cmsghdr` and its data): an int payload as a
 * number, a struct (IP_RECVERR's `sock_extended_err`) as its fields.
 */
export interface ControlMessage {
  level: number;
  type: number;
  data: number | Readonly<Record<string, number>>;
  /**
   * The address the message carries beside its numbers: IPV6_PKTINFO's
   * `ipi6_addr` (`data` holds `ipi6_ifindex`), a `sock_extended_err`'s
   * offender (SO_EE_OFFENDER).
   */
  addr?: SockAddr;
}

/**
 * A control message sendmsg takes (`msg.control`): level and type by
 * number or name (`"IPPROTO_IPV6"`, `"IPV6_HOPLIMIT"`), an int as a
 * number, IPV6_PKTINFO as `{ ipi6_addr, ipi6_ifindex }`.
 */
export interface SendControlMessage {
  level: number | string;
  type: number | string;
  data: number | { ipi6_addr?: string; ipi6_ifindex?: number };
}

/** Throws SysError(code, syscall). */
export function fail(code: ErrnoCode, syscall: string): never {
  throw new SysError(code, syscall);
}

/** Generic socket states (D2): Linux's SS_* of `struct socket`. */
export type SocketState = "SS_FREE" | "SS_UNCONNECTED" | "SS_CONNECTING" | "SS_CONNECTED" | "SS_DISCONNECTING";

// Bits of Socket.#bits.
const NONBLOCK = 1;
const CLOSED = 2;
// SOL_SOCKET flags a socket type does not keep itself (Linux sock flags / sk fields).
const SO_FLAG_BITS = { SO_REUSEADDR: 4, SO_REUSEPORT: 8, SO_KEEPALIVE: 16, SO_OOBINLINE: 32, SO_BROADCAST: 64 } as const;
/** The first bit of Socket's flag word a subclass may use for its own flags ({@link Socket.bit}). */
export const SUBCLASS_BITS = 256;
/** A SOL_SOCKET on/off option. */
export type SoFlag = keyof typeof SO_FLAG_BITS;

/** A socket of any family and type. */
export abstract class Socket {
  /** Inode number, unique per host (shown by lsof / ss -e). */
  readonly inode: number;
  /** Number of fds (in any process) referring to this socket. */
  refs = 0;
  // O_NONBLOCK and "closed" as two bits (a subclass may use the bits from
  // SUBCLASS_BITS up); family, type and protocol packed in one field; the
  // timeouts and stored-only options in one object created when first set
  // (memory per connection: most sockets never set one).
  #bits = 0;
  readonly #kind: number;
  #rare: { rcv: Micros; snd: Micros; stored: Map<string, OptionValue> | null } | null = null;

  constructor(
    readonly ctx: StackContext,
    family: number,
    type: number,
    protocol: number,
  ) {
    this.inode = ctx.allocInode();
    this.#kind = (family & 0xff) | ((type & 0xff) << 8) | ((protocol & 0xff) << 16);
  }

  /** The address family (AF_INET, AF_INET6, AF_UNIX). */
  get family(): number {
    return this.#kind & 0xff;
  }

  /** The socket type (SOCK_STREAM, SOCK_DGRAM). */
  get type(): number {
    return (this.#kind >> 8) & 0xff;
  }

  /** The protocol (IPPROTO_TCP, IPPROTO_UDP, 0 for AF_UNIX). */
  get protocol(): number {
    return this.#kind >> 16;
  }

  /** A subclass's own flag bit (`bit` from {@link SUBCLASS_BITS} up). */
  protected bit(bit: number): boolean {
    return (this.#bits & bit) !== 0;
  }
  protected setBit(bit: number, v: boolean): void {
    this.#bits = v ? this.#bits | bit : this.#bits & ~bit;
  }

  /** O_NONBLOCK on the open file. */
  get nonblocking(): boolean {
    return (this.#bits & NONBLOCK) !== 0;
  }
  set nonblocking(v: boolean) {
    this.#bits = v ? this.#bits | NONBLOCK : this.#bits & ~NONBLOCK;
  }

  /** Set once the last reference closed. */
  get closed(): boolean {
    return (this.#bits & CLOSED) !== 0;
  }
  set closed(v: boolean) {
    this.#bits = v ? this.#bits | CLOSED : this.#bits & ~CLOSED;
  }

  /** SO_RCVTIMEO in µs (0 = wait forever). */
  get rcvtimeo(): Micros {
    return this.#rare === null ? 0 : this.#rare.rcv;
  }
  set rcvtimeo(v: Micros) {
    if (this.#rare === null) {
      if (v === 0) return;
      this.#rare = { rcv: 0, snd: 0, stored: null };
    }
    this.#rare.rcv = v;
  }

  /** SO_SNDTIMEO in µs (0 = wait forever). */
  get sndtimeo(): Micros {
    return this.#rare === null ? 0 : this.#rare.snd;
  }
  set sndtimeo(v: Micros) {
    if (this.#rare === null) {
      if (v === 0) return;
      this.#rare = { rcv: 0, snd: 0, stored: null };
    }
    this.#rare.snd = v;
  }

  /**
   * Stored-only options (SO_DEBUG, SO_PRIORITY, SO_DONTROUTE…), created on
   * first use: an empty `Map` costs ≈ 270 B, paid by every idle socket
   * otherwise (memory per connection).
   */
  protected get stored(): Map<string, OptionValue> {
    return ((this.#rare ??= { rcv: 0, snd: 0, stored: null }).stored ??= new Map());
  }

  /** The stored-only options if any was ever set, else null (reads create nothing). */
  get #storedIfAny(): Map<string, OptionValue> | null {
    return this.#rare === null ? null : this.#rare.stored;
  }

  /** The protocol's wait queue. */
  abstract get wq(): WaitQueue;
  /** Current readiness (POLL* bits). */
  abstract poll(): number;
  /** Generic state for D2 views. */
  abstract get socketState(): SocketState;

  /** bind(2). */
  bind(_addr: SockAddr): void {
    fail("EOPNOTSUPP", "bind");
  }
  /** listen(2). */
  listen(_backlog: number): void {
    fail("EOPNOTSUPP", "listen");
  }
  /** accept(2): resolves to the new socket and the peer address. */
  async accept(): Promise<{ socket: Socket; addr: SockAddr }> {
    fail("EOPNOTSUPP", "accept");
  }
  /** connect(2). */
  async connect(_addr: SockAddr): Promise<void> {
    fail("EOPNOTSUPP", "connect");
  }
  /** sendmsg(2) with gathered buffers; returns bytes accepted. */
  abstract sendmsg(bufs: readonly Uint8Array[], flags: number, addr: SockAddr | null, syscall: string, control?: readonly SendControlMessage[]): Promise<number>;
  /** recvmsg(2) of up to `len` bytes. */
  abstract recvmsg(len: number, flags: number, syscall: string): Promise<RecvResult>;
  /** shutdown(2). */
  shutdown(_how: number): void {
    fail("EOPNOTSUPP", "shutdown");
  }
  /** Called when the last fd referring to the socket closes. May block (SO_LINGER). */
  abstract release(): Promise<void> | void;
  /** getsockname(2). */
  abstract getsockname(): SockAddr;
  /** getpeername(2). */
  abstract getpeername(): SockAddr;
  /** ioctl(2) for FIONREAD / SIOCOUTQ. */
  ioctl(_request: number): number {
    fail("ENOTTY", "ioctl");
  }

  /** setsockopt(2). Unknown option → ENOPROTOOPT naming it; a value of the wrong type → EINVAL. */
  setsockopt(level: string | number, name: string | number, value: OptionValue): void {
    const o = resolveOption(level, name, "setsockopt");
    checkOptionValue(o, value, "setsockopt");
    if (!this.setOption(o, value)) fail("ENOPROTOOPT", "setsockopt");
  }

  /** getsockopt(2). Unknown option → ENOPROTOOPT naming it. */
  getsockopt(level: string | number, name: string | number): OptionValue {
    const o = resolveOption(level, name, "getsockopt");
    const v = this.getOption(o);
    if (v === undefined) fail("ENOPROTOOPT", "getsockopt");
    return v;
  }

  // ---- SOL_SOCKET, one implementation for every socket type ----------------
  // Linux handles these in sock_setsockopt / sk_getsockopt on struct sock,
  // whatever the family and type (measured on Linux 6.18 for TCP, UDP and
  // both AF_UNIX types: test/socket/sol-socket.test.ts). A type keeps the
  // state it acts on itself by overriding the accessors below (TCP's
  // SO_KEEPALIVE arms a timer, its SO_SNDBUF locks autotuning); the rest is
  // kept here: flags in #bits, values in the lazily created `stored` map.

  /** IP_FREEBIND / IPV6_FREEBIND: bind may take an address that is not the host's (Linux inet_addr_valid_or_nonlocal). */
  get freebind(): boolean {
    return this.#storedIfAny?.get("IP_FREEBIND") === 1;
  }

  /** A SOL_SOCKET flag (SO_REUSEADDR, SO_KEEPALIVE, …) as this socket keeps it. */
  protected soFlag(name: SoFlag): boolean {
    return (this.#bits & SO_FLAG_BITS[name]) !== 0;
  }
  /** Sets a SOL_SOCKET flag; types that act on one override this and call super for the others. */
  protected setSoFlag(name: SoFlag, on: boolean): void {
    const b = SO_FLAG_BITS[name];
    this.#bits = on ? this.#bits | b : this.#bits & ~b;
  }
  /** SO_RCVLOWAT (Linux sk_rcvlowat, 1 by default). */
  protected get soRcvLowat(): number {
    return (this.#storedIfAny?.get("SO_RCVLOWAT") as number | undefined) ?? 1;
  }
  protected set soRcvLowat(v: number) {
    this.stored.set("SO_RCVLOWAT", v);
  }
  /** SO_LINGER (Linux SOCK_LINGER and sk_lingertime; it acts on TCP's close). */
  protected get soLinger(): Linger {
    return (this.#storedIfAny?.get("SO_LINGER") as Linger | undefined) ?? { l_onoff: 0, l_linger: 0 };
  }
  protected set soLinger(l: Linger) {
    this.stored.set("SO_LINGER", { l_onoff: l.l_onoff ? 1 : 0, l_linger: l.l_linger });
  }
  /** SO_SNDBUF in bytes (the doubled value, as getsockopt reports it). */
  protected abstract get soSndbuf(): number;
  protected abstract set soSndbuf(bytes: number);
  /** SO_RCVBUF in bytes (the doubled value). */
  protected abstract get soRcvbuf(): number;
  protected abstract set soRcvbuf(bytes: number);
  /** SO_ERROR: takes (clears) the pending error. */
  protected abstract takeSoError(): ErrnoCode | null;
  /** SO_ACCEPTCONN: the socket is listening. */
  protected get soAcceptConn(): boolean {
    return false;
  }

  /**
   * Sets an option; returns false when the socket does not implement it
   * (ENOPROTOOPT). The base implements every SOL_SOCKET option; a type
   * overrides this for its own levels (IPPROTO_IP, IPPROTO_TCP, …) and
   * passes the rest to super.
   */
  protected setOption(o: OptionSpec, value: OptionValue): boolean {
    const sc = "setsockopt";
    const int = (): number => intValue(value, sc);
    if ((o.name === "IP_FREEBIND" || o.name === "IPV6_FREEBIND") && (this.family === AF_INET || this.family === AF_INET6)) {
      // Linux: one bit (inet->freebind) for both names; IPV6_FREEBIND on AF_INET was refused by the IPv6 handler.
      this.stored.set("IP_FREEBIND", int() !== 0 ? 1 : 0);
      return true;
    }
    if (o.level !== SOL_SOCKET) return false;
    switch (o.name) {
      case "SO_DEBUG": case "SO_PRIORITY": case "SO_DONTROUTE": case "SO_MARK": this.stored.set(o.name, int()); return true;
      // Linux sk_setsockopt: a u32 (~0U: no limit); only TCP paces in sockstack (tcp-sockopt.ts), others store it.
      case "SO_MAX_PACING_RATE": this.stored.set(o.name, int() >>> 0); return true;
      // Linux sk_setsockopt: SO_ZEROCOPY is for TCP and UDP inet sockets (sockstack: TCP, stream-socket.ts).
      case "SO_ZEROCOPY": return fail("EOPNOTSUPP", sc);
      // SO_TIMESTAMPING: TCP only in sockstack (tcp/tx-timestamp.ts; Linux timestamps every socket type).
      case "SO_TIMESTAMPING": return fail("EOPNOTSUPP", sc);
      case "SO_REUSEADDR": case "SO_KEEPALIVE": case "SO_OOBINLINE": case "SO_BROADCAST": this.setSoFlag(o.name, int() !== 0); return true;
      case "SO_REUSEPORT": {
        // Linux sk_setsockopt: SO_REUSEPORT is for inet sockets only (EOPNOTSUPP on AF_UNIX).
        const on = int() !== 0;
        if (on && this.family !== AF_INET && this.family !== AF_INET6) fail("EOPNOTSUPP", sc);
        this.setSoFlag(o.name, on);
        return true;
      }
      case "SO_RCVLOWAT": this.soRcvLowat = Math.max(1, int()); return true;
      case "SO_LINGER": this.soLinger = lingerValue(value, sc); return true;
      case "SO_SNDBUF": this.soSndbuf = sndbufFor(int(), this.ctx.sysctl); return true;
      case "SO_RCVBUF": this.soRcvbuf = rcvbufFor(int(), this.ctx.sysctl); return true;
      case "SO_RCVTIMEO": this.rcvtimeo = timevalToMicros(value, sc); return true;
      case "SO_SNDTIMEO": this.sndtimeo = timevalToMicros(value, sc); return true;
      // Read-only: Linux's sk_setsockopt has no case for them (ENOPROTOOPT).
      case "SO_TYPE": case "SO_ERROR": case "SO_ACCEPTCONN": case "SO_PROTOCOL": case "SO_DOMAIN": case "SO_SNDLOWAT": return false;
    }
    return false;
  }

  /** Reads an option; undefined when the socket does not implement it (ENOPROTOOPT). See {@link setOption}. */
  protected getOption(o: OptionSpec): OptionValue | undefined {
    if ((o.name === "IP_FREEBIND" || o.name === "IPV6_FREEBIND") && (this.family === AF_INET || this.family === AF_INET6)) return this.freebind ? 1 : 0;
    if (o.level !== SOL_SOCKET) return undefined;
    switch (o.name) {
      case "SO_DEBUG": case "SO_PRIORITY": case "SO_DONTROUTE": case "SO_MARK": return this.#storedIfAny?.get(o.name) ?? 0;
      case "SO_MAX_PACING_RATE": return this.#storedIfAny?.get(o.name) ?? 0xffffffff;
      case "SO_REUSEADDR": case "SO_REUSEPORT": case "SO_KEEPALIVE": case "SO_OOBINLINE": case "SO_BROADCAST": return this.soFlag(o.name) ? 1 : 0;
      case "SO_RCVLOWAT": return this.soRcvLowat;
      case "SO_LINGER": return this.soLinger;
      case "SO_SNDBUF": return this.soSndbuf;
      case "SO_RCVBUF": return this.soRcvbuf;
      case "SO_ERROR": {
        const e = this.takeSoError();
        return e ? errnoNumber(e) : 0;
      }
      case "SO_ACCEPTCONN": return this.soAcceptConn ? 1 : 0;
      case "SO_TYPE": return this.type;
      case "SO_PROTOCOL": return this.protocol;
      case "SO_DOMAIN": return this.family;
      case "SO_RCVTIMEO": return microsToTimeval(this.rcvtimeo);
      case "SO_SNDTIMEO": return microsToTimeval(this.sndtimeo);
      case "SO_SNDLOWAT": return 1;
    }
    return undefined;
  }

  /**
   * Sleeps until the socket's wait queue is woken with an event in `mask`
   * (or POLLERR / POLLHUP), or `timeout` µs pass (0 = forever). Resolves
   * true on a wake-up, false on timeout.
   *
   * It waits for a *change*, never for a readiness level (DESIGN.md,
   * "Nothing spins"): the caller has just found that it cannot proceed, and
   * re-checks its own condition after the wake-up (Linux's
   * prepare_to_wait / schedule / re-check loop). A level that is already
   * true — POLLHUP on a refused socket, POLLPRI with only urgent data,
   * POLLIN short of SO_RCVLOWAT — would resolve at once, and the caller
   * would loop without ever yielding. The check and this registration run
   * in one synchronous step, so no wake-up can fall between them.
   */
  waitReady(mask: number, timeout: Micros): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const waiter = new ReadyWaiter(mask | POLLERR | POLLHUP, this.wq, this.ctx, resolve);
      this.wq.add(waiter);
      if (timeout > 0) {
        const timer = (waiter.timer = new Timer(() => {
          this.wq.remove(waiter);
          this.ctx.notifyWake();
          resolve(false);
        }));
        this.ctx.scheduler.armIn(timer, timeout);
      }
    });
  }

  /** The absolute deadline of a wait of `timeo` µs starting now (SO_RCVTIMEO / SO_SNDTIMEO; 0 = none). */
  deadline(timeo: Micros): Micros {
    return timeo > 0 ? this.ctx.scheduler.now() + timeo : 0;
  }

  /**
   * {@link waitReady} bounded by an absolute `deadline` (0 = none): false at
   * once when it has passed. One SO_RCVTIMEO covers the whole call, however
   * many wake-ups it sleeps through (Linux keeps the remaining `timeo`).
   */
  waitUntil(mask: number, deadline: Micros): Promise<boolean> {
    if (deadline === 0) return this.waitReady(mask, 0);
    const left = deadline - this.ctx.scheduler.now();
    if (left <= 0) return Promise.resolve(false);
    return this.waitReady(mask, left);
  }
}

/**
 * The waiter of one {@link Socket.waitReady}: a class rather than an object
 * literal with an arrow function, so a blocking call allocates no named
 * closure (tsx, which runs the benchmarks, wraps each one in `__name`).
 */
class ReadyWaiter implements Waiter {
  /** The timeout's timer, if any. */
  timer: Timer | null = null;
  constructor(
    readonly mask: number,
    readonly wq: WaitQueue,
    readonly ctx: StackContext,
    readonly resolve: (woken: boolean) => void,
  ) {}

  wake(): void {
    this.wq.remove(this);
    if (this.timer) this.ctx.scheduler.disarm(this.timer);
    this.ctx.notifyWake();
    this.resolve(true);
  }
}

/** Reads an int/bool option value (booleans become 0/1). */
export function intValue(v: OptionValue, syscall: string): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number" && Number.isFinite(v)) return Math.trunc(v);
  fail("EINVAL", syscall);
}

/** A timeval option value → µs (Linux: tv_usec must be < 1e6, negative → 0 = forever... EDOM on bad usec). */
export function timevalToMicros(v: OptionValue, syscall: string): Micros {
  if (typeof v === "number") return Math.max(0, Math.round(v * 1000)); // convenience: milliseconds
  const t = v as Timeval;
  if (typeof t !== "object" || typeof t.tv_sec !== "number" || typeof t.tv_usec !== "number") fail("EINVAL", syscall);
  if (t.tv_usec < 0 || t.tv_usec >= 1_000_000) fail("EDOM", syscall);
  if (t.tv_sec < 0) return 0;
  return t.tv_sec * 1_000_000 + t.tv_usec;
}

/** µs → struct timeval. */
export function microsToTimeval(us: Micros): Timeval {
  return { tv_sec: Math.floor(us / 1_000_000), tv_usec: us % 1_000_000 };
}

/** A linger option value. */
export function lingerValue(v: OptionValue, syscall: string): Linger {
  const l = v as Linger;
  if (typeof l !== "object" || typeof l.l_onoff !== "number" || typeof l.l_linger !== "number") fail("EINVAL", syscall);
  return { l_onoff: l.l_onoff ? 1 : 0, l_linger: Math.max(0, Math.trunc(l.l_linger)) };
}
