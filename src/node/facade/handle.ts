/**
 * `_handle` of façade sockets, servers and datagram sockets: a JS object
 * with the members of Node's TCPWrap / UDPWrap that code outside Node's
 * C++ reads, calls or replaces — `fd`, `getsockname(out)`,
 * `getpeername(out)`, `setNoDelay`, `setKeepAlive`, `readStart`/`readStop`
 * and `reading`, `close`, `ref`/`unref`/`hasRef`, `writeQueueSize` — over
 * the simulated socket. Methods return 0 or a negative errno, as Node's
 * bindings do. It is not a libuv stream: `isStreamBase` is false, so
 * Node's http server feeds its parser from `'data'` events, http2 and TLS
 * wrap the socket in their JS stream adapter.
 *
 * TLS is the one place in Node that takes any truthy `socket._handle` for
 * a C++ stream to wrap (the TLSSocket constructor): while a TLSSocket is
 * being constructed over any socket, façade handles read as null
 * ({@link installTlsHandleGuard}), as they always did before.
 */
import * as tls from "node:tls";
import { AsyncResource } from "node:async_hooks";
import { SysError } from "../../core/sys-error.js";
import type { AddressInfo } from "./net-common.js";

/** Where a façade socket, server or datagram socket keeps its handle (read through `_handle`). @internal */
export const kHandle = Symbol("handle");

/** What a {@link SimHandle} does to its owner's simulated socket. @internal */
export interface HandleOps {
  /** The simulated fd (in the façade process), -1 when there is none (yet, or any more). */
  fd(): number;
  /** getsockname(2); throws a SysError. */
  sockname(): AddressInfo | null;
  /** getpeername(2); throws a SysError (ENOTCONN when not connected). */
  peername(): AddressInfo | null;
  /** Node's handle.close(): the fd closes, reading stops; the JS object that owns it is not told. */
  close(): void;
  /** ref/unref of the owner (liveness.ts). */
  setRef(ref: boolean): void;
  hasRef(): boolean;
}

/** What a {@link SimTcpHandle} of a connection does besides. @internal */
export interface StreamHandleOps extends HandleOps {
  /** setsockopt(2); throws a SysError. */
  setsockopt(level: string, name: string, value: number): void;
  /** Start or stop reading from the simulated kernel. */
  readStart(): void;
  readStop(): void;
  /** Bytes written to the handle and not yet in the simulated send buffer. */
  writeQueueSize(): number;
}

const ENOTCONN = 107, EBADF = 9;

function status(e: unknown): number {
  return e instanceof SysError ? -e.errno : -EBADF;
}

/**
 * A façade handle — what Node's TCPWrap (a listening server's) and
 * UDPWrap have in common: the simulated fd, the addresses, close, ref and
 * unref, each call returning 0 or a negative errno as Node's bindings.
 */
export class SimHandle {
  readonly #ops: HandleOps;
  #closed = false;
  #asyncId = -1;

  /** @param ops what the handle does to its owner's simulated socket */
  constructor(ops: HandleOps) {
    this.#ops = ops;
  }

  /** Not a libuv stream: Node's http parser cannot consume it, TLS and http2 wrap the socket instead. */
  get isStreamBase(): boolean {
    return false;
  }

  /** The simulated fd (a number in the façade process's fd table, not an OS descriptor); without one -1 (TCPWrap's) or -EBADF (UDPWrap's). */
  get fd(): number {
    const fd = this.#closed ? -1 : this.#ops.fd();
    return fd >= 0 ? fd : this.noFd;
  }

  /** What `fd` reads without a socket: -1 for TCPWrap. */
  protected get noFd(): number {
    return -1;
  }

  /** True once {@link close} ran. */
  protected get closed(): boolean {
    return this.#closed;
  }

  /** The handle's async id (Node's http client schedules a kept-alive socket's 'free' with it): an id of its own, taken at the first call. */
  getAsyncId(): number {
    if (this.#asyncId < 0) this.#asyncId = new AsyncResource("TCPWRAP", { requireManualDestroy: true }).asyncId();
    return this.#asyncId;
  }

  /** Fills `out` with `{ address, family, port }`; 0 or a negative errno. */
  getsockname(out: Record<string, unknown>): number {
    return this.#name(out, () => this.#ops.sockname());
  }

  /** Fills `out` with the peer's `{ address, family, port }`; 0 or a negative errno (-ENOTCONN). */
  getpeername(out: Record<string, unknown>): number {
    return this.#name(out, () => this.#ops.peername());
  }

  #name(out: Record<string, unknown>, get: () => AddressInfo | null): number {
    if (this.#closed || this.#ops.fd() < 0) return -EBADF;
    try {
      const a = get();
      if (!a) return -ENOTCONN;
      out.address = a.address;
      out.family = a.family;
      out.port = a.port;
      return 0;
    } catch (e) {
      return status(e);
    }
  }

  /** Closes the simulated socket, as libuv's uv_close: the owner's stream is not told; `cb` runs on a later tick. */
  close(cb?: () => void): void {
    if (!this.#closed) {
      this.#closed = true;
      this.#ops.close();
    }
    if (typeof cb === "function") process.nextTick(cb);
  }

  /** Referenced: keeps Node's loop alive while active (liveness.ts). */
  ref(): void {
    this.#ops.setRef(true);
  }

  /** Not referenced. */
  unref(): void {
    this.#ops.setRef(false);
  }

  /** True when referenced. */
  hasRef(): boolean {
    return this.#ops.hasRef();
  }
}

/**
 * The handle of a façade TCP connection (Node's TCPWrap of a connected
 * socket): besides {@link SimHandle}'s, `setNoDelay`, `setKeepAlive`,
 * `readStart`/`readStop` with `reading`, and `writeQueueSize`.
 */
export class SimTcpHandle extends SimHandle {
  /** Node's `handle.reading` (net and http set and read it). */
  reading = false;
  readonly #sops: StreamHandleOps;

  /** @param ops what the handle does to its owner's simulated socket */
  constructor(ops: StreamHandleOps) {
    super(ops);
    this.#sops = ops;
  }

  /** Bytes of writes not yet in the simulated send buffer. */
  get writeQueueSize(): number {
    return this.closed ? 0 : this.#sops.writeQueueSize();
  }

  /** TCP_NODELAY; 0 or a negative errno. */
  setNoDelay(enable: boolean): number {
    return this.#opt(() => this.#sops.setsockopt("IPPROTO_TCP", "TCP_NODELAY", enable ? 1 : 0));
  }

  /** SO_KEEPALIVE, and TCP_KEEPIDLE of `delaySecs` (libuv's uv_tcp_keepalive) when enabling with a delay; 0 or a negative errno. */
  setKeepAlive(enable: boolean, delaySecs: number): number {
    return this.#opt(() => {
      this.#sops.setsockopt("SOL_SOCKET", "SO_KEEPALIVE", enable ? 1 : 0);
      if (enable && delaySecs > 0) this.#sops.setsockopt("IPPROTO_TCP", "TCP_KEEPIDLE", delaySecs);
    });
  }

  // Without an fd yet (the lookup before connect) the option waits for it, as libuv keeps its flags for the socket it creates.
  #opt(f: () => void): number {
    if (this.closed) return -EBADF;
    try {
      f();
      return 0;
    } catch (e) {
      return status(e);
    }
  }

  /** Starts reading from the simulated kernel; 0, or -EBADF once closed. */
  readStart(): number {
    if (this.closed) return -EBADF;
    this.#sops.readStart();
    return 0;
  }

  /** Stops reading (bytes stay in the simulated receive buffer); 0, or -EBADF once closed. */
  readStop(): number {
    if (this.closed) return -EBADF;
    this.#sops.readStop();
    return 0;
  }

  /** Closes the connection's simulated socket (see {@link SimHandle.close}); reading stops. */
  override close(cb?: () => void): void {
    this.reading = false;
    super.close(cb);
  }
}

/**
 * The handle of a façade datagram socket (Node's UDPWrap): besides
 * {@link SimHandle}'s, `recvStart`/`recvStop`. Its `fd` is -1 until the
 * socket is bound (libuv creates the socket then).
 */
export class SimUdpHandle extends SimHandle {
  readonly #recv: { start(): void; stop(): void };

  /** @param ops what the handle does to its owner's simulated socket; `recv` starts and stops its receiving */
  constructor(ops: HandleOps, recv: { start(): void; stop(): void }) {
    super(ops);
    this.#recv = recv;
  }

  /** UDPWrap's `fd` without a socket: uv_fileno's -EBADF. */
  protected override get noFd(): number {
    return -EBADF;
  }

  /** Starts receiving (after bind); 0, or -EBADF once closed. */
  recvStart(): number {
    if (this.closed) return -EBADF;
    this.#recv.start();
    return 0;
  }

  /** Stops receiving (datagrams stay queued in the simulated socket); 0, or -EBADF once closed. */
  recvStop(): number {
    if (this.closed) return -EBADF;
    this.#recv.stop();
    return 0;
  }
}

let hidden = 0;
let guarded = false;

/** False while a TLSSocket is being constructed (its constructor must not take a façade handle for a C++ stream). @internal */
export function handlesVisible(): boolean {
  return hidden === 0;
}

/**
 * Installs, once per process, the guard that hides façade handles from
 * Node's TLSSocket constructor: it decides between wrapping
 * `socket._handle` in C++ (a libuv stream) and wrapping the socket in a JS
 * stream adapter by the handle's mere presence, and a façade handle is no
 * libuv stream. The constructor's first assignment (`this._tlsOptions`)
 * starts the hidden span, its `_init` (after the decision) ends it.
 */
export function installTlsHandleGuard(): void {
  if (guarded) return;
  guarded = true;
  const proto = tls.TLSSocket.prototype as unknown as { _init(socket: unknown, wrap: unknown): void };
  Object.defineProperty(proto, "_tlsOptions", {
    configurable: true,
    enumerable: false,
    get(): unknown {
      return undefined;
    },
    set(this: object, v: unknown) {
      Object.defineProperty(this, "_tlsOptions", { value: v, writable: true, enumerable: true, configurable: true });
      hidden++;
      queueMicrotask(() => (hidden = 0)); // a constructor that threw before _init
    },
  });
  const init = proto._init;
  proto._init = function (this: unknown, socket: unknown, wrap: unknown) {
    try {
      init.call(this, socket, wrap);
    } finally {
      if (hidden > 0) hidden--;
    }
  };
}
