/**
 * What AF_UNIX stream and datagram sockets share (Linux net/unix/af_unix.c):
 * the bound name in the host's {@link UnixNamespace}, the peer, the pending
 * error, the shutdown bits, the wait queues and the SOL_SOCKET options.
 * Data never touches IP: a send copies the bytes once into the peer's
 * receive queue and wakes it.
 */
import type { ErrnoCode } from "../core/errno.js";
import type { StackContext } from "../core/stack-context.js";
import { POLLOUT } from "../core/poll-events.js";
import { Timer } from "../core/scheduler.js";
import type { Micros } from "../core/time.js";
import { WaitQueue, type Waiter } from "../core/wait-queue.js";
import { AF_UNIX, SOL_SOCKET } from "./constants.js";
import { LEVEL_NAMES, lookupName } from "./names.js";
import type { OptionValue } from "./options.js";
import type { SockAddr, SockAddrUn } from "./sockaddr.js";
import { Socket, fail } from "./socket.js";
import { type UnixNamespace, unixPath } from "./unix-namespace.js";

/** RCV_SHUTDOWN / SEND_SHUTDOWN bits of sk_shutdown. */
export const RCV_SHUTDOWN = 1;
export const SEND_SHUTDOWN = 2;
export const SHUTDOWN_MASK = 3;

/** Base of the AF_UNIX sockets. */
export abstract class UnixSocket extends Socket {
  readonly wq = new WaitQueue();
  /** Senders blocked on this socket's full receive queue (Linux peer_wait). */
  readonly peerWait = new WaitQueue();
  /** The name this socket is known by ("" = unnamed); an accepted socket shares its listener's. */
  name = "";
  /** True when this socket owns `name` in the name space. */
  protected bound = false;
  /** sk_shutdown bits. */
  shutdownBits = 0;
  /** Pending error (sk_err): ECONNRESET, ECONNREFUSED. */
  error: ErrnoCode | null = null;
  /** SO_SNDBUF / SO_RCVBUF (net.core.wmem_default / rmem_default). */
  sndbuf: number;
  rcvbuf: number;

  constructor(ctx: StackContext, readonly ns: UnixNamespace<UnixSocket>, type: number) {
    super(ctx, AF_UNIX, type, 0);
    this.sndbuf = ctx.sysctl.wmem_default;
    this.rcvbuf = ctx.sysctl.rmem_default;
  }

  /** bind(2): a path, an abstract name ("\0…"), or "" for autobind. */
  override bind(addr: SockAddr): void {
    const path = unixPath(addr);
    if (path === "EINVAL" || typeof path !== "string") fail("EINVAL", "bind");
    if (this.bound) fail("EINVAL", "bind");
    if (path === "") {
      const name = this.ns.autobind(this, this.ctx.rng);
      if (name === "ENOSPC") fail("ENOSPC", "bind");
      this.name = name;
    } else {
      const e = this.ns.bind(path, this);
      if (e) fail(e, "bind");
      this.name = path;
    }
    this.bound = true;
  }

  /** Resolves a destination name to a live socket, with connect/sendto's errnos. */
  protected resolve(addr: SockAddr, syscall: string): UnixSocket {
    const path = unixPath(addr);
    if (path === "EINVAL" || typeof path !== "string" || path === "") fail("EINVAL", syscall);
    const b = this.ns.lookup(path);
    if (!b) fail("ENOENT", syscall);
    if (!b.socket || b.socket.closed) fail("ECONNREFUSED", syscall);
    if (b.socket.type !== this.type) fail("EPROTOTYPE", syscall);
    return b.socket;
  }

  /** The address of a name as getsockname/accept/recvfrom report it. */
  protected addrOf(name: string): SockAddrUn {
    return { family: AF_UNIX, path: name };
  }

  getsockname(): SockAddr {
    return this.addrOf(this.name);
  }

  /** Takes and clears the pending error. */
  takeError(): ErrnoCode | null {
    const e = this.error;
    this.error = null;
    return e;
  }

  /** Gives the name back (socket files stay, abstract names vanish). */
  protected unbind(): void {
    if (this.bound) this.ns.release(this.name, this);
    this.bound = false;
  }

  /**
   * setsockopt(2). AF_UNIX has no protocol-level options: any level but
   * SOL_SOCKET (SOL_IP, SOL_IPV6, SOL_TCP, a level number sockstack does not
   * know…) is EOPNOTSUPP whatever the name, as Linux's __sys_setsockopt
   * answers for a family without a setsockopt of its own (measured on 6.18).
   */
  override setsockopt(level: string | number, name: string | number, value: OptionValue): void {
    this.#solSocketOnly(level, "setsockopt");
    super.setsockopt(level, name, value);
  }

  /** getsockopt(2): like {@link setsockopt}, EOPNOTSUPP at any level but SOL_SOCKET. */
  override getsockopt(level: string | number, name: string | number): OptionValue {
    this.#solSocketOnly(level, "getsockopt");
    return super.getsockopt(level, name);
  }

  #solSocketOnly(level: string | number, syscall: string): void {
    const lv = typeof level === "string" ? lookupName(LEVEL_NAMES, level) : level;
    // An unknown level name or a non-integer is left to resolveOption's errors.
    if (typeof lv === "number" && Number.isInteger(lv) && lv !== SOL_SOCKET) fail("EOPNOTSUPP", syscall);
  }

  // SOL_SOCKET: the base class implements every option; AF_UNIX keeps its buffer sizes and error.
  protected get soSndbuf(): number {
    return this.sndbuf;
  }
  protected set soSndbuf(bytes: number) {
    this.sndbuf = bytes;
  }
  protected get soRcvbuf(): number {
    return this.rcvbuf;
  }
  protected set soRcvbuf(bytes: number) {
    this.rcvbuf = bytes;
  }
  protected takeSoError(): ErrnoCode | null {
    return this.takeError();
  }
  protected override get soAcceptConn(): boolean {
    return this.listening;
  }

  /** True for a listening stream socket. */
  get listening(): boolean {
    return false;
  }

  /** Wakes this socket's waiters and tells the driver. */
  wake(events: number): void {
    this.wq.wake(events);
    this.ctx.notifyWake();
  }

  /** True when a sender/connector may queue one more item here. */
  abstract hasRoom(): boolean;

  /**
   * Sleeps on this socket's `peerWait` queue until a reader takes something
   * or the socket closes, or `timeout` µs pass (0 = forever). False on
   * timeout. Like {@link Socket.waitReady} it waits for a change: the
   * caller has just found no room, and checks again after the wake-up.
   */
  waitForRoom(timeout: Micros): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const sched = this.ctx.scheduler;
      let timer: Timer | null = null;
      const w: Waiter = {
        mask: POLLOUT,
        wake: () => {
          this.peerWait.remove(w);
          if (timer) sched.disarm(timer);
          this.ctx.notifyWake();
          resolve(true);
        },
      };
      this.peerWait.add(w);
      if (timeout > 0) {
        timer = new Timer(() => {
          this.peerWait.remove(w);
          this.ctx.notifyWake();
          resolve(false);
        });
        sched.armIn(timer, timeout);
      }
    });
  }
}
