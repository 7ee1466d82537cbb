/**
 * The façade's `net.Server`: `SimServer`, a TCP listener on a simulated
 * host with Node's API, handing each accepted connection to a `SimSocket`.
 */
import { EventEmitter } from "node:events";
import { SysError } from "../../core/sys-error.js";
import type { FacadeContext } from "./context.js";
import { fromSysError, nodeCodeError } from "./errors.js";
import { lookupFirst } from "./dns.js";
import { inet, isIP, kAttach, socketFamily, kForget, listenError, validatePort, type AddressInfo } from "./net-common.js";
import { SimSocket } from "./net-socket.js";
import { kKeepsAlive, trackHandle, untrackHandle } from "./liveness.js";
import { SimHandle } from "./handle.js";

/** Options of {@link SimServer} (Node's `net.ServerOpts`). */
export interface SimServerOptions {
  allowHalfOpen?: boolean;
  pauseOnConnect?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
}

/** Options of {@link SimServer.listen} (Node's `net.ListenOptions`). */
export interface SimListenOptions {
  port?: number | string;
  host?: string;
  backlog?: number;
  exclusive?: boolean;
  signal?: AbortSignal;
  path?: string;
  ipv6Only?: boolean;
}

/**
 * A TCP server on a simulated host with the `net.Server` API: listen,
 * `'listening'`, `'connection'`, `'close'`, `'error'`, `'drop'`, close,
 * address, getConnections, maxConnections.
 */
export class SimServer extends EventEmitter {
  /** Refuse (close) connections beyond this many, emitting `'drop'` (Node's semantics). */
  maxConnections: number | undefined = undefined;
  readonly #ctx: FacadeContext;
  readonly #opts: SimServerOptions;
  #lfd = -1;
  #closing = false;
  readonly #conns = new Set<SimSocket>();
  #addr: AddressInfo | null = null;
  #ref = true;
  /** Node's `_handle` (a TCPWrap there) while listening. */
  #handle: SimHandle | null = null;
  /** The listening fd a `_handle.close()` closed: its accept loop ends without an error. */
  #handleClosed = -1;

  constructor(ctx: FacadeContext, opts: SimServerOptions = {}, onConnection?: (s: SimSocket) => void) {
    super();
    this.#ctx = ctx;
    this.#opts = opts;
    if (onConnection) this.on("connection", onConnection);
  }

  /** True while listening. */
  get listening(): boolean {
    return this.#lfd >= 0;
  }

  /**
   * `listen([port][, host][, backlog][, cb])` or `listen(options[, cb])`.
   * The default host is `::`, dual stack (IPv4 peers appear as
   * `::ffff:a.b.c.d`) unless `ipv6Only`, as Node's. Port 0 picks an
   * ephemeral port.
   */
  listen(...args: unknown[]): this {
    let cb: (() => void) | undefined;
    if (typeof args[args.length - 1] === "function") cb = args.pop() as () => void;
    let o: SimListenOptions;
    if (args[0] !== null && typeof args[0] === "object") o = args[0] as SimListenOptions;
    else o = { port: args[0] as number | undefined, host: typeof args[1] === "string" ? args[1] : undefined, backlog: typeof args[1] === "number" ? args[1] : (args[2] as number | undefined) };
    if (o.path !== undefined) throw nodeCodeError(Error, "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", "sockstack/node: Unix-domain (path) servers are not supported by the façade");
    if (this.#lfd >= 0) throw nodeCodeError(Error, "ERR_SERVER_ALREADY_LISTEN", "Listen method has been called more than once without closing.");
    const port = o.port === undefined || o.port === null ? 0 : validatePort(o.port);
    if (cb) this.once("listening", cb);
    if (o.signal) {
      if (o.signal.aborted) {
        process.nextTick(() => this.close());
        return this;
      }
      o.signal.addEventListener("abort", () => this.close(), { once: true });
    }
    // Node: no host is the IPv6 wildcard `::`, dual stack unless ipv6Only; a name is looked up
    // (its first address) and listened on in that address's family.
    let address = o.host === undefined || o.host === null || o.host === "" ? "::" : o.host;
    let family = isIP(address);
    if (!family) {
      const r = lookupFirst(this.#ctx, address, 0);
      if (r.error) {
        process.nextTick(() => this.emit("error", r.error));
        return this;
      }
      address = r.address!;
      family = r.family!;
    }
    const proc = this.#ctx.proc;
    let fd = -1;
    try {
      fd = proc.socket(socketFamily(family), "SOCK_STREAM");
      proc.setsockopt(fd, "SOL_SOCKET", "SO_REUSEADDR", 1); // libuv sets it on every TCP listener
      if (family === 6) proc.setsockopt(fd, "IPPROTO_IPV6", "IPV6_V6ONLY", o.ipv6Only ? 1 : 0);
      try {
        proc.bind(fd, [address, port]);
      } catch (e) {
        throw listenError(e, "listen", address, port);
      }
      proc.listen(fd, o.backlog ?? 511);
    } catch (e) {
      if (fd >= 0) void proc.close(fd).catch(() => {});
      const err = e instanceof SysError ? listenError(e, "listen", address, port) : e;
      process.nextTick(() => this.emit("error", err));
      return this;
    }
    this.#lfd = fd;
    this.#closing = false;
    this.#handle = this.#newHandle(fd);
    trackHandle(this);
    (this as { _connectionKey?: string })._connectionKey = `${family}:${address}:${port}`; // Node's, read by some code
    this.#addr = inet(proc.getsockname(fd));
    process.nextTick(() => this.emit("listening"));
    void this.#acceptLoop(fd);
    return this;
  }

  /** The listener's handle: libuv's close() of it closes the fd and stops accepting; the server is not told. */
  #newHandle(lfd: number): SimHandle {
    const proc = this.#ctx.proc;
    return new SimHandle({
      fd: () => (this.#lfd === lfd && this.#handleClosed !== lfd ? lfd : -1),
      sockname: () => inet(proc.getsockname(lfd)),
      peername: () => inet(proc.getpeername(lfd)),
      close: () => {
        if (this.#lfd !== lfd || this.#handleClosed === lfd) return;
        this.#handleClosed = lfd;
        try {
          proc.shutdown(lfd, "SHUT_RD");
        } catch { /* already shut */ }
        void proc.close(lfd).catch(() => {});
      },
      setRef: (ref) => (this.#ref = ref),
      hasRef: () => this.#ref,
    });
  }

  /** Node's `_handle`: a {@link SimHandle} (fd, getsockname, close, ref/unref) while listening, null otherwise. */
  get _handle(): SimHandle | null {
    return this.#lfd >= 0 ? this.#handle : null;
  }

  async #acceptLoop(lfd: number): Promise<void> {
    const proc = this.#ctx.proc;
    for (;;) {
      let fd: number;
      try {
        ({ fd } = await proc.accept(lfd));
      } catch (e) {
        if (this.#lfd !== lfd || this.#handleClosed === lfd) return; // closed
        if (e instanceof SysError && (e.code === "EMFILE" || e.code === "ENFILE" || e.code === "ECONNABORTED")) {
          this.emit("error", fromSysError(e, "accept"));
          continue;
        }
        this.emit("error", fromSysError(e, "accept"));
        return;
      }
      // Reported in libuv's next poll round, one connection per round (FacadeContext.pollRound).
      await this.#ctx.pollRound("listener");
      if (this.#lfd !== lfd) {
        void proc.close(fd).catch(() => {});
        return;
      }
      // Node 20's onconnection tests maxConnections for truth: 0 (or unset) is no limit.
      if (this.maxConnections && this.#conns.size >= this.maxConnections) {
        const peer = inet(proc.getpeername(fd));
        const local = inet(proc.getsockname(fd));
        void proc.close(fd).catch(() => {});
        this.emit("drop", { localAddress: local?.address, localPort: local?.port, localFamily: local?.family, remoteAddress: peer?.address, remotePort: peer?.port, remoteFamily: peer?.family });
        continue;
      }
      const s = new SimSocket(this.#ctx, { allowHalfOpen: this.#opts.allowHalfOpen ?? false });
      this.#conns.add(s);
      if (this.#opts.pauseOnConnect) s.pause();
      s[kAttach](fd, this);
      // Node's onconnection: the server's options through the new socket's handle.
      if (this.#opts.noDelay) s.setNoDelay(true);
      if (this.#opts.keepAlive) s.setKeepAlive(true, Math.max(0, this.#opts.keepAliveInitialDelay ?? 0));
      this.emit("connection", s);
    }
  }

  /** @internal a connection of this server closed. */
  [kForget](s: SimSocket): void {
    if (this.#conns.delete(s)) this.#maybeEmitClose();
  }

  #maybeEmitClose(): void {
    if (this.#closing && this.#lfd < 0 && this.#conns.size === 0) {
      this.#closing = false;
      process.nextTick(() => this.emit("close"));
    }
  }

  /**
   * Stops accepting; `'close'` once every connection has ended. `cb` gets
   * ERR_SERVER_NOT_RUNNING when the server was not listening (as Node).
   */
  close(cb?: (err?: Error) => void): this {
    if (cb) {
      if (this.#lfd < 0) {
        this.once("close", () => cb(nodeCodeError(Error, "ERR_SERVER_NOT_RUNNING", "Server is not running.")));
      } else {
        this.once("close", () => cb());
      }
    }
    const lfd = this.#lfd;
    this.#lfd = -1;
    this.#handle = null;
    this.#closing = true;
    untrackHandle(this);
    if (lfd >= 0 && this.#handleClosed !== lfd) {
      const proc = this.#ctx.proc;
      try {
        proc.shutdown(lfd, "SHUT_RD"); // wakes the pending accept (Linux: EINVAL)
      } catch { /* already shut */ }
      void proc.close(lfd).catch(() => {});
    }
    this.#maybeEmitClose();
    return this;
  }

  /** `{ address, family, port }` while listening, else null. */
  address(): AddressInfo | null {
    return this.#lfd >= 0 ? this.#addr : null;
  }

  /** The number of open connections. */
  getConnections(cb: (err: Error | null, count: number) => void): this {
    const n = this.#conns.size;
    process.nextTick(() => cb(null, n));
    return this;
  }

  /** Lets the listening server keep Node's loop alive again (the default; see liveness.ts). */
  ref(): this {
    this.#ref = true;
    return this;
  }

  /** A listening server that does not keep Node's loop alive ({@link runLikeNode} ends without it). */
  unref(): this {
    this.#ref = false;
    return this;
  }

  /** @internal listening and referenced. */
  [kKeepsAlive](): boolean {
    return this.#ref && this.#lfd >= 0 && this.#handleClosed !== this.#lfd;
  }

  /** `server[Symbol.asyncDispose]()`: closes and waits for `'close'`. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#lfd < 0 && this.#conns.size === 0) return;
    await new Promise<void>((r) => this.close(() => r()));
  }
}
