/**
 * Node's `dgram` over a simulated host: `createSocket("udp4" | "udp6")`, `bind`,
 * `connect`/`disconnect`, `send` (its overloads), `'message'`, `close`,
 * `address`/`remoteAddress`, buffer sizes, TTL, broadcast. A socket reads
 * with a blocking `recvfrom` while it is bound, so nothing polls.
 * A `udp6` socket is an AF_INET6 socket, dual stack unless `ipv6Only`
 * (IPv4 peers appear as `::ffff:a.b.c.d`, as Node's). Multicast fails as
 * on a kernel without IP multicast: Node's checks, libuv's, then
 * `addMembership ENOPROTOOPT` (and so on) from the simulated setsockopt.
 */
import { EventEmitter } from "node:events";
import { isIP } from "node:net";
import { deprecate } from "node:util";
import { SysError } from "../../core/sys-error.js";
import type { FacadeContext } from "./context.js";
import { describeReceived, fromSysError, nodeCodeError, nodeError } from "./errors.js";
import { lookupFirst } from "./dns.js";
import { inet } from "./net-common.js";
import { kKeepsAlive, trackHandle, untrackHandle } from "./liveness.js";
import { SimUdpHandle } from "./handle.js";

/** `rinfo` of a `'message'`. */
export interface RemoteInfo {
  address: string;
  family: "IPv4" | "IPv6";
  port: number;
  size: number;
}

/** `address()` / `remoteAddress()` of a datagram socket. */
export interface DgramAddress {
  address: string;
  family: "IPv4" | "IPv6";
  port: number;
}

/** Options of {@link createDgram}'s `createSocket`. */
export interface SimDgramOptions {
  type: "udp4" | "udp6";
  reuseAddr?: boolean;
  /** udp6 only: IPV6_V6ONLY (no IPv4 peers). */
  ipv6Only?: boolean;
  recvBufferSize?: number;
  sendBufferSize?: number;
  signal?: AbortSignal;
}

type Msg = string | Uint8Array | readonly (string | Uint8Array)[];
type SendCb = (err: Error | null, bytes?: number) => void;

/** Node's sliceBuffer: `offset`/`length` (as uint32) within the message, else ERR_BUFFER_OUT_OF_BOUNDS. */
function sliceBuffer(buffer: unknown, offset: unknown, length: unknown): Uint8Array {
  let b: Uint8Array;
  if (typeof buffer === "string") b = Buffer.from(buffer);
  else if (ArrayBuffer.isView(buffer)) b = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  else throw nodeCodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "buffer" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received ${describeReceived(buffer)}`);
  const off = Number(offset) >>> 0, len = Number(length) >>> 0;
  if (off > b.byteLength) throw nodeCodeError(RangeError, "ERR_BUFFER_OUT_OF_BOUNDS", '"offset" is outside of buffer bounds');
  if (off + len > b.byteLength) throw nodeCodeError(RangeError, "ERR_BUFFER_OUT_OF_BOUNDS", '"length" is outside of buffer bounds');
  return Buffer.from(b.buffer, b.byteOffset + off, len);
}

/** Node's fixBufferList: strings encoded, views kept; null when an element is neither. */
function bufferList(list: readonly unknown[]): Uint8Array[] | null {
  const out: Uint8Array[] = [];
  for (const x of list) {
    if (typeof x === "string") out.push(Buffer.from(x));
    else if (ArrayBuffer.isView(x)) out.push(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    else return null;
  }
  return out;
}

/** Node's DEP0112 warning for dgram's `_handle` (util.deprecate: once per process, shared with Node's own). */
const warnHandleDeprecated = deprecate(() => {}, "Socket.prototype._handle is deprecated", "DEP0112");

/** A UDP socket on a simulated host with the `dgram.Socket` API. */
export class SimDgramSocket extends EventEmitter {
  readonly #ctx: FacadeContext;
  readonly #opts: SimDgramOptions;
  #fd = -1;
  #closed = false;
  #connected: { address: string; port: number } | null = null;
  /** Node's address type of the socket: 4 (udp4) or 6 (udp6). */
  readonly #family: 4 | 6;
  #ref = true;
  /** An implicit bind (by send) whose 'listening' has not come yet: sends wait for it. */
  #binding = false;
  /** Node's `_handle` (a UDPWrap there): from construction until close. */
  #handle: SimUdpHandle | null;
  /** `_handle.recvStop()`: the receive loop waits here until recvStart. */
  #recvGate: { promise: Promise<void>; open: () => void } | null = null;

  constructor(ctx: FacadeContext, opts: SimDgramOptions) {
    super();
    this.#ctx = ctx;
    this.#opts = opts;
    if (opts.type !== "udp4" && opts.type !== "udp6") throw nodeCodeError(TypeError, "ERR_SOCKET_BAD_TYPE", "Bad socket type specified. Valid types are: udp4, udp6");
    this.#family = opts.type === "udp6" ? 6 : 4;
    const p = ctx.proc;
    this.#handle = new SimUdpHandle({
      fd: () => this.#fd,
      sockname: () => inet(p.getsockname(this.#fd)),
      peername: () => inet(p.getpeername(this.#fd)),
      close: () => this.#closeFd(),
      setRef: (ref) => (this.#ref = ref),
      hasRef: () => this.#ref,
    }, {
      start: () => {
        this.#recvGate?.open();
        this.#recvGate = null;
      },
      stop: () => {
        if (this.#recvGate) return;
        let open!: () => void;
        const promise = new Promise<void>((r) => (open = r));
        this.#recvGate = { promise, open };
      },
    });
    opts.signal?.addEventListener("abort", () => this.close(), { once: true });
  }

  /** Node's `_handle`: a {@link SimUdpHandle} (UDPWrap's members over the simulated socket) until close, then null; deprecated as Node's (DEP0112). */
  get _handle(): SimUdpHandle | null {
    warnHandleDeprecated();
    return this.#handle;
  }

  set _handle(v: SimUdpHandle | null) {
    warnHandleDeprecated();
    this.#handle = v;
  }

  #ensureFd(): number {
    if (this.#closed) throw nodeCodeError(Error, "ERR_SOCKET_DGRAM_NOT_RUNNING", "Not running");
    if (this.#fd < 0) {
      const p = this.#ctx.proc;
      this.#fd = p.socket(this.#family === 6 ? "AF_INET6" : "AF_INET", "SOCK_DGRAM");
      if (this.#family === 6 && this.#opts.ipv6Only) p.setsockopt(this.#fd, "IPPROTO_IPV6", "IPV6_V6ONLY", 1);
      if (this.#opts.reuseAddr) p.setsockopt(this.#fd, "SOL_SOCKET", "SO_REUSEADDR", 1);
      if (this.#opts.recvBufferSize) p.setsockopt(this.#fd, "SOL_SOCKET", "SO_RCVBUF", this.#opts.recvBufferSize);
      if (this.#opts.sendBufferSize) p.setsockopt(this.#fd, "SOL_SOCKET", "SO_SNDBUF", this.#opts.sendBufferSize);
    }
    return this.#fd;
  }

  #bound(): boolean {
    if (this.#fd < 0) return false;
    const a = this.#ctx.proc.getsockname(this.#fd);
    return (a.family === 2 || a.family === 10) && a.port !== 0;
  }

  /** `bind([port][, address][, cb])` or `bind(options[, cb])`; `'listening'` follows. */
  bind(...args: unknown[]): this {
    let cb: (() => void) | undefined;
    if (typeof args[args.length - 1] === "function") cb = args.pop() as () => void;
    let port = 0, address = this.#family === 6 ? "::" : "0.0.0.0";
    if (args[0] !== null && typeof args[0] === "object") {
      const o = args[0] as { port?: number; address?: string; exclusive?: boolean };
      port = o.port ?? 0;
      address = o.address ?? address;
    } else {
      port = (args[0] as number | undefined) ?? 0;
      if (typeof args[1] === "string") address = args[1];
    }
    if (this.#bound()) throw nodeCodeError(Error, "ERR_SOCKET_ALREADY_BOUND", "Socket is already bound");
    if (cb) this.once("listening", cb);
    let addr = address;
    if (!isIP(address)) {
      const r = lookupFirst(this.#ctx, address, this.#family);
      if (r.error) {
        process.nextTick(() => this.emit("error", r.error));
        return this;
      }
      addr = r.address!;
    }
    try {
      if (isIP(addr) !== this.#family) throw new SysError("EINVAL", "bind", `${addr} is not an address of a ${this.#opts.type} socket`);
      this.#ctx.proc.bind(this.#ensureFd(), [addr, port]);
    } catch (e) {
      const err = fromSysError(e, "bind", addr, port);
      process.nextTick(() => this.emit("error", err));
      return this;
    }
    this.#startReceiving();
    process.nextTick(() => {
      this.#binding = false;
      if (!this.#closed) this.emit("listening"); // closed right after bind: Node's 'listening' never comes
    });
    return this;
  }

  #startReceiving(): void {
    trackHandle(this);
    const fd = this.#fd;
    const p = this.#ctx.proc;
    void (async () => {
      for (;;) {
        let r: Awaited<ReturnType<typeof p.recvfrom>>;
        while (this.#recvGate) await this.#recvGate.promise;
        if (this.#closed || this.#fd !== fd) return;
        try {
          r = await p.recvfrom(fd, 65535);
        } catch (e) {
          if (this.#closed || this.#fd !== fd) return;
          // ECONNREFUSED from an ICMP port unreachable on a connected socket: Node reports nothing on recv; go on.
          if (e instanceof SysError && e.code === "ECONNREFUSED") continue;
          this.emit("error", fromSysError(e, "recvmsg"));
          return;
        }
        if (this.#closed) return;
        const a = inet(r.addr) ?? { address: this.#family === 6 ? "::" : "0.0.0.0", family: this.#family === 6 ? "IPv6" : "IPv4", port: 0 };
        this.emit("message", Buffer.from(r.data.buffer, r.data.byteOffset, r.data.length), { address: a.address, family: a.family as RemoteInfo["family"], port: a.port, size: r.data.length } satisfies RemoteInfo);
      }
    })();
  }

  /**
   * `send(msg[, offset, length][, port][, address][, cb])`. Binds to an
   * ephemeral port first when unbound (as Node). The callback gets the
   * error or the byte count; without a callback errors are emitted.
   */
  send(msg: Msg, port?: number | string, address?: string | SendCb, cb?: SendCb): void;
  send(msg: Msg, port: number | string, cb: SendCb): void;
  send(msg: Msg, offset: number, length: number, port?: number | string | SendCb, address?: string | SendCb, cb?: SendCb): void;
  send(msg: Msg, cb?: SendCb): void;
  send(msg: Msg, ...rest: unknown[]): void {
    // Node's argument handling (lib/dgram.js send): which overload, then the checks, in its order.
    const [offset, length] = rest;
    let [, , port, address, cb] = rest;
    let buffer: unknown = msg;
    const connected = this.#connected !== null;
    if (!connected) {
      if (address || (port && typeof port !== "function")) buffer = sliceBuffer(buffer, offset, length);
      else {
        cb = port;
        port = offset;
        address = length;
      }
    } else {
      if (typeof length === "number") {
        buffer = sliceBuffer(buffer, offset, length);
        if (typeof port === "function") {
          cb = port;
          port = null;
        }
      } else cb = offset;
      if (port || address) throw nodeCodeError(Error, "ERR_SOCKET_DGRAM_IS_CONNECTED", "Already connected");
    }
    let list: Uint8Array[] | null;
    if (!Array.isArray(buffer)) {
      if (typeof buffer === "string") list = [Buffer.from(buffer)];
      else if (!ArrayBuffer.isView(buffer)) throw nodeCodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "buffer" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received ${describeReceived(buffer)}`);
      else list = [buffer as Uint8Array];
    } else if (!(list = bufferList(buffer))) {
      throw nodeCodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "buffer list arguments" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received ${describeReceived(buffer)}`);
    }
    if (!connected) {
      const n = typeof port === "string" && port.trim() !== "" ? Number(port) : port;
      if (typeof n !== "number" || !Number.isInteger(n) || n <= 0 || n > 65535) {
        throw nodeCodeError(RangeError, "ERR_SOCKET_BAD_PORT", `Port should be > 0 and < 65536. Received ${describeReceived(port)}.`);
      }
      port = n;
    }
    if (typeof cb !== "function") cb = undefined;
    if (typeof address === "function") {
      cb = address;
      address = undefined;
    } else if (address != null && typeof address !== "string") {
      throw nodeCodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "address" argument must be of type string. Received ${describeReceived(address)}`);
    }
    if (!connected && !address) address = this.#family === 6 ? "::1" : "127.0.0.1"; // "" and null too, as Node
    const data = list.length === 1 ? Buffer.from(list[0]!.buffer, list[0]!.byteOffset, list[0]!.byteLength) : Buffer.concat(list);
    this.#sendData(data, port as number | undefined, address as string | undefined, cb as SendCb | undefined);
  }

  #sendData(data: Buffer, port: number | undefined, address: string | undefined, cb: SendCb | undefined): void {
    const fail = (e: Error) => {
      if (cb) process.nextTick(() => cb(e));
      else process.nextTick(() => this.emit("error", e));
    };
    let dest: string | undefined;
    if (address !== undefined) {
      if (isIP(address)) dest = address;
      else {
        const r = lookupFirst(this.#ctx, address, this.#family);
        if (r.error) return fail(r.error);
        dest = r.address;
      }
      // libuv's uv_ip4_addr / uv_ip6_addr: an address of the other family is EINVAL (`send EINVAL ::1:9`).
      if (isIP(dest!) !== this.#family) return fail(nodeError("EINVAL", 22, "send", dest, port));
    }
    if (!this.#bound()) {
      // As Node: an unbound socket binds, and its sends wait for 'listening' (a close() before
      // then drops them, their callbacks never called).
      try {
        this.bind();
      } catch (e) {
        return fail(e as Error);
      }
      this.#binding = true;
    }
    if (this.#binding) {
      this.once("listening", () => {
        if (!this.#closed) this.#sendData(data, port, address, cb);
      });
      return;
    }
    const p = this.#ctx.proc;
    const fd = this.#fd;
    p.sendto(fd, data, 0, dest === undefined ? null : [dest, port!]).then(
      (n) => cb && process.nextTick(() => cb(null, n)),
      (e: unknown) => fail(fromSysError(e, "send", dest ?? this.#connected?.address, port ?? this.#connected?.port)),
    );
  }

  /** Associates the socket with one peer; `'connect'` follows. */
  connect(port: number, address?: string | (() => void), cb?: () => void): void {
    if (typeof address === "function") {
      cb = address;
      address = undefined;
    }
    if (this.#connected) throw nodeCodeError(Error, "ERR_SOCKET_DGRAM_IS_CONNECTED", "Already connected");
    const host = address ?? (this.#family === 6 ? "::1" : "127.0.0.1");
    if (cb) this.once("connect", cb);
    const r = isIP(host) ? { address: host } : lookupFirst(this.#ctx, host, this.#family);
    if ("error" in r && r.error) {
      process.nextTick(() => this.emit("error", r.error));
      return;
    }
    if (!this.#bound()) this.bind();
    this.#ctx.proc.connect(this.#fd, [r.address!, port]).then(
      () => {
        this.#connected = { address: r.address!, port };
        this.emit("connect");
      },
      (e: unknown) => this.emit("error", fromSysError(e, "connect", r.address, port)),
    );
  }

  /** Dissolves the association made by {@link connect}. */
  disconnect(): void {
    if (!this.#connected) throw nodeCodeError(Error, "ERR_SOCKET_DGRAM_NOT_CONNECTED", "Not connected");
    this.#connected = null;
    void this.#ctx.proc.connect(this.#fd, { family: 0 });
  }

  /** The bound address. */
  address(): DgramAddress {
    if (!this.#bound()) throw nodeError9();
    return inet(this.#ctx.proc.getsockname(this.#fd)) as DgramAddress;
  }

  /** The connected peer (ERR_SOCKET_DGRAM_NOT_CONNECTED otherwise). */
  remoteAddress(): DgramAddress {
    if (!this.#connected) throw nodeCodeError(Error, "ERR_SOCKET_DGRAM_NOT_CONNECTED", "Not connected");
    const peer = inet(this.#ctx.proc.getpeername(this.#fd));
    return (peer as DgramAddress | null) ?? { address: this.#connected.address, family: this.#family === 6 ? "IPv6" : "IPv4", port: this.#connected.port };
  }

  /** Closes; `'close'` follows. */
  close(cb?: () => void): this {
    if (this.#closed) throw nodeCodeError(Error, "ERR_SOCKET_DGRAM_NOT_RUNNING", "Not running");
    this.#closed = true;
    untrackHandle(this);
    if (cb) this.once("close", cb);
    this.#handle?.close();
    this.#handle = null;
    this.#closeFd();
    process.nextTick(() => this.emit("close"));
    return this;
  }

  #closeFd(): void {
    const fd = this.#fd;
    this.#fd = -1;
    this.#recvGate?.open();
    this.#recvGate = null;
    if (fd >= 0) {
      try {
        this.#ctx.proc.shutdown(fd, "SHUT_RD"); // wakes our pending recvfrom
      } catch { /* ENOTCONN on an unconnected UDP socket: close anyway */ }
      void this.#ctx.proc.close(fd).catch(() => {});
    }
  }

  /** SO_BROADCAST; before bind there is no socket yet: `setBroadcast EBADF`, as Node. */
  setBroadcast(flag: boolean): void {
    if (!this.#bound()) throw nodeError("EBADF", 9, "setBroadcast");
    this.#ctx.proc.setsockopt(this.#fd, "SOL_SOCKET", "SO_BROADCAST", flag ? 1 : 0);
  }

  /** IP_TTL (1–255, else `setTTL EINVAL`); before bind `setTTL EBADF`, as Node. */
  setTTL(ttl: number): number {
    if (typeof ttl !== "number") throw nodeCodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "ttl" argument must be of type number. Received ${describeReceived(ttl)}`);
    if (!this.#bound()) throw nodeError("EBADF", 9, "setTTL");
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 255) throw nodeError("EINVAL", 22, "setTTL");
    this.#ctx.proc.setsockopt(this.#fd, "IPPROTO_IP", "IP_TTL", ttl);
    return ttl;
  }

  setRecvBufferSize(size: number): void {
    this.#ctx.proc.setsockopt(this.#ensureFd(), "SOL_SOCKET", "SO_RCVBUF", size);
  }

  setSendBufferSize(size: number): void {
    this.#ctx.proc.setsockopt(this.#ensureFd(), "SOL_SOCKET", "SO_SNDBUF", size);
  }

  /** SO_RCVBUF as the kernel reports it (doubled, as Linux). */
  getRecvBufferSize(): number {
    return Number(this.#ctx.proc.getsockopt(this.#ensureFd(), "SOL_SOCKET", "SO_RCVBUF"));
  }

  /** SO_SNDBUF as the kernel reports it (doubled, as Linux). */
  getSendBufferSize(): number {
    return Number(this.#ctx.proc.getsockopt(this.#ensureFd(), "SOL_SOCKET", "SO_SNDBUF"));
  }

  // ---- IP multicast: Node's argument checks, then libuv's, then the simulated kernel's setsockopt.
  // sockstack's IP has no multicast (like a Linux built without CONFIG_IP_MULTICAST): every
  // multicast option is ENOPROTOOPT, which Node reports as any failed option (`addMembership
  // ENOPROTOOPT`). libuv's checks come first (an address that does not parse: EINVAL; an option
  // on a socket libuv has not created yet: EBADF).

  /** Node's healthCheck: ERR_SOCKET_DGRAM_NOT_RUNNING once closed. */
  #healthCheck(): void {
    if (this.#closed) throw nodeCodeError(Error, "ERR_SOCKET_DGRAM_NOT_RUNNING", "Not running");
  }

  /** setsockopt on the socket as libuv makes it, or Node's ErrnoException for `syscall`. */
  #mcastOpt(syscall: string, level: "IPPROTO_IP" | "IPPROTO_IPV6", name: string, value: unknown, fd: number): void {
    try {
      (this.#ctx.proc.setsockopt as (fd: number, l: string, n: string, v: unknown) => void)(fd, level, name, value);
    } catch (e) {
      if (e instanceof SysError) throw nodeError(e.code, e.errno, syscall);
      throw e;
    }
  }

  /** A membership call (libuv's uv_udp_set_membership / _source_membership): the socket is created (libuv binds it) first. */
  #membership(syscall: string, join: boolean, group: string, iface: string | undefined, source?: string): void {
    const fam = isIP(group);
    if (fam === 0 || (source !== undefined && isIP(source) !== fam)) throw nodeError("EINVAL", 22, syscall);
    if (iface !== undefined && iface !== null && fam === 4 && isIP(iface) !== 4) throw nodeError("EINVAL", 22, syscall);
    const fd = this.#ensureFd();
    const name = fam === 4
      ? (source !== undefined ? (join ? "IP_ADD_SOURCE_MEMBERSHIP" : "IP_DROP_SOURCE_MEMBERSHIP") : (join ? "IP_ADD_MEMBERSHIP" : "IP_DROP_MEMBERSHIP"))
      : (source !== undefined ? (join ? "MCAST_JOIN_SOURCE_GROUP" : "MCAST_LEAVE_SOURCE_GROUP") : (join ? "IPV6_ADD_MEMBERSHIP" : "IPV6_DROP_MEMBERSHIP"));
    this.#mcastOpt(syscall, fam === 4 ? "IPPROTO_IP" : "IPPROTO_IPV6", name, { group, interface: iface ?? null, source: source ?? null }, fd);
  }

  /** IP_ADD_MEMBERSHIP (IPV6_ADD_MEMBERSHIP): join `multicastAddress`. The simulated kernel has no multicast: `addMembership ENOPROTOOPT`. */
  addMembership(multicastAddress?: string, interfaceAddress?: string): void {
    this.#healthCheck();
    if (!multicastAddress) throw nodeCodeError(TypeError, "ERR_MISSING_ARGS", 'The "multicastAddress" argument must be specified');
    this.#membership("addMembership", true, multicastAddress, interfaceAddress);
  }

  /** IP_DROP_MEMBERSHIP: leave `multicastAddress` (`dropMembership ENOPROTOOPT` here). */
  dropMembership(multicastAddress?: string, interfaceAddress?: string): void {
    this.#healthCheck();
    if (!multicastAddress) throw nodeCodeError(TypeError, "ERR_MISSING_ARGS", 'The "multicastAddress" argument must be specified');
    this.#membership("dropMembership", false, multicastAddress, interfaceAddress);
  }

  /** IP_ADD_SOURCE_MEMBERSHIP: join `groupAddress` for `sourceAddress` only (`addSourceSpecificMembership ENOPROTOOPT` here). */
  addSourceSpecificMembership(sourceAddress: string, groupAddress: string, interfaceAddress?: string): void {
    this.#healthCheck();
    this.#validateString(sourceAddress, "sourceAddress");
    this.#validateString(groupAddress, "groupAddress");
    this.#membership("addSourceSpecificMembership", true, groupAddress, interfaceAddress, sourceAddress);
  }

  /** IP_DROP_SOURCE_MEMBERSHIP (`dropSourceSpecificMembership ENOPROTOOPT` here). */
  dropSourceSpecificMembership(sourceAddress: string, groupAddress: string, interfaceAddress?: string): void {
    this.#healthCheck();
    this.#validateString(sourceAddress, "sourceAddress");
    this.#validateString(groupAddress, "groupAddress");
    this.#membership("dropSourceSpecificMembership", false, groupAddress, interfaceAddress, sourceAddress);
  }

  #validateString(v: unknown, name: string): void {
    if (typeof v !== "string") throw nodeCodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "${name}" argument must be of type string. Received ${describeReceived(v)}`);
  }

  /** A one-byte multicast option (libuv's uv__setsockopt_maybe_char): 0–255 else EINVAL, EBADF before the socket exists. */
  #charOpt(syscall: string, v4: string, v6: string, val: number): void {
    if (val < 0 || val > 255) throw nodeError("EINVAL", 22, syscall);
    if (!this.#bound()) throw nodeError("EBADF", 9, syscall);
    this.#mcastOpt(syscall, this.#family === 6 ? "IPPROTO_IPV6" : "IPPROTO_IP", this.#family === 6 ? v6 : v4, val, this.#fd);
  }

  /** IP_MULTICAST_TTL (IPV6_MULTICAST_HOPS): returns `ttl`; before bind `setMulticastTTL EBADF`, then ENOPROTOOPT here. */
  setMulticastTTL(ttl: number): number {
    if (typeof ttl !== "number") throw nodeCodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "ttl" argument must be of type number. Received ${describeReceived(ttl)}`);
    this.#charOpt("setMulticastTTL", "IP_MULTICAST_TTL", "IPV6_MULTICAST_HOPS", ttl | 0);
    return ttl;
  }

  /** IP_MULTICAST_LOOP (IPV6_MULTICAST_LOOP): returns `flag`; before bind `setMulticastLoopback EBADF`, then ENOPROTOOPT here. */
  setMulticastLoopback(flag: boolean): boolean {
    this.#charOpt("setMulticastLoopback", "IP_MULTICAST_LOOP", "IPV6_MULTICAST_LOOP", flag ? 1 : 0);
    return flag;
  }

  /** IP_MULTICAST_IF (IPV6_MULTICAST_IF): an address that does not parse is EINVAL; before bind EBADF, then ENOPROTOOPT here. */
  setMulticastInterface(interfaceAddress: string): void {
    this.#healthCheck();
    this.#validateString(interfaceAddress, "interfaceAddress");
    const fam = isIP(interfaceAddress.replace(/%.*$/, ""));
    if (fam === 0) throw nodeError("EINVAL", 22, "setMulticastInterface");
    if (!this.#bound()) throw nodeError("EBADF", 9, "setMulticastInterface");
    this.#mcastOpt("setMulticastInterface", fam === 4 ? "IPPROTO_IP" : "IPPROTO_IPV6", fam === 4 ? "IP_MULTICAST_IF" : "IPV6_MULTICAST_IF", interfaceAddress, this.#fd);
  }

  /** Lets the bound socket keep Node's loop alive again (the default; see liveness.ts). */
  ref(): this {
    this.#ref = true;
    return this;
  }

  /** A bound socket that does not keep Node's loop alive ({@link runLikeNode} ends without it). */
  unref(): this {
    this.#ref = false;
    return this;
  }

  /** @internal bound (receiving), open and referenced. */
  [kKeepsAlive](): boolean {
    return this.#ref && !this.#closed && this.#fd >= 0;
  }
}

function nodeError9(): Error {
  // What Node's address() throws on an unbound socket (uv EBADF).
  const e = new Error("getsockname EBADF") as Error & { code: string; errno: number; syscall: string };
  e.code = "EBADF";
  e.errno = -9;
  e.syscall = "getsockname";
  return e;
}

/** The `dgram` module bound to one simulated host (what `nodeOn(host).dgram` is). */
export interface SimDgram {
  createSocket(type: "udp4" | "udp6" | SimDgramOptions, cb?: (msg: Buffer, rinfo: RemoteInfo) => void): SimDgramSocket;
  Socket: new (opts: SimDgramOptions) => SimDgramSocket;
}

/** Builds the `dgram` module of a façade context. */
export function createDgram(ctx: FacadeContext): SimDgram {
  class Socket extends SimDgramSocket {
    constructor(opts: SimDgramOptions) {
      super(ctx, opts);
    }
  }
  return {
    Socket,
    createSocket(type, cb) {
      const s = new Socket(typeof type === "string" ? { type } : type);
      if (cb) s.on("message", cb);
      return s;
    },
  };
}
