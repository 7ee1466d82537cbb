/**
 * A process: pid, name, fd table and the socket system calls (E1), named
 * and ordered like POSIX so that C, Python and Java programs translate line
 * by line. Calls that block in C return Promises here; the others are
 * synchronous. Every failure throws a {@link SysError} whose message is
 * what `perror` prints (`bind: Address already in use`).
 *
 * fds: 0–2 are the terminal, new fds take the lowest free number (A4, A9),
 * RLIMIT_NOFILE (1024) bounds the table (EMFILE, F4).
 */
import type { ErrnoCode } from "../core/errno.js";
import type { StackContext } from "../core/stack-context.js";
import { SysError } from "../core/sys-error.js";
import {
  F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, FIONBIO, O_NONBLOCK, O_RDWR,
  SOCK_CLOEXEC, SOCK_NONBLOCK, constant,
} from "../socket/constants.js";
import type { OptionValue } from "../socket/options.js";
import { toSockAddr, type SockAddr, type SockAddrLike } from "../socket/sockaddr.js";
import { Socket } from "../socket/socket.js";
import { TtyFile, type FdEntry, type OpenFile } from "./file.js";

/** What a process needs from its host kernel. */
export interface Kernel {
  readonly ctx: StackContext;
  /** Creates a socket or returns the errno socket(2) gives. */
  createSocket(domain: number, type: number, protocol: number): Socket | ErrnoCode;
  /** Called once when a process exits. */
  processExited(p: Process): void;
}

/** Bytes, or a string sent as UTF-8. */
export type Data = Uint8Array | string;

const encoder = new TextEncoder();

/** A string as UTF-8 bytes; bytes unchanged. */
export function toBytes(d: Data): Uint8Array {
  return typeof d === "string" ? encoder.encode(d) : d;
}

/** Default RLIMIT_NOFILE soft limit on Linux. */
export const DEFAULT_NOFILE = 1024;

/** Rethrows a SysError under another syscall name (`sendmsg` → `send`). */
function rename(e: unknown, syscall: string): never {
  if (e instanceof SysError && e.syscall !== syscall) throw new SysError(e.code, syscall);
  throw e;
}

/** A process with its fd table and system calls. */
export class Process {
  /** The fd table; null marks a free slot. */
  readonly fds: (FdEntry | null)[] = [];
  /** RLIMIT_NOFILE soft limit. */
  rlimitNofile = DEFAULT_NOFILE;
  /** Exit status once exited, else null. */
  exitCode: number | null = null;
  /** The error that ended the process, if any. */
  error: unknown = null;
  /** Children (fork). */
  readonly children: Process[] = [];

  constructor(
    readonly kernel: Kernel,
    readonly pid: number,
    readonly name: string,
    readonly ppid = 1,
  ) {
    const tty = new TtyFile();
    for (let i = 0; i < 3; i++) this.#install(tty, false, i);
  }

  /** True once the process has exited. */
  get exited(): boolean {
    return this.exitCode !== null;
  }

  // ---- fd table -------------------------------------------------------

  #lowestFree(): number {
    let fd = 0;
    while (fd < this.fds.length && this.fds[fd]) fd++;
    return fd;
  }

  #install(file: OpenFile, cloexec: boolean, fd = -1): number {
    if (fd < 0) fd = this.#lowestFree();
    if (fd >= this.rlimitNofile) return -1;
    while (this.fds.length <= fd) this.fds.push(null);
    this.fds[fd] = { file, cloexec };
    file.refs++;
    return fd;
  }

  /** Installs an open file at the lowest free fd; throws EMFILE at the limit. */
  installFile(file: OpenFile, syscall: string, cloexec = false): number {
    const fd = this.#install(file, cloexec);
    if (fd < 0) throw new SysError("EMFILE", syscall);
    return fd;
  }

  #entry(fd: number, syscall: string): FdEntry {
    const e = Number.isInteger(fd) && fd >= 0 ? this.fds[fd] : undefined;
    if (!e) throw new SysError("EBADF", syscall);
    return e;
  }

  /** The socket behind `fd` (EBADF / ENOTSOCK otherwise). */
  sock(fd: number, syscall: string): Socket {
    const f = this.#entry(fd, syscall).file;
    if (!(f instanceof Socket)) throw new SysError("ENOTSOCK", syscall);
    return f;
  }

  /** The open file behind `fd`, or undefined. */
  file(fd: number): OpenFile | undefined {
    return this.fds[fd]?.file;
  }

  /** Every open fd with its file, in fd order. */
  openFds(): { fd: number; file: OpenFile }[] {
    const out: { fd: number; file: OpenFile }[] = [];
    this.fds.forEach((e, fd) => e && out.push({ fd, file: e.file }));
    return out;
  }

  // ---- socket calls ---------------------------------------------------

  /**
   * socket(2). `type` may carry SOCK_NONBLOCK | SOCK_CLOEXEC.
   * @example const fd = p.socket("AF_INET", "SOCK_STREAM", 0);
   */
  socket(domain: number | string, type: number | string, protocol: number | string = 0): number {
    const d = constant(domain);
    const t = constant(type);
    const pr = constant(protocol);
    if (d === undefined || t === undefined || pr === undefined) throw new SysError("EINVAL", "socket");
    const base = t & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    const s = this.kernel.createSocket(d, base, pr);
    if (typeof s === "string") throw new SysError(s, "socket");
    if (t & SOCK_NONBLOCK) s.nonblocking = true;
    const fd = this.#install(s, (t & SOCK_CLOEXEC) !== 0);
    if (fd < 0) {
      void s.release();
      throw new SysError("EMFILE", "socket");
    }
    return fd;
  }

  /** bind(2). */
  bind(fd: number, addr: SockAddrLike): void {
    this.sock(fd, "bind").bind(toSockAddr(addr));
  }

  /** listen(2). */
  listen(fd: number, backlog = 128): void {
    this.sock(fd, "listen").listen(backlog);
  }

  /** accept(2): the new connection's fd (lowest free) and the peer address. */
  async accept(fd: number): Promise<{ fd: number; addr: SockAddr }> {
    return this.accept4(fd, 0, "accept");
  }

  /** accept4(2) with SOCK_NONBLOCK / SOCK_CLOEXEC. */
  async accept4(fd: number, flags: number, syscall = "accept4"): Promise<{ fd: number; addr: SockAddr }> {
    const s = this.sock(fd, syscall);
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) throw new SysError("EINVAL", syscall);
    // Linux allocates the fd before dequeuing: EMFILE leaves the connection queued.
    if (this.#lowestFree() >= this.rlimitNofile) throw new SysError("EMFILE", syscall);
    let r: { socket: Socket; addr: SockAddr };
    try {
      r = await s.accept();
    } catch (e) {
      rename(e, syscall);
    }
    if (flags & SOCK_NONBLOCK) r.socket.nonblocking = true;
    const nfd = this.#install(r.socket, (flags & SOCK_CLOEXEC) !== 0);
    if (nfd < 0) {
      await r.socket.release();
      throw new SysError("EMFILE", syscall);
    }
    return { fd: nfd, addr: r.addr };
  }

  /** connect(2). */
  async connect(fd: number, addr: SockAddrLike): Promise<void> {
    await this.sock(fd, "connect").connect(toSockAddr(addr));
  }

  /**
   * connect_ex (E2): like connect but returns 0 or the errno number instead
   * of throwing (Python's socket.connect_ex).
   */
  async connect_ex(fd: number, addr: SockAddrLike): Promise<number> {
    try {
      await this.connect(fd, addr);
      return 0;
    } catch (e) {
      if (e instanceof SysError) return e.errno;
      throw e;
    }
  }

  /** send(2): bytes accepted (may be fewer than given, E3). */
  async send(fd: number, data: Data, flags = 0): Promise<number> {
    return this.#send(fd, [toBytes(data)], flags, null, "send");
  }

  /** sendto(2). */
  async sendto(fd: number, data: Data, flags: number, addr: SockAddrLike | null): Promise<number> {
    return this.#send(fd, [toBytes(data)], flags, addr ? toSockAddr(addr) : null, "sendto");
  }

  /** write(2) on a socket. */
  async write(fd: number, data: Data): Promise<number> {
    return this.#send(fd, [toBytes(data)], 0, null, "write");
  }

  /** writev(2). */
  async writev(fd: number, iov: readonly Data[]): Promise<number> {
    return this.#send(fd, iov.map(toBytes), 0, null, "writev");
  }

  /** sendmsg(2) with scatter/gather buffers and an optional address. */
  async sendmsg(fd: number, msg: { iov: readonly Data[]; name?: SockAddrLike | null }, flags = 0): Promise<number> {
    return this.#send(fd, msg.iov.map(toBytes), flags, msg.name ? toSockAddr(msg.name) : null, "sendmsg");
  }

  async #send(fd: number, bufs: Uint8Array[], flags: number, addr: SockAddr | null, syscall: string): Promise<number> {
    const s = this.sock(fd, syscall);
    try {
      return await s.sendmsg(bufs, flags, addr, syscall);
    } catch (e) {
      rename(e, syscall);
    }
  }

  /** recv(2): up to `n` bytes; an empty result means the peer closed (E4). */
  async recv(fd: number, n: number, flags = 0): Promise<Uint8Array> {
    return (await this.#recv(fd, n, flags, "recv")).data;
  }

  /** read(2) on a socket. */
  async read(fd: number, n: number): Promise<Uint8Array> {
    return (await this.#recv(fd, n, 0, "read")).data;
  }

  /** recvfrom(2): data and sender address. */
  async recvfrom(fd: number, n: number, flags = 0): Promise<{ data: Uint8Array; addr: SockAddr | null }> {
    const r = await this.#recv(fd, n, flags, "recvfrom");
    return { data: r.data, addr: r.addr };
  }

  /** recvmsg(2): data, sender, flags (MSG_TRUNC…) and the real length. */
  async recvmsg(fd: number, n: number, flags = 0): Promise<{ data: Uint8Array; addr: SockAddr | null; flags: number; length: number }> {
    return this.#recv(fd, n, flags, "recvmsg");
  }

  /** readv(2): fills buffers of the given sizes in order; returns the pieces. */
  async readv(fd: number, sizes: readonly number[]): Promise<Uint8Array[]> {
    const total = sizes.reduce((a, b) => a + b, 0);
    const { data } = await this.#recv(fd, total, 0, "readv");
    const out: Uint8Array[] = [];
    let o = 0;
    for (const n of sizes) {
      out.push(data.subarray(o, Math.min(o + n, data.length)));
      o += n;
    }
    return out;
  }

  async #recv(fd: number, n: number, flags: number, syscall: string) {
    const s = this.sock(fd, syscall);
    try {
      return await s.recvmsg(n, flags, syscall);
    } catch (e) {
      rename(e, syscall);
    }
  }

  /** shutdown(2). */
  shutdown(fd: number, how: number | string): void {
    const h = constant(how);
    if (h === undefined) throw new SysError("EINVAL", "shutdown");
    this.sock(fd, "shutdown").shutdown(h);
  }

  /**
   * close(2). The effect is immediate; the Promise settles when a lingering
   * close (SO_LINGER with a timeout) finishes. A socket is released when its
   * last fd closes (fork/dup reference counting).
   */
  async close(fd: number): Promise<void> {
    const e = this.#entry(fd, "close");
    this.fds[fd] = null;
    while (this.fds.length && !this.fds[this.fds.length - 1]) this.fds.pop();
    await this.#unref(e.file);
  }

  async #unref(f: OpenFile): Promise<void> {
    f.refs--;
    if (f.refs === 0 && f instanceof Socket) await f.release();
  }

  /** getsockname(2). */
  getsockname(fd: number): SockAddr {
    return this.sock(fd, "getsockname").getsockname();
  }

  /** getpeername(2). */
  getpeername(fd: number): SockAddr {
    return this.sock(fd, "getpeername").getpeername();
  }

  /** setsockopt(2); names or numbers: `setsockopt(fd, "SOL_SOCKET", "SO_REUSEADDR", 1)`. */
  setsockopt(fd: number, level: string | number, name: string | number, value: OptionValue): void {
    this.sock(fd, "setsockopt").setsockopt(level, name, value);
  }

  /** getsockopt(2). */
  getsockopt(fd: number, level: string | number, name: string | number): OptionValue {
    return this.sock(fd, "getsockopt").getsockopt(level, name);
  }

  /** fcntl(2): F_GETFL / F_SETFL (O_NONBLOCK), F_GETFD / F_SETFD, F_DUPFD. */
  fcntl(fd: number, cmd: number | string, arg = 0): number {
    const c = constant(cmd);
    const e = this.#entry(fd, "fcntl");
    switch (c) {
      case F_GETFL:
        return O_RDWR | (e.file instanceof Socket && e.file.nonblocking ? O_NONBLOCK : 0);
      case F_SETFL:
        if (e.file instanceof Socket) e.file.nonblocking = (arg & O_NONBLOCK) !== 0;
        return 0;
      case F_GETFD:
        return e.cloexec ? FD_CLOEXEC : 0;
      case F_SETFD:
        e.cloexec = (arg & FD_CLOEXEC) !== 0;
        return 0;
      case F_DUPFD:
      case F_DUPFD_CLOEXEC: {
        if (arg < 0 || arg >= this.rlimitNofile) throw new SysError("EINVAL", "fcntl");
        let nfd = arg;
        while (this.fds[nfd]) nfd++;
        if (nfd >= this.rlimitNofile) throw new SysError("EMFILE", "fcntl");
        this.#install(e.file, c === F_DUPFD_CLOEXEC, nfd);
        return nfd;
      }
    }
    throw new SysError("EINVAL", "fcntl");
  }

  /** ioctl(2): FIONREAD (bytes readable), SIOCOUTQ (bytes unsent/unacked), FIONBIO. */
  ioctl(fd: number, request: number | string, arg = 0): number {
    const r = constant(request);
    const s = this.sock(fd, "ioctl");
    if (r === FIONBIO) {
      s.nonblocking = arg !== 0;
      return 0;
    }
    if (r === undefined) throw new SysError("ENOTTY", "ioctl");
    return s.ioctl(r);
  }

  /** dup(2): the lowest free fd referring to the same open file. */
  dup(fd: number): number {
    const e = this.#entry(fd, "dup");
    const nfd = this.#install(e.file, false);
    if (nfd < 0) throw new SysError("EMFILE", "dup");
    return nfd;
  }

  /** dup2(2): makes `newfd` refer to `oldfd`'s file, closing what it held. */
  async dup2(oldfd: number, newfd: number): Promise<number> {
    const e = this.#entry(oldfd, "dup2");
    if (!Number.isInteger(newfd) || newfd < 0 || newfd >= this.rlimitNofile) throw new SysError("EBADF", "dup2");
    if (oldfd === newfd) return newfd;
    const old = this.fds[newfd];
    this.#install(e.file, false, newfd);
    if (old) await this.#unref(old.file);
    return newfd;
  }

  /** Exits: closes every fd (F4's leak ends here), records the status. */
  async exit(code = 0): Promise<void> {
    if (this.exited) return;
    this.exitCode = code;
    const open = this.fds.map((e) => e?.file).filter((f): f is OpenFile => !!f);
    this.fds.length = 0;
    for (const f of open) await this.#unref(f);
    this.kernel.processExited(this);
  }
}
