/**
 * The façade's `net.Socket`: `SimSocket`, a real `net.Socket` (a
 * `stream.Duplex`) over a simulated host's TCP syscalls.
 *
 * The bridge between Node streams and sockstack's syscalls is readiness
 * driven: a socket reads with a blocking `recv` only while the stream wants
 * data (`_read`), so a paused or slow reader leaves bytes in the simulated
 * receive buffer and the window closes, as with the kernel; a write's
 * callback runs only once every byte is in the simulated send buffer
 * (`sendall`), so `write()` returns false and `'drain'` follows exactly
 * when the kernel buffer is full and Node's 16 KiB high-water mark is
 * crossed. Nothing polls and no real timer is used: socket timeouts run on
 * the network's virtual clock.
 */
import * as nodeNet from "node:net";
import { SysError } from "../../core/sys-error.js";
import { MSG_NOSIGNAL } from "../../socket/constants.js";
import { FacadeContext } from "./context.js";
import { describeReceived, fromSysError, nodeCodeError, nodeError } from "./errors.js";
import { snapshot } from "../../tools/snapshot.js";
import type { TcpInfo } from "../../tcp/tcp-info.js";
import { ss as ssTool } from "../../tools/ss.js";
import { inet, kAttach, kForget, normalizeConnectArgs, validateConnectOptions, type AddressInfo, type SimSocketOptions } from "./net-common.js";
import type { SimServer } from "./net-server.js";
import { kKeepsAlive, trackHandle, untrackHandle } from "./liveness.js";
import { connectSocket, kEstablished, kGeneration, kUseFd } from "./net-connect.js";
import { handlesVisible, installTlsHandleGuard, kHandle, SimTcpHandle } from "./handle.js";

const RECV_CHUNK = 65536;

/** The bytes of the chunks queued in a stream's writable buffer (strings by their encoding). */
function queuedBytes(s: SimSocket): number {
  let n = 0;
  for (const el of (s as unknown as { writableBuffer: { chunk: Buffer | string; encoding: BufferEncoding }[] }).writableBuffer) {
    n += typeof el.chunk === "string" ? Buffer.byteLength(el.chunk, el.encoding) : el.chunk.length;
  }
  return n;
}

/**
 * A TCP socket on a simulated host: a real `net.Socket` (so a
 * `stream.Duplex`; `instanceof net.Socket` holds), so `pipe`, `pipeline`,
 * async iteration and libraries that check the class or take a Duplex
 * (http.Agent's `createConnection`, an http.Server fed through
 * `'connection'`, `tls.connect({ socket })`) work unchanged. Its
 * `_handle`, from `connect()` (or accept) until destroy as Node's, is a
 * {@link SimTcpHandle} — TCPWrap's members over the simulated socket, not a
 * libuv stream — and the stream methods that would use a libuv handle
 * (`_read`, `_write`, `_writev`, `_final`, `_destroy`, `connect`, the
 * address getters, the socket options, `setTimeout`) are replaced by ones
 * over sockstack's syscalls. The rest (writes after the peer's FIN fail
 * with EPIPE, `'end'` handling, `end`) is Node's own code.
 */
export class SimSocket extends nodeNet.Socket {
  #bytesRead = 0;
  /** True until the connection is established (or fails). */
  declare connecting: boolean;
  /** The façade context (host and process). */
  readonly ctx: FacadeContext;
  #owner: SimServer | null = null;
  #fd = -1;
  #accepted = 0;
  #inflight = 0;
  #reading = false;
  #wantRead = false;
  #peer: AddressInfo | null = null;
  #local: AddressInfo | null = null;
  #connected: Promise<void>;
  #resolveConnected!: () => void;
  #timeoutMs = 0;
  #cancelTimer: (() => void) | null = null;
  #timerDue = 0;
  #lastActive = 0;
  #hadError = false;
  #reset = false;
  #gen = 0;
  #ref = true;
  /** Node's kSetNoDelay, kSetKeepAlive, kSetKeepAliveInitialDelay (seconds): what afterConnect applies and what setNoDelay/setKeepAlive compare with. */
  #noDelay = false;
  #keepAlive = false;
  #keepAliveDelay = 0;
  /** Options given to the handle before its fd existed (during the lookup), applied to each fd of the connection. */
  #fdOpts: [string, string, number][] = [];
  /** The handle was closed (`_handle.close()`): writes fail with EBADF, nothing is read. */
  #handleClosed = false;
  /** `_handle.readStop()`: no recv until readStart or the stream asks again. */
  #readStopped = false;

  constructor(ctx: FacadeContext, opts: SimSocketOptions = {}) {
    if (opts.fd !== undefined) throw nodeCodeError(TypeError, "ERR_INVALID_ARG_VALUE", "sockstack/node: a simulated socket cannot wrap an OS file descriptor");
    // net.Socket forces emitClose false, autoDestroy true and decodeStrings false (strings reach _write).
    super({ ...opts, allowHalfOpen: opts.allowHalfOpen ?? false });
    this.ctx = ctx;
    this.#connected = new Promise<void>((r) => (this.#resolveConnected = r));
    installTlsHandleGuard();
    this.#takeSocketOptions(opts);
  }

  /** Node's Socket constructor: noDelay, keepAlive and keepAliveInitialDelay (ms → whole seconds, negative → 0). */
  #takeSocketOptions(opts: SimSocketOptions): void {
    const o = opts as { noDelay?: unknown; keepAlive?: unknown; keepAliveInitialDelay?: number };
    if (o.noDelay) this.#noDelay = true;
    if (o.keepAlive) {
      this.#keepAlive = true;
      this.#keepAliveDelay = ~~(Math.max(0, o.keepAliveInitialDelay ?? 0) / 1000);
    }
  }

  /** A fresh handle (Node creates one in connect() and for each accepted connection). */
  #newHandle(): SimTcpHandle {
    const proc = this.ctx.proc;
    const gen = this.#gen;
    const h = new SimTcpHandle({
      fd: () => this.#fd,
      sockname: () => inet(proc.getsockname(this.#fd)),
      peername: () => inet(proc.getpeername(this.#fd)),
      setsockopt: (level, name, value) => {
        if (this.#fd < 0) this.#fdOpts.push([level, name, value]); // connecting: for the fd to come
        else (proc.setsockopt as (fd: number, l: string, n: string, v: number) => void)(this.#fd, level, name, value);
      },
      readStart: () => {
        this.#readStopped = false;
        if (this.#fd >= 0 && !this.connecting && !this.#reading && !this.readableEnded) this.#pump();
      },
      readStop: () => {
        this.#readStopped = true;
      },
      close: () => {
        if (gen === this.#gen) this.#closeHandle();
      },
      setRef: (ref) => (this.#ref = ref),
      hasRef: () => this.#ref,
      writeQueueSize: () => this.#inflight,
    });
    this[kHandle] = h;
    return h;
  }

  /**
   * `_handle.close()`: libuv closes the fd (the peer gets a FIN, or a RST
   * for unread bytes) and stops reading; the socket itself is not told —
   * no 'end', no 'close' — and its next write fails with `write EBADF`.
   */
  #closeHandle(): void {
    this.#handleClosed = true;
    const fd = this.#fd;
    if (fd < 0) return;
    this.#gen++; // the read loop of this fd ends without a word
    this.#reading = false;
    this.#fd = -1;
    const proc = this.ctx.proc;
    try {
      proc.shutdown(fd, "SHUT_RD"); // wakes our own blocked recv
    } catch { /* not connected */ }
    void proc.close(fd).catch(() => {});
  }

  declare [kHandle]: SimTcpHandle | null | undefined;

  /** Wraps an fd returned by accept (server side). @internal */
  [kAttach](fd: number, server: SimServer): this {
    this.#fd = fd;
    this.#newHandle();
    trackHandle(this);
    (this as { server?: unknown }).server = server;
    this.#owner = server;
    this.#onConnected();
    return this;
  }

  /** The simulated fd (in the façade process `ctx.proc`), -1 before connect. */
  get fd(): number {
    return this.#fd;
  }

  // net.Socket declares these as properties and defines them as prototype getters over its
  // libuv handle; the façade's getters (over the simulated fd) replace them on this prototype.
  // readyState is Node's own (it reads connecting/readable/writable).
  static {
    const get = <T>(fn: (s: SimSocket) => T): PropertyDescriptor => ({ configurable: true, enumerable: false, get(this: SimSocket) { return fn(this); } });
    Object.defineProperties(SimSocket.prototype, {
      /** True before the socket has been connected. */
      pending: get((s) => s.#fd < 0 || s.connecting),
      /** Bytes received. */
      bytesRead: get((s) => s.#bytesRead),
      /** Bytes written: accepted by the simulated kernel, being written, and still queued in the stream (as Node counts them: bytes, not characters). */
      bytesWritten: get((s) => s.#accepted + s.#inflight + queuedBytes(s)),
      /** Node's `bufferSize` (deprecated alias of writableLength). */
      bufferSize: get((s) => s.writableLength),
      remoteAddress: get((s) => s.#peerInfo()?.address),
      remotePort: get((s) => s.#peerInfo()?.port),
      remoteFamily: get((s) => s.#peerInfo()?.family),
      localAddress: get((s) => s.#localInfo()?.address),
      localPort: get((s) => s.#localInfo()?.port),
      localFamily: get((s) => s.#localInfo()?.family),
      /** Node's `_handle`: a {@link SimTcpHandle} from connect() (or accept) until destroy, null otherwise; code may replace or null it, as with Node's. */
      _handle: {
        configurable: true,
        enumerable: false,
        get(this: SimSocket) {
          return handlesVisible() ? (this[kHandle] ?? null) : null;
        },
        set(this: SimSocket, v: SimTcpHandle | null) {
          this[kHandle] = v; // Node's own constructor sets it (to null) before the fields of this class exist
        },
      },
    });
  }

  /** The bound address, as `{ address, family, port }` ({} when not bound, as Node). */
  override address(): AddressInfo | Record<string, never> {
    return this.#localInfo() ?? {};
  }

  #peerInfo(): AddressInfo | null {
    if (!this.#peer && this.#fd >= 0 && !this.connecting) {
      try {
        this.#peer = inet(this.ctx.proc.getpeername(this.#fd));
      } catch {
        return null;
      }
    }
    return this.#peer;
  }

  #localInfo(): AddressInfo | null {
    if (this.#fd >= 0 && !this.destroyed) {
      try {
        this.#local = inet(this.ctx.proc.getsockname(this.#fd));
      } catch { /* keep the last known */ }
    }
    return this.#local;
  }

  /**
   * Connects: `connect(port[, host][, cb])` or `connect(options[, cb])`.
   * Host names resolve through the network's hosts table (`'lookup'` is
   * emitted, as Node does for names).
   */
  override connect(...args: unknown[]): this {
    const [opts, cb] = normalizeConnectArgs(args);
    if (opts.port === undefined && opts.path == null) throw nodeCodeError(TypeError, "ERR_MISSING_ARGS", 'The "options" or "port" or "path" argument must be specified');
    if (opts.path !== undefined) throw nodeCodeError(Error, "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", "sockstack/node: Unix-domain (path) sockets are not supported by the façade");
    if (this.connecting) throw nodeCodeError(Error, "ERR_SOCKET_CONNECTING", "Socket is already connecting");
    const port = validateConnectOptions(opts);
    if (this.destroyed) this.#renew();
    if (Object.hasOwn(this, "write")) delete (this as { write?: unknown }).write; // Node's writeAfterFIN of a previous connection
    else if (this.#fd >= 0) throw nodeCodeError(Error, "ERR_SOCKET_CONNECTING", "Socket is already connecting");
    const hostName = opts.host ?? "localhost";
    if (cb) this.once("connect", cb);
    if (opts.timeout) this.setTimeout(opts.timeout);
    this.#takeSocketOptions(opts); // net.connect(options) gives them to the Socket constructor
    this.#newHandle(); // Node: a new TCPWrap at connect(), before the lookup
    this.connecting = true;
    trackHandle(this);
    void connectSocket(this, hostName, port, opts);
    return this;
  }

  /**
   * A closed socket may connect again, as in Node (a new libuv handle): the
   * old connection's fd, addresses and byte counts go; a read loop still
   * settling on the old fd ends without touching the new one.
   */
  #renew(): void {
    this.#gen++;
    this.#fd = -1;
    this.#peer = null;
    this.#local = null;
    this.#bytesRead = 0;
    this.#accepted = 0;
    this.#inflight = 0;
    this.#reading = false;
    this.#wantRead = false;
    this.#reset = false;
    this.#hadError = false;
    this.#handleClosed = false;
    this.#readStopped = false;
    this.#fdOpts = [];
    this.#connected = new Promise<void>((r) => (this.#resolveConnected = r));
    (this as unknown as { _undestroy(): void })._undestroy();
  }

  /** @internal the connection generation (net-connect.ts). */
  [kGeneration](): number {
    return this.#gen;
  }

  /** @internal an attempt's fd becomes this socket's (net-connect.ts). */
  [kUseFd](fd: number): void {
    this.#fd = fd;
    if (fd < 0) return;
    // What the handle was told while there was no fd yet (setNoDelay/setKeepAlive during the lookup).
    for (const [level, name, value] of this.#fdOpts) {
      try {
        (this.ctx.proc.setsockopt as (fd: number, l: string, n: string, v: number) => void)(fd, level, name, value);
      } catch { /* as Node: ignored */ }
    }
  }

  /** @internal established on the last fd given (net-connect.ts): Node's afterConnect. */
  [kEstablished](): void {
    this.#onConnected();
    this.emit("connect");
    this.emit("ready");
  }

  #onConnected(): void {
    this.connecting = false;
    // Node's afterConnect: the options asked for before connecting, through the handle (whose methods code may replace).
    const h = this[kHandle];
    if (h && this.#noDelay && typeof h.setNoDelay === "function") h.setNoDelay(true);
    if (h && this.#keepAlive && typeof h.setKeepAlive === "function") h.setKeepAlive(true, this.#keepAliveDelay);
    this.#touch();
    this.#resolveConnected();
    // Node starts reading as soon as a socket is connected (read(0)), so
    // EOF and RST are seen without a 'data' listener; pause() (or
    // pauseOnConnect) keeps the bytes in the kernel, as with libuv.
    if (this.#wantRead) this.#pump();
    else if (!this.isPaused()) this.read(0);
  }

  override _read(): void {
    this.#wantRead = true;
    this.#readStopped = false; // as Node's _read: tryReadStart
    if (this.#fd < 0 || this.connecting || this.#reading) return;
    this.#pump();
  }

  #pump(): void {
    this.#reading = true;
    this.#wantRead = false;
    const h = this[kHandle];
    if (h) h.reading = true;
    const proc = this.ctx.proc;
    const fd = this.#fd;
    const gen = this.#gen;
    const loop = async (): Promise<void> => {
      try {
        for (;;) {
          const data = await proc.recv(fd, RECV_CHUNK);
          if (this.destroyed || gen !== this.#gen) return;
          this.#touch();
          if (data.length === 0) {
            // libuv stops reading after a short read and sees EOF in a later
            // loop iteration: what the last data set off (TLS's encrypted
            // answer, a pipe's write) goes out before 'end' arrives. Then, as
            // Node's onStreamRead at EOF: push(null) and read(0), so 'end'
            // comes without a consumer when nothing is buffered.
            await new Promise<void>((r) => setImmediate(r));
            if (this.destroyed || gen !== this.#gen) return;
            this.push(null);
            this.read(0);
            return;
          }
          this.#bytesRead += data.length;
          if (!this.push(Buffer.from(data.buffer, data.byteOffset, data.length))) return;
          if (this.#readStopped) return;
        }
      } catch (e) {
        if (!this.destroyed && gen === this.#gen) this.destroy(fromSysError(e, "read"));
      } finally {
        if (gen !== this.#gen) return; // eslint-disable-line no-unsafe-finally -- a renewed socket: this loop is over
        this.#reading = false;
        const h = this[kHandle];
        if (h) h.reading = false;
        // push() may have asked for more while the last recv was settling.
        if (this.#wantRead && !this.destroyed && !this.readableEnded) this.#pump();
      }
    };
    void loop();
  }

  override _write(chunk: Buffer | string, enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#send([typeof chunk === "string" ? Buffer.from(chunk, enc) : chunk], cb);
  }

  override _writev(chunks: { chunk: Buffer | string; encoding: BufferEncoding }[], cb: (err?: Error | null) => void): void {
    // Empty chunks carry no bytes: Node's http ends a response with one ([head + body, ""]), and
    // leaving it out spares #send a concatenation. (All empty: one empty write, as before.)
    const bufs: Buffer[] = [];
    for (const c of chunks) {
      if (c.chunk.length === 0) continue;
      bufs.push(typeof c.chunk === "string" ? Buffer.from(c.chunk, c.encoding) : c.chunk);
    }
    if (bufs.length === 0) bufs.push(Buffer.alloc(0));
    this.#send(bufs, cb);
  }

  #send(bufs: Buffer[], cb: (err?: Error | null) => void): void {
    if (!this.connecting) {
      // Node's _writeGeneric: no handle (never connected, or code set it to null) → ERR_SOCKET_CLOSED;
      // a closed handle → the write's EBADF.
      if (!this[kHandle]) return cb(nodeCodeError(Error, "ERR_SOCKET_CLOSED", "Socket is closed"));
      if (this.#handleClosed) return cb(nodeError("EBADF", 9, "write"));
    }
    const data = bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs);
    this.#inflight += data.length; // written by the stream, not yet in the kernel (Node's _pendingData while connecting)
    if (!this.connecting && this.#fd >= 0) {
      this.#sendNow(data, cb);
      return;
    }
    // As Node's _writeGeneric while connecting: sent after 'connect', or failed at 'close'.
    let settled = false;
    const onClose = (): void => {
      if (settled) return;
      settled = true;
      this.#inflight -= data.length;
      cb(nodeCodeError(Error, "ERR_SOCKET_CLOSED_BEFORE_CONNECTION", "Socket closed before the connection was established"));
    };
    this.once("close", onClose);
    void this.#connected.then(() => {
      if (settled) return;
      settled = true;
      this.off("close", onClose);
      this.#sendNow(data, cb);
    });
  }

  /**
   * Puts all of `data` into the simulated send buffer, then calls `cb`: the
   * loop of `sendall` (send(2) with MSG_NOSIGNAL again after a short write),
   * the same calls without its extra promise per write.
   */
  #sendNow(data: Buffer, cb: (err?: Error | null) => void, fd = this.#fd, off = 0): void {
    this.ctx.proc.send(fd, off ? data.subarray(off) : data, MSG_NOSIGNAL).then((n) => {
      if (off + n < data.length) return this.#sendNow(data, cb, fd, off + n);
      this.#inflight -= data.length;
      this.#accepted += data.length;
      this.#touch();
      cb();
    }, (e: unknown) => {
      this.#inflight -= data.length;
      cb(fromSysError(e, "write"));
    });
  }


  override _final(cb: (err?: Error | null) => void): void {
    const go = async (): Promise<void> => {
      if (this.connecting || this.#fd < 0) await this.#connected;
      if (this.destroyed || this.#handleClosed) return;
      this.ctx.proc.shutdown(this.#fd, "SHUT_WR");
    };
    go().then(() => cb(), (e: unknown) => {
      // The peer is gone already (ENOTCONN): Node ignores a failed shutdown of a closed connection.
      if (e instanceof SysError && e.code === "ENOTCONN") cb();
      else cb(fromSysError(e, "shutdown"));
    });
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.connecting = false;
    untrackHandle(this);
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    this.#hadError = !!err;
    const fd = this.#fd;
    if (fd >= 0) {
      const proc = this.ctx.proc;
      if (this.#reset) {
        try {
          proc.setsockopt(fd, "SOL_SOCKET", "SO_LINGER", { l_onoff: 1, l_linger: 0 });
        } catch { /* not connected any more: close is enough */ }
      }
      // Wake our own blocked recv (shutdown(SHUT_RD) makes it return 0), then close.
      try {
        proc.shutdown(fd, "SHUT_RD");
      } catch { /* ENOTCONN: nothing to wake */ }
      this.#localInfo();
      void proc.close(fd).catch(() => {});
    }
    this.#fd = -1;
    const h = this[kHandle];
    if (h) h.reading = false;
    this[kHandle] = null; // as Node's _destroy
    this.#owner?.[kForget](this);
    cb(err);
    // Node closes the handle here and emits 'close' from its callback: a handle code already closed
    // (`_handle.close()`) never calls back, so such a socket never emits 'close'.
    if (!this.#handleClosed) process.nextTick(() => this.emit("close", this.#hadError));
  }

  /** Closes with RST (SO_LINGER 0 then close), as Node's `resetAndDestroy()`. */
  override resetAndDestroy(): this {
    if (this.#fd < 0 && !this.connecting) {
      this.destroy(nodeCodeError(Error, "ERR_SOCKET_CLOSED", "Socket is closed"));
      return this;
    }
    this.#reset = true;
    if (this.connecting) {
      this.once("connect", () => this.destroy());
      return this;
    }
    this.destroy();
    return this;
  }

  /** Ends the writable side and destroys the socket once the data is written. */
  override destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once("finish", () => this.destroy());
  }

  /**
   * TCP_NODELAY (Nagle off with true, the default argument), as Node's:
   * without a handle (before connect) remembered for the connect; with
   * one, only a change reaches `_handle.setNoDelay`.
   */
  override setNoDelay(enable?: boolean): this {
    const on = Boolean(enable === undefined ? true : enable);
    const h = this[kHandle];
    if (!h) {
      this.#noDelay = on;
      return this;
    }
    if (typeof h.setNoDelay === "function" && on !== this.#noDelay) {
      this.#noDelay = on;
      h.setNoDelay(on);
    }
    return this;
  }

  /**
   * SO_KEEPALIVE, and TCP_KEEPIDLE of `initialDelay` ms in whole seconds
   * (below 1 s the kernel's default stays, as libuv's 0 is refused), as
   * Node's: remembered before connect; with a handle, only a change
   * reaches `_handle.setKeepAlive` (http's Agent calls this at every reuse).
   */
  override setKeepAlive(enable?: boolean, initialDelay?: number): this {
    const on = Boolean(enable);
    const delay = ~~((initialDelay as number) / 1000);
    const h = this[kHandle];
    if (!h) {
      this.#keepAlive = on;
      this.#keepAliveDelay = delay;
      return this;
    }
    if (typeof h.setKeepAlive !== "function") return this;
    if (on !== this.#keepAlive || (on && delay !== this.#keepAliveDelay)) {
      this.#keepAlive = on;
      this.#keepAliveDelay = delay;
      h.setKeepAlive(on, delay);
    }
    return this;
  }

  /**
   * Emits `'timeout'` after `ms` of inactivity (no byte read or written) in
   * virtual time; 0 disables it. As in Node the socket is not closed.
   */
  override setTimeout(ms: number, cb?: () => void): this {
    if (typeof ms !== "number") {
      throw nodeCodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "msecs" argument must be of type number. Received ${describeReceived(ms)}`);
    }
    if (cb !== undefined && typeof cb !== "function") {
      throw nodeCodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "callback" argument must be of type function. Received ${describeReceived(cb)}`);
    }
    if (!Number.isFinite(ms) || ms < 0) {
      throw nodeCodeError(RangeError, "ERR_OUT_OF_RANGE", `The value of "msecs" is out of range. It must be a non-negative finite number. Received ${String(ms)}`);
    }
    this.#timeoutMs = ms;
    (this as { timeout?: number }).timeout = ms; // Node's socket.timeout, a data property set here
    if (cb) {
      if (ms === 0) this.removeListener("timeout", cb);
      else this.once("timeout", cb);
    }
    if (ms > 0) {
      this.#lastActive = this.ctx.now();
      // An armed timer due no later still serves: it re-arms itself for the new deadline when it
      // fires (http sets a socket's timeout at every request; a new timer each time is measurable).
      if (this.#cancelTimer && this.#timerDue <= this.#lastActive + ms * 1000) return this;
    }
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    if (ms > 0) this.#armTimeout();
    return this;
  }

  #armTimeout(): void {
    const due = this.#lastActive + this.#timeoutMs * 1000;
    this.#timerDue = due;
    this.#cancelTimer = this.ctx.timer(due - this.ctx.now(), () => {
      this.#cancelTimer = null;
      if (this.destroyed || this.#timeoutMs === 0) return;
      const dueNow = this.#lastActive + this.#timeoutMs * 1000;
      if (this.ctx.now() < dueNow) this.#armTimeout();
      else this.emit("timeout");
    });
  }

  #touch(): void {
    if (this.#timeoutMs === 0) return;
    this.#lastActive = this.ctx.now();
    if (!this.#cancelTimer && !this.destroyed) this.#armTimeout();
  }

  // ---- sockstack extensions: what Node's net cannot set (docs/node.md, "Socket options") ----

  #fdFor(syscall: string): number {
    if (this.#fd < 0 || this.destroyed) throw nodeCodeError(Error, "ERR_SOCKET_CLOSED", `sockstack/node: ${syscall} needs the simulated socket, which exists from connect() to an address (after 'lookup' for a name) until destroy`);
    return this.#fd;
  }

  /**
   * setsockopt(2) on the simulated socket, for the options Node's `net`
   * has no method for: `setsockopt("SOL_SOCKET", "SO_SNDBUF", 65536)`,
   * `("SOL_SOCKET", "SO_LINGER", { l_onoff: 1, l_linger: 5 })`,
   * `("IPPROTO_TCP", "TCP_KEEPINTVL", 10)`, `TCP_KEEPCNT`, `TCP_CORK`,
   * `TCP_USER_TIMEOUT` (ms), `TCP_MAXSEG`, `TCP_CONGESTION` ("reno" |
   * "cubic"), `SO_RCVBUF`… — every option sockstack implements, with
   * Linux's semantics (docs/sockopts.md). Fails as Node reports a failed
   * system call (`setsockopt EINVAL`). Returns this.
   * @example
   * declare const socket: SimSocket;
   * socket.setsockopt("IPPROTO_TCP", "TCP_USER_TIMEOUT", 5000);
   */
  setsockopt(level: string, name: string, value: unknown): this {
    const fd = this.#fdFor("setsockopt");
    try {
      (this.ctx.proc.setsockopt as (fd: number, l: string, n: string, v: unknown) => void)(fd, level, name, value);
    } catch (e) {
      throw fromSysError(e, "setsockopt");
    }
    return this;
  }

  /** getsockopt(2) on the simulated socket: `getsockopt("SOL_SOCKET", "SO_RCVBUF")` (Linux reports it doubled). */
  getsockopt(level: string, name: string): unknown {
    const fd = this.#fdFor("getsockopt");
    try {
      return (this.ctx.proc.getsockopt as (fd: number, l: string, n: string) => unknown)(fd, level, name);
    } catch (e) {
      throw fromSysError(e, "getsockopt");
    }
  }

  /** The kernel's TCP_INFO for this connection (state, rto, rtt, cwnd, retransmissions, …). */
  tcpInfo(): TcpInfo {
    return this.getsockopt("IPPROTO_TCP", "TCP_INFO") as TcpInfo;
  }

  /**
   * This socket's line of `ss` on its host (`-tn` plus `args`, default
   * `-tnoi`: timers and TCP internals), or "" once it is closed.
   * @example
   * declare const socket: SimSocket;
   * socket.ss(); // "ESTAB 0 0 10.0.0.1:40001 10.0.0.2:80 timer:(…) cubic rto:204 …"
   */
  ss(args = "-tnoi"): string {
    if (this.#fd < 0 || this.destroyed) return "";
    const l = this.#localInfo(), p = this.#peerInfo();
    if (!l || !p) return "";
    const out = ssTool(snapshot(this.ctx.host), `${args} -H src ${l.address}:${l.port} dst ${p.address}:${p.port}`);
    return out.replace(/\n+$/, "");
  }

  /** Lets the socket keep Node's loop alive again (the default; see liveness.ts). */
  override ref(): this {
    this.#ref = true;
    return this;
  }

  /** A socket that does not keep Node's loop alive ({@link runLikeNode} ends without it). */
  override unref(): this {
    this.#ref = false;
    return this;
  }

  /**
   * @internal what keeps libuv's loop alive for this socket: a connect
   * (lookup included) or a write in flight — libuv requests, counted
   * whether or not the handle is referenced — or, referenced, reading
   * (not paused, before EOF).
   */
  [kKeepsAlive](): boolean {
    if (this.destroyed) return false;
    if (this.connecting || this.#inflight > 0) return true;
    return this.#ref && this.#fd >= 0 && !this.isPaused() && !this.readableEnded;
  }
}
