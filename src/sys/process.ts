/**
 * A process: pid, name, fd table and the socket system calls (E1), named
 * and ordered like POSIX so that C, Python and Java programs translate line
 * by line. Calls that block in C return Promises here; the others are
 * synchronous. Every failure throws a {@link SysError} whose message is
 * what `perror` prints (`bind: Address already in use`).
 *
 * fds: 0–2 are the terminal, new fds take the lowest free number (A4, A9),
 * RLIMIT_NOFILE (1024) bounds the table (EMFILE, F4). An fd refers to an
 * open file shared by reference count: `dup`, `fork` and threads share it,
 * and a socket is released only when its last fd closes (the fork-server
 * bug of H3: a parent that forgets to close the connection fd keeps the
 * connection open after the child closed it).
 *
 * Multiplexing (E8): `select`, `poll`, `epoll_*` (see select-poll.ts and
 * epoll.ts). Processes (H3): `fork(child)` runs `child` in a copy of this
 * process sharing every open file; `wait`/`waitpid` reap it. Threads (H2):
 * `thread(main)` runs `main` concurrently on this same process — one fd
 * table, and a blocking call in one thread never blocks another.
 */
import type { ErrnoCode } from "../core/errno.js";
import type { StackContext } from "../core/stack-context.js";
import { SysError } from "../core/sys-error.js";
import { joinBytes } from "../core/bytes.js";
import {
  F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, FIONBIO, O_NONBLOCK, O_RDWR,
  SOCK_CLOEXEC, SOCK_NONBLOCK, constant,
} from "../socket/constants.js";
import type { CheckedOptionName, OptionGetValue, OptionSetValue, OptionValue } from "../socket/options.js";
import {
  DOMAINS, FCNTL_ARGS, FCNTL_CMDS, IOCTL_REQUESTS, MSG_FLAGS, PROTOCOLS, SHUTDOWN_HOWS, SOCK_FLAGS, SOCK_TYPES,
  type CheckedFlags, type CheckedName, type DomainName, type FcntlArgName, type FcntlCmdName, type IoctlRequestName,
  type Flags, type LevelName, type MsgFlagName, type ProtocolName, type ShutdownHowName, type SockFlagName, type SockTypeName,
  unknownNameReason,
} from "../socket/names.js";
import type { SockAddr, SockAddrLike } from "../socket/sockaddr.js";
import { Socket, type ControlMessage, type SendControlMessage } from "../socket/socket.js";
import { connectPair } from "../socket/unix-factory.js";
import type { UnixNamespace } from "../socket/unix-namespace.js";
import type { UnixSocket } from "../socket/unix-socket.js";
import { MSG_PEEK, MSG_WAITALL } from "../socket/constants.js";
import { EPOLL_CLOEXEC, EPOLL_CONSTANTS, EpollFile, epollFileReleased, type EpollEvent } from "./epoll.js";
import { TtyFile, type OpenFile } from "./file.js";
import { FileSystem, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, OPEN_FLAGS_KNOWN, VnodeFile } from "./fs.js";
import { Pipe, PipeEnd, PIPE_SIZE } from "./pipe.js";
import { sendfile as doSendfile, splice as doSplice } from "./splice.js";
import { F_GETPIPE_SZ, F_SETPIPE_SZ, O_APPEND } from "../socket/constants.js";
import { Terminal, type OutputStream, type StdinFeed } from "./stdio.js";
import { waitMany } from "./wait-many.js";
import { POLLIN } from "../core/poll-events.js";
import { FD_SETSIZE, FdSet, doPoll, doSelect, type PollFd, type SelectTimeout } from "./select-poll.js";
import {
  argAddress, argData, argFd, argFlags, argFunction, argInt, argIov, argLength, argName, argOptAddress, argTimeoutMs, describe,
} from "./args.js";
import {
  EPOLL_CREATE_FLAGS, EPOLL_EVENTS, EPOLL_OPS, OPEN_FLAGS, PIPE2_FLAGS, POLL_EVENTS, SPLICE_FLAGS, WAIT_OPTIONS, WHENCES,
  type EpollCreateFlagName, type EpollEventName, type EpollOpName, type OpenFlagName, type Pipe2FlagName, type SpliceFlagName, type WhenceName,
} from "./names.js";
import { getaddrinfo, gethostbyname, HostsTable, type AddrInfo, type Resolver } from "./netdb.js";

/** A flags argument before checking: a number, names (`"A|B"`) or a list. */
type FlagsIn = number | string | readonly (string | number)[];
/** A one-name argument before checking: a number or a name. */
type NameIn = number | string;
import { SYSCALLS, installSyscallBoundary, syscall, type SyscallHooks, type SyscallRecord } from "./syscall-boundary.js";

/** What a process needs from its host kernel. */
export interface Kernel {
  readonly ctx: StackContext;
  /** Creates a socket or returns the errno socket(2) gives. */
  createSocket(domain: number, type: number, protocol: number): Socket | ErrnoCode;
  /** Called once when a process exits. */
  processExited(p: Process): void;
  /** Creates and registers a process (fork's child). */
  createProcess(name: string, ppid: number): Process;
  /** Where processes that died of an uncaught error are listed (Host.crashed). */
  readonly crashed?: Process[];
  /** The host's AF_UNIX name space (unlink). */
  readonly unix?: UnixNamespace<UnixSocket>;
  /** The host's filesystem (open, unlink; sys/fs.ts); without one each process gets a fresh tree. */
  readonly fs?: FileSystem;
  /** Where host names are looked up (the network's hosts table); without one only "localhost" resolves. */
  readonly resolver?: Resolver;
  /** Whether the host has a route and a source address towards an address (getaddrinfo's RFC 6724 rule 1). */
  reachable?(family: number, addr: string): boolean;
  /** Which families the host has a non-loopback address of (getaddrinfo's AI_ADDRCONFIG). */
  addrconfig?(): { ipv4: boolean; ipv6: boolean };
  /** The syscall boundary's per-host state: spin detector and tracer (syscall-boundary.ts). */
  readonly sys?: SyscallHooks;
  /** A new id from the pid space (a thread's tid). */
  allocPid?(): number;
  /** Told when a process has exited (the tracer's `+++ exited with N +++`). */
  traceExit?(p: Process, code: number, signal: string | null): void;
}

/** The resolver of a kernel without a hosts table: "localhost" only. */
const LOCAL_ONLY = new HostsTable();

/** A socket address as syscalls take it: a sockaddr, `["10.0.0.2", 80]`, or an AF_UNIX path string. */
export type Address = SockAddrLike | string;

/**
 * An address argument → SockAddr (a string is an AF_UNIX path, as in
 * Python), checked as the calls check it (no host names: those need a
 * process's hosts table); a bad one throws EFAULT/EINVAL for `connect`.
 */
export function toAddr(a: Address): SockAddr {
  return argAddress(a, "connect", LOCAL_ONLY);
}

/** Flags given as a number, a name, `"A|B"` or a list of names. */
export type { Flags };

/** Resolves {@link Flags} against the socket and epoll constant tables; unknown names → undefined. */
export function flagValue(f: Flags): number | undefined {
  if (typeof f === "number") return f;
  const names = typeof f === "string" ? f.split("|") : f;
  let v = 0;
  for (const raw of names) {
    const n = raw.trim();
    const x = constant(n) ?? EPOLL_CONSTANTS[n];
    if (x === undefined) return undefined;
    v = (v | x) >>> 0;
  }
  return v;
}

/** The hard RLIMIT_NOFILE a process starts with (Linux's default hard limit, 4096). */
export const DEFAULT_NOFILE_HARD = 4096;
/** fs.nr_open: the ceiling of RLIMIT_NOFILE. */
export const NR_OPEN = 1 << 20;

/** waitpid option: return 0 at once when no child has exited. */
export const WNOHANG = 1;

/** A thread of a process (pthread_create); `join()` is pthread_join. */
export interface Thread {
  /** Thread number within the process (1, 2, …; the main program is 0). */
  readonly id: number;
  /** Thread id in the host's pid space (what strace and the pending list print; the main program's is the pid). */
  readonly tid: number;
  readonly name: string;
  /** True once `main` returned or threw. */
  readonly done: boolean;
  /** The return value of `main`; rejects with what it threw. */
  join(): Promise<unknown>;
}

/** Bytes, or a string sent as UTF-8 (what the sending calls take: {@link SendData}). */
export type Data = Uint8Array | string;

/**
 * What the sending calls accept: a string (UTF-8) or any ArrayBufferView —
 * a Uint8Array or Buffer as it is, another typed array or a DataView as
 * its bytes (a Uint16Array of 3 elements is 6 bytes), as Node's
 * `socket.write` takes them. An ArrayBuffer is refused (EFAULT), as Node
 * refuses it: wrap it, `new Uint8Array(buf)`.
 */
export type SendData = string | ArrayBufferView;

/** Data as bytes (a string as UTF-8; bytes unchanged); a non-data value throws EFAULT for `write`. */
export function toBytes(d: SendData): Uint8Array {
  return argData(d, "write");
}

/**
 * A file offset argument of sendfile and splice: null (use and advance the
 * file position), a number (read from there; the position stays), or a
 * one-element array — C's `loff_t *` — which the call updates in place,
 * as packetdrill writes it (`sendfile(4, 5, [0], 5)`).
 */
export type FileOffset = number | [number] | null;

/** What fstat(2) reports (the fields sockstack keeps). */
export interface Stat {
  /** File type and permission bits (S_IFREG | 0644, S_IFIFO | 0600, …). */
  st_mode: number;
  st_ino: number;
  st_nlink: number;
  /** Bytes in a regular file; 0 for a pipe, a socket or a device; 4096 for a directory. */
  st_size: number;
}

/** Default RLIMIT_NOFILE soft limit on Linux. */
export const DEFAULT_NOFILE = 1024;

/** Rethrows a SysError under another syscall name (`sendmsg` → `send`). */
function rename(e: unknown, syscall: string): never {
  if (e instanceof SysError && e.syscall !== syscall) throw new SysError(e.code, syscall, e.detail);
  throw e;
}

/** A process with its fd table and system calls. */
export class Process {
  /**
   * The fd table: the open file of each fd, null for a free slot. FD_CLOEXEC
   * lives apart in `#cloexec` (rarely set), so an fd costs one array slot and
   * no entry object (memory per connection).
   */
  readonly fds: (OpenFile | null)[] = [];
  /** The fds with FD_CLOEXEC set (created at the first one). */
  #cloexec: Set<number> | null = null;
  /** RLIMIT_NOFILE soft limit. */
  rlimitNofile = DEFAULT_NOFILE;
  /** RLIMIT_NOFILE hard limit. */
  rlimitNofileHard = DEFAULT_NOFILE_HARD;
  /** Exit status once exited, else null. */
  exitCode: number | null = null;
  /** The error that ended the process, if any. */
  error: unknown = null;
  /** The signal that ended the process (`"SIGKILL"` after {@link Process.kill}), else null. */
  termSignal: string | null = null;
  /** The value the program's `main` returned (see Host.spawn's handle). */
  returnValue: unknown = undefined;
  /** System calls in progress, by thread (the syscall boundary keeps it). */
  readonly inflight = new Set<SyscallRecord>();
  /** Synchronous syscall nesting (accept → accept4 is one call). @internal */
  syscallDepth = 0;
  #exitWaiters: (() => void)[] | null = null;
  /** Live and not yet reaped children (fork). */
  readonly children: Process[] = [];
  /** Threads started with {@link Process.thread}. */
  readonly threads: Thread[] = [];
  #parent: Process | null = null;
  #childWaiters: (() => void)[] = [];
  #sigchld: ((pid: number) => void) | null = null;

  constructor(
    readonly kernel: Kernel,
    readonly pid: number,
    readonly name: string,
    readonly ppid = 1,
  ) {
    // fds 0–2: the process's terminal (stdio.ts), one open file per stream, kept after exit.
    const term = new Terminal(kernel.ctx);
    this.#tty = term;
    this.#install(new TtyFile(term, "stdout"), false, 0);
    this.#install(new TtyFile(term, "stdout"), false, 1);
    this.#install(new TtyFile(term, "stderr"), false, 2);
  }

  /**
   * The process's terminal, what fds 0–2 refer to at start (shared with
   * forked children): `p.tty.output` is its screen (stdout and stderr
   * interleaved), `p.tty.type("1111\n")` types a line.
   */
  get tty(): Terminal {
    return this.#tty;
  }
  #tty: Terminal;

  /**
   * Standard input, fed from outside: `p.stdin.write("hello\n")`,
   * `p.stdin.end()` (reads then return 0 bytes), or
   * `p.stdin.script([{ at: ms(100), data: "hi\n" }, { at: sec(1), end: true }])`.
   * The program reads it with `read(0, n)`, `recvLine(0)`, and can wait for
   * it with select/poll/epoll on fd 0.
   */
  get stdin(): StdinFeed {
    return this.#tty.stdin;
  }

  /** What the program wrote to standard output (fd 1): `p.stdout.text`, `p.stdout.echo(console.log, "[client 1000] ")`. */
  get stdout(): OutputStream {
    return this.#tty.stdout;
  }

  /** What the program wrote to standard error (fd 2; perror, wrap()ed calls). */
  get stderr(): OutputStream {
    return this.#tty.stderr;
  }

  /** True once the process has exited. */
  get exited(): boolean {
    return this.exitCode !== null;
  }

  /** True once the process has exited or was killed: its calls never return (syscall boundary). */
  get parked(): boolean {
    return this.exitCode !== null;
  }

  /** Resolves with the exit status once the process has exited. */
  whenExited(): Promise<number> {
    if (this.exitCode !== null) return Promise.resolve(this.exitCode);
    return new Promise<number>((resolve) => (this.#exitWaiters ??= []).push(() => resolve(this.exitCode!)));
  }

  // ---- fd table -------------------------------------------------------

  /** Every fd below this is in use (so the lowest-free search starts here, not at 0). */
  #freeHint = 0;

  #lowestFree(): number {
    let fd = this.#freeHint;
    while (fd < this.fds.length && this.fds[fd]) fd++;
    this.#freeHint = fd;
    return fd;
  }

  #install(file: OpenFile, cloexec: boolean, fd = -1): number {
    if (fd < 0) fd = this.#lowestFree();
    if (fd >= this.rlimitNofile) return -1;
    while (this.fds.length <= fd) this.fds.push(null);
    if (fd === this.#freeHint) this.#freeHint = fd + 1;
    this.fds[fd] = file;
    this.#setCloexec(fd, cloexec);
    file.refs++;
    return fd;
  }

  /** Installs an open file at the lowest free fd; throws EMFILE at the limit. */
  installFile(file: OpenFile, syscall: string, cloexec = false): number {
    const fd = this.#install(file, cloexec);
    if (fd < 0) throw new SysError("EMFILE", syscall);
    return fd;
  }

  // The open file behind `fd` (EBADF otherwise).
  #entry(fd: number, syscall: string, name = "fd"): OpenFile {
    const file = argFd(fd, syscall, name) >= 0 ? this.fds[fd] : undefined;
    if (!file) throw new SysError("EBADF", syscall);
    return file;
  }

  #setCloexec(fd: number, on: boolean): void {
    if (on) (this.#cloexec ??= new Set()).add(fd);
    else this.#cloexec?.delete(fd);
  }

  /** The socket behind `fd` (EBADF / ENOTSOCK otherwise). */
  sock(fd: number, syscall: string, name = "fd"): Socket {
    const f = this.#entry(fd, syscall, name);
    if (!(f instanceof Socket)) throw new SysError("ENOTSOCK", syscall);
    return f;
  }

  /** The open file behind `fd`, or undefined. */
  file(fd: number): OpenFile | undefined {
    return Number.isInteger(fd) && fd >= 0 ? this.fds[fd] ?? undefined : undefined;
  }

  /** Every open fd with its file, in fd order. */
  openFds(): { fd: number; file: OpenFile }[] {
    const out: { fd: number; file: OpenFile }[] = [];
    this.fds.forEach((file, fd) => file && out.push({ fd, file }));
    return out;
  }

  // ---- socket calls ---------------------------------------------------

  /**
   * socket(2). `type` may carry SOCK_NONBLOCK | SOCK_CLOEXEC (`"SOCK_STREAM|SOCK_NONBLOCK"`).
   * @example const fd = p.socket("AF_INET", "SOCK_STREAM", 0);
   */
  socket<const D extends NameIn, const T extends FlagsIn, const P extends NameIn = 0>(
    domain: CheckedName<D, DomainName>, type: CheckedFlags<T, SockTypeName | SockFlagName>, protocol?: CheckedName<P, ProtocolName>,
  ): number {
    const sc = "socket";
    const d = argName(domain, sc, DOMAINS, "domain");
    const t = argFlags(type, sc, SOCK_TYPES, "type");
    const pr = argName(protocol ?? 0, sc, PROTOCOLS, "protocol");
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
  bind(fd: number, addr: Address): void {
    const s = this.sock(fd, "bind");
    s.bind(argAddress(addr, "bind", this.#hosts));
  }

  /** listen(2). `backlog` is capped at net.core.somaxconn by the socket, as Linux does. */
  listen(fd: number, backlog = 128): void {
    const s = this.sock(fd, "listen");
    s.listen(argInt(backlog, "listen", "backlog"));
  }

  /** Where this process looks host names up. */
  get #hosts(): Resolver {
    return this.kernel.resolver ?? LOCAL_ONLY;
  }

  /** accept(2): the new connection's fd (lowest free) and the peer address. */
  async accept(fd: number): Promise<{ fd: number; addr: SockAddr }> {
    return this.#accept(fd, 0, "accept");
  }

  /** accept4(2) with SOCK_NONBLOCK / SOCK_CLOEXEC (numbers or names). */
  async accept4<const F extends FlagsIn = 0>(fd: number, flags?: CheckedFlags<F, SockFlagName>): Promise<{ fd: number; addr: SockAddr }> {
    return this.#accept(fd, argFlags(flags, "accept4", SOCK_FLAGS), "accept4");
  }

  async #accept(fd: number, flags: number, syscall: string): Promise<{ fd: number; addr: SockAddr }> {
    const s = this.sock(fd, syscall);
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) throw new SysError("EINVAL", syscall, `flags: only SOCK_NONBLOCK and SOCK_CLOEXEC, got 0x${(flags >>> 0).toString(16)}`);
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
  async connect(fd: number, addr: Address): Promise<void> {
    const s = this.sock(fd, "connect");
    await s.connect(argAddress(addr, "connect", this.#hosts));
  }

  /**
   * connect_ex (E2): like connect but returns 0 or the errno number instead
   * of throwing (Python's socket.connect_ex). As in Python, a host name that
   * does not resolve is raised (a {@link GaiError}), not returned.
   */
  async connect_ex(fd: number, addr: Address): Promise<number> {
    try {
      await this.connect(fd, addr);
      return 0;
    } catch (e) {
      if (e instanceof SysError) return e.errno;
      throw e;
    }
  }

  /** send(2): bytes accepted (may be fewer than given, E3). */
  async send<const F extends FlagsIn = 0>(fd: number, data: SendData, flags?: CheckedFlags<F, MsgFlagName>): Promise<number> {
    const sc = "send";
    const s = this.sock(fd, sc);
    return this.#send(s, [argData(data, sc)], argFlags(flags, sc, MSG_FLAGS), null, sc);
  }

  /** sendto(2); `addr` null (or omitted) sends to the connected peer. */
  async sendto<const F extends FlagsIn = 0>(fd: number, data: SendData, flags: CheckedFlags<F, MsgFlagName>, addr?: Address | null): Promise<number> {
    const sc = "sendto";
    const s = this.sock(fd, sc);
    return this.#send(s, [argData(data, sc)], argFlags(flags, sc, MSG_FLAGS), argOptAddress(addr, sc, this.#hosts), sc);
  }

  /** write(2) on a socket or the terminal (fd 1: `p.write(1, "hello\n")`). */
  async write(fd: number, data: SendData): Promise<number> {
    const f = this.#entry(fd, "write");
    const b = argData(data, "write");
    if (f instanceof TtyFile) return f.write(b, this.pid, this.kernel.ctx.scheduler.now());
    if (f instanceof EpollFile) throw new SysError("EINVAL", "write", "fd: an epoll instance cannot be written");
    if (f instanceof VnodeFile) {
      if (!f.writable) throw new SysError("EBADF", "write", "fd: not open for writing");
      return fileResult(f.write(b), "write");
    }
    if (f instanceof PipeEnd) {
      if (f.end !== "write") throw new SysError("EBADF", "write", "fd: the read end of a pipe");
      return fileResult(await f.write(b), "write");
    }
    return this.#send(f as Socket, [b], 0, null, "write");
  }

  /** writev(2): at most UIO_MAXIOV (1024) buffers. */
  async writev(fd: number, iov: readonly SendData[]): Promise<number> {
    const s = this.sock(fd, "writev");
    return this.#send(s, argIov(iov, "writev"), 0, null, "writev");
  }

  /**
   * sendmsg(2) with scatter/gather buffers, an optional address and
   * control messages (`msg.control`: IPV6_PKTINFO, IPV6_HOPLIMIT,
   * IPV6_TCLASS on AF_INET6 datagram sockets).
   */
  async sendmsg<const F extends FlagsIn = 0>(
    fd: number, msg: { iov: readonly SendData[]; name?: Address | null; control?: readonly SendControlMessage[] }, flags?: CheckedFlags<F, MsgFlagName>,
  ): Promise<number> {
    const sc = "sendmsg";
    const s = this.sock(fd, sc);
    if (typeof msg !== "object" || msg === null) throw new SysError("EFAULT", sc, `msg: expected { iov, name? }, got ${describe(msg)}`);
    const control = msg.control ?? [];
    if (!Array.isArray(control) || control.some((c) => typeof c !== "object" || c === null)) {
      throw new SysError("EFAULT", sc, `msg.control: expected an array of { level, type, data }, got ${describe(msg.control)}`);
    }
    return this.#send(s, argIov(msg.iov, sc, "msg.iov"), argFlags(flags, sc, MSG_FLAGS), argOptAddress(msg.name, sc, this.#hosts, "msg.name"), sc, control);
  }

  async #send(s: Socket, bufs: Uint8Array[], flags: number, addr: SockAddr | null, syscall: string, control?: readonly SendControlMessage[]): Promise<number> {
    try {
      return await s.sendmsg(bufs, flags, addr, syscall, control);
    } catch (e) {
      rename(e, syscall);
    }
  }

  /** recv(2): up to `n` bytes; an empty result means the peer closed (E4). */
  async recv<const F extends FlagsIn = 0>(fd: number, n: number, flags?: CheckedFlags<F, MsgFlagName>): Promise<Uint8Array> {
    const s = this.sock(fd, "recv");
    return (await this.#recv(s, argLength(n, "recv"), argFlags(flags, "recv", MSG_FLAGS), "recv")).data;
  }

  /**
   * read(2) on a socket or the terminal: fd 0 blocks until a line is typed
   * (at most one line per read, as a terminal in canonical mode) and
   * returns 0 bytes after `p.stdin.end()`.
   */
  async read(fd: number, n: number): Promise<Uint8Array> {
    const f = this.#entry(fd, "read");
    n = argLength(n, "read");
    if (f instanceof TtyFile) {
      if (!Number.isSafeInteger(n) || n < 0) throw new SysError("EINVAL", "read");
      if (n === 0) return new Uint8Array(0);
      for (;;) {
        const d = f.read(n);
        if (d) return d;
        if (f.nonblocking) throw new SysError("EAGAIN", "read");
        await waitFile(this.kernel, f); // the next line or the end of input: a change, not a level
      }
    }
    if (f instanceof EpollFile) throw new SysError("EINVAL", "read", "fd: an epoll instance cannot be read");
    if (f instanceof VnodeFile) {
      if (!f.readable) throw new SysError("EBADF", "read", "fd: not open for reading");
      return fileResult(f.read(n), "read");
    }
    if (f instanceof PipeEnd) {
      if (f.end !== "read") throw new SysError("EBADF", "read", "fd: the write end of a pipe");
      return fileResult(await f.read(n), "read");
    }
    return (await this.#recv(f as Socket, n, 0, "read")).data;
  }

  /** recvfrom(2): data and sender address. */
  async recvfrom<const F extends FlagsIn = 0>(fd: number, n: number, flags?: CheckedFlags<F, MsgFlagName>): Promise<{ data: Uint8Array; addr: SockAddr | null }> {
    const s = this.sock(fd, "recvfrom");
    const r = await this.#recv(s, argLength(n, "recvfrom"), argFlags(flags, "recvfrom", MSG_FLAGS), "recvfrom");
    return { data: r.data, addr: r.addr };
  }

  /**
   * recvmsg(2): data, sender, flags (MSG_TRUNC…), the real length and
   * control messages (TCP_INQ's TCP_CM_INQ; IPV6_PKTINFO, IPV6_HOPLIMIT,
   * IPV6_TCLASS; with MSG_ERRQUEUE an IP_RECVERR / IPV6_RECVERR
   * sock_extended_err and its offender in `addr`).
   */
  async recvmsg<const F extends FlagsIn = 0>(fd: number, n: number, flags?: CheckedFlags<F, MsgFlagName>): Promise<{ data: Uint8Array; addr: SockAddr | null; flags: number; length: number; control?: ControlMessage[] }> {
    const s = this.sock(fd, "recvmsg");
    return this.#recv(s, argLength(n, "recvmsg"), argFlags(flags, "recvmsg", MSG_FLAGS), "recvmsg");
  }

  /** readv(2): fills buffers of the given sizes in order; returns the pieces. */
  async readv(fd: number, sizes: readonly number[]): Promise<Uint8Array[]> {
    const sc = "readv";
    const s = this.sock(fd, sc);
    if (!Array.isArray(sizes)) throw new SysError("EFAULT", sc, `sizes: expected an array of byte counts, got ${describe(sizes)}`);
    if (sizes.length > 1024) throw new SysError("EINVAL", sc, `sizes: ${sizes.length} buffers, more than UIO_MAXIOV (1024)`);
    const total = argLength(sizes.reduce((a, b, i) => a + argLength(b, sc, `sizes[${i}]`), 0), sc, "sizes");
    const { data } = await this.#recv(s, total, 0, sc);
    const out: Uint8Array[] = [];
    let o = 0;
    for (const n of sizes) {
      out.push(data.subarray(o, Math.min(o + n, data.length)));
      o += n;
    }
    return out;
  }

  async #recv(s: Socket, n: number, flags: number, syscall: string) {
    try {
      return await s.recvmsg(n, flags, syscall);
    } catch (e) {
      rename(e, syscall);
    }
  }

  /** shutdown(2). */
  shutdown<const H extends NameIn>(fd: number, how: CheckedName<H, ShutdownHowName>): void {
    const s = this.sock(fd, "shutdown");
    s.shutdown(argName(how, "shutdown", SHUTDOWN_HOWS, "how"));
  }

  /**
   * close(2). The effect is immediate; the Promise settles when a lingering
   * close (SO_LINGER with a timeout) finishes. A socket is released when its
   * last fd closes (fork/dup reference counting).
   */
  async close(fd: number): Promise<void> {
    const e = this.#entry(fd, "close");
    this.fds[fd] = null;
    this.#cloexec?.delete(fd);
    if (fd < this.#freeHint) this.#freeHint = fd;
    while (this.fds.length && !this.fds[this.fds.length - 1]) this.fds.pop();
    await this.#unref(e);
  }

  async #unref(f: OpenFile): Promise<void> {
    f.refs--;
    if (f.refs !== 0) return;
    // The last reference: the file leaves every epoll set, then is released.
    epollFileReleased(f);
    if (f instanceof Socket) await f.release();
    else if (f instanceof EpollFile) f.release();
    else if (f instanceof PipeEnd) f.release();
  }

  /** getsockname(2). */
  getsockname(fd: number): SockAddr {
    return this.sock(fd, "getsockname").getsockname();
  }

  /** getpeername(2). */
  getpeername(fd: number): SockAddr {
    return this.sock(fd, "getpeername").getpeername();
  }

  /**
   * setsockopt(2); names or numbers: `setsockopt(fd, "SOL_SOCKET", "SO_REUSEADDR", 1)`.
   * With literal names the value's type follows the option (`SO_LINGER` →
   * {@link Linger}); an unknown name is ENOPROTOOPT naming it.
   */
  setsockopt<const L extends NameIn, const N extends NameIn>(fd: number, level: CheckedName<L, LevelName>, optname: CheckedOptionName<L, N>, optval: OptionSetValue<N>): void {
    this.sock(fd, "setsockopt").setsockopt(level, optname, optval as OptionValue);
  }

  /** getsockopt(2); with a literal name the result has the option's type (`TCP_INFO` → TcpInfo). */
  getsockopt<const L extends NameIn, const N extends NameIn>(fd: number, level: CheckedName<L, LevelName>, optname: CheckedOptionName<L, N>): OptionGetValue<N> {
    return this.sock(fd, "getsockopt").getsockopt(level, optname) as OptionGetValue<N>;
  }

  /**
   * fcntl(2): F_GETFL / F_SETFL (O_NONBLOCK; O_APPEND on a file; F_GETFL
   * gives a file's or pipe end's access mode, O_RDWR for a socket),
   * F_GETFD / F_SETFD, F_DUPFD, F_GETPIPE_SZ (65536).
   */
  fcntl<const C extends NameIn, const A extends FlagsIn = 0>(fd: number, cmd: CheckedName<C, FcntlCmdName>, arg?: CheckedFlags<A, FcntlArgName>): number {
    const e = this.#entry(fd, "fcntl");
    const c = argName(cmd, "fcntl", FCNTL_CMDS, "cmd");
    const a = argFlags(arg, "fcntl", FCNTL_ARGS, "arg");
    switch (c) {
      case F_GETFL:
        if (e instanceof VnodeFile || e instanceof PipeEnd) return e.flags;
        return O_RDWR | ((e instanceof Socket || e instanceof TtyFile) && e.nonblocking ? O_NONBLOCK : 0);
      case F_SETFL:
        if (e instanceof Socket || e instanceof TtyFile || e instanceof PipeEnd) e.nonblocking = (a & O_NONBLOCK) !== 0;
        else if (e instanceof VnodeFile) e.flags = (e.flags & ~(O_NONBLOCK | O_APPEND)) | (a & (O_NONBLOCK | O_APPEND));
        return 0; // other O_* flags are ignored, as Linux ignores the access mode bits
      case F_GETPIPE_SZ:
        if (!(e instanceof PipeEnd)) throw new SysError("EBADF", "fcntl", "fd: not a pipe");
        return PIPE_SIZE;
      case F_SETPIPE_SZ:
        if (!(e instanceof PipeEnd)) throw new SysError("EBADF", "fcntl", "fd: not a pipe");
        throw new SysError("EINVAL", "fcntl", "F_SETPIPE_SZ: sockstack's pipes keep Linux's default 65536 bytes");
      case F_GETFD:
        return this.#cloexec !== null && this.#cloexec.has(fd) ? FD_CLOEXEC : 0;
      case F_SETFD:
        this.#setCloexec(fd, (a & FD_CLOEXEC) !== 0);
        return 0;
      case F_DUPFD:
      case F_DUPFD_CLOEXEC: {
        if (a < 0 || a >= this.rlimitNofile) throw new SysError("EINVAL", "fcntl", `arg: the lowest new fd must be 0-${this.rlimitNofile - 1}, got ${a}`);
        let nfd = a;
        while (this.fds[nfd]) nfd++;
        if (nfd >= this.rlimitNofile) throw new SysError("EMFILE", "fcntl");
        this.#install(e, c === F_DUPFD_CLOEXEC, nfd);
        return nfd;
      }
    }
    throw new SysError("EINVAL", "fcntl", `cmd: ${c} is not a command sockstack implements (F_GETFL, F_SETFL, F_GETFD, F_SETFD, F_DUPFD, F_DUPFD_CLOEXEC, F_GETPIPE_SZ)`);
  }

  /**
   * ioctl(2): FIONREAD (bytes readable: a socket's queue, a pipe's bytes,
   * a file's bytes past the position), SIOCOUTQ (bytes unsent/unacked),
   * SIOCATMARK (TCP: 1 at the urgent mark), FIONBIO. Other requests on a file or pipe are ENOTTY.
   */
  ioctl<const R extends NameIn>(fd: number, request: CheckedName<R, IoctlRequestName>, arg: number | boolean = 0): number {
    const f = this.#entry(fd, "ioctl");
    if (f instanceof VnodeFile || f instanceof PipeEnd) return this.#fileIoctl(f, request, arg);
    const s = this.sock(fd, "ioctl");
    const r = typeof request === "string" && !IOCTL_REQUESTS.values.has(request.trim())
      ? (() => { throw new SysError("ENOTTY", "ioctl", `request: ${unknownNameReason(request.trim(), IOCTL_REQUESTS)}`); })()
      : argName(request, "ioctl", IOCTL_REQUESTS, "request");
    if (r === FIONBIO) {
      const on = typeof arg === "boolean" ? arg : argInt(arg, "ioctl", "arg") !== 0;
      s.nonblocking = on;
      return 0;
    }
    return s.ioctl(r);
  }

  #fileIoctl(f: VnodeFile | PipeEnd, request: unknown, arg: number | boolean): number {
    const r = typeof request === "string" ? IOCTL_REQUESTS.values.get(request.trim()) : request;
    if (r === FIONBIO) {
      f.nonblocking = typeof arg === "boolean" ? arg : argInt(arg, "ioctl", "arg") !== 0;
      return 0;
    }
    if (r === IOCTL_REQUESTS.values.get("FIONREAD")) {
      if (f instanceof PipeEnd) return f.pipe.queued;
      if (f.inode.type === "reg") return Math.max(0, f.inode.size - f.pos);
    }
    throw new SysError("ENOTTY", "ioctl");
  }

  /** dup(2): the lowest free fd referring to the same open file. */
  dup(fd: number): number {
    const e = this.#entry(fd, "dup");
    const nfd = this.#install(e, false);
    if (nfd < 0) throw new SysError("EMFILE", "dup");
    return nfd;
  }

  /** dup2(2): makes `newfd` refer to `oldfd`'s file, closing what it held. */
  async dup2(oldfd: number, newfd: number): Promise<number> {
    const e = this.#entry(oldfd, "dup2", "oldfd");
    if (argFd(newfd, "dup2", "newfd") < 0 || newfd >= this.rlimitNofile) throw new SysError("EBADF", "dup2");
    if (oldfd === newfd) return newfd;
    const old = this.fds[newfd];
    this.#install(e, false, newfd);
    if (old) await this.#unref(old);
    return newfd;
  }

  // ---- AF_UNIX ------------------------------------------------------------

  /**
   * socketpair(2): two connected AF_UNIX sockets (E7). `type` may carry
   * SOCK_NONBLOCK | SOCK_CLOEXEC. Other families give EOPNOTSUPP, as Linux.
   * @example const [a, b] = p.socketpair("AF_UNIX", "SOCK_STREAM");
   */
  socketpair<const D extends NameIn, const T extends FlagsIn, const P extends NameIn = 0>(
    domain: CheckedName<D, DomainName>, type: CheckedFlags<T, SockTypeName | SockFlagName>, protocol?: CheckedName<P, ProtocolName>,
  ): [number, number] {
    const sc = "socketpair";
    const d = argName(domain, sc, DOMAINS, "domain"), t = argFlags(type, sc, SOCK_TYPES, "type"), pr = argName(protocol ?? 0, sc, PROTOCOLS, "protocol");
    const base = t & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    const a = this.kernel.createSocket(d, base, pr);
    if (typeof a === "string") throw new SysError(a, sc);
    const b = this.kernel.createSocket(d, base, pr);
    if (typeof b === "string") throw new SysError(b, sc);
    const e = connectPair(a, b);
    if (e) {
      void a.release();
      void b.release();
      throw new SysError(e, sc);
    }
    const fa = this.#install(a, (t & SOCK_CLOEXEC) !== 0);
    const fb = fa < 0 ? -1 : this.#install(b, (t & SOCK_CLOEXEC) !== 0);
    if (fb < 0) {
      if (fa >= 0) void this.close(fa);
      else void a.release();
      void b.release();
      throw new SysError("EMFILE", sc);
    }
    if (t & SOCK_NONBLOCK) a.nonblocking = b.nonblocking = true;
    return [fa, fb];
  }

  /**
   * unlink(2): a file of the host's filesystem (EISDIR for a directory;
   * open fds keep reading it) or an AF_UNIX socket file (a bound path
   * outlives its socket until unlinked).
   */
  unlink(path: string): void {
    if (typeof path !== "string") throw new SysError("EFAULT", "unlink", `path: expected a string, got ${describe(path)}`);
    const fe = this.fs.unlink(path);
    if (fe !== "ENOENT") {
      if (fe) throw new SysError(fe, "unlink");
      return;
    }
    const e = this.kernel.unix ? this.kernel.unix.unlink(path) : "ENOENT";
    if (e) throw new SysError(e, "unlink");
  }

  // ---- files and pipes ----------------------------------------------------

  /** The filesystem this process sees (its host's). */
  get fs(): FileSystem {
    return this.kernel.fs ?? (this.#ownFs ??= new FileSystem());
  }
  #ownFs: FileSystem | null = null;

  /**
   * open(2): a file of the host's in-memory filesystem (`/tmp/…`,
   * `/dev/zero`, `/dev/null`; sys/fs.ts). `flags`: O_RDONLY / O_WRONLY /
   * O_RDWR with O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_NONBLOCK,
   * O_DIRECTORY, O_CLOEXEC (numbers or names, `"O_WRONLY|O_CREAT"`);
   * `mode` is accepted and ignored (no permissions). ENOENT, ENOTDIR,
   * EISDIR, EEXIST as Linux; a bound AF_UNIX path (a socket file) is ENXIO.
   * @example const fd = p.open("/tmp/data", "O_WRONLY|O_CREAT|O_TRUNC", 0o644);
   */
  open<const F extends FlagsIn>(path: string, flags: CheckedFlags<F, OpenFlagName>, mode = 0o666): number {
    const sc = "open";
    if (typeof path !== "string") throw new SysError("EFAULT", sc, `path: expected a string, got ${describe(path)}`);
    const f = argFlags(flags, sc, OPEN_FLAGS);
    argInt(mode, sc, "mode");
    if (f & ~OPEN_FLAGS_KNOWN) throw new SysError("EINVAL", sc, `flags: 0x${(f & ~OPEN_FLAGS_KNOWN).toString(16)} is not an open flag sockstack implements`);
    if (path.includes("\0")) throw new SysError("EINVAL", sc, "path: contains a NUL byte");
    if (this.#lowestFree() >= this.rlimitNofile) throw new SysError("EMFILE", sc);
    // A socket file (bound AF_UNIX path, live or stale): Linux's open gives ENXIO (no device behind it),
    // EEXIST under O_CREAT|O_EXCL, ENOTDIR under O_DIRECTORY (measured on 6.18).
    if (this.kernel.unix?.lookup(path)) {
      throw new SysError(f & O_CREAT && f & O_EXCL ? "EEXIST" : f & O_DIRECTORY ? "ENOTDIR" : "ENXIO", sc);
    }
    const file = this.fs.open(path, f);
    if (typeof file === "string") throw new SysError(file, sc);
    return this.installFile(file, sc, (f & O_CLOEXEC) !== 0);
  }

  #vnode(fd: number, syscall: string): VnodeFile {
    const f = this.#entry(fd, syscall);
    if (f instanceof PipeEnd) throw new SysError("ESPIPE", syscall);
    if (!(f instanceof VnodeFile)) throw new SysError(f instanceof Socket ? "ESPIPE" : "EINVAL", syscall);
    return f;
  }

  /** pread(2): up to `n` bytes at `offset`, the file position untouched (ESPIPE on a pipe or socket). */
  async pread(fd: number, n: number, offset: number): Promise<Uint8Array> {
    const sc = "pread";
    const f = this.#vnode(fd, sc);
    n = argLength(n, sc);
    if (argInt(offset, sc, "offset") < 0) throw new SysError("EINVAL", sc, `offset: negative (${offset})`);
    if (!f.readable) throw new SysError("EBADF", sc);
    return fileResult(f.readAt(offset, n), sc);
  }

  /** pwrite(2): `data` at `offset` (at the end under O_APPEND, as Linux), the file position untouched. */
  async pwrite(fd: number, data: SendData, offset: number): Promise<number> {
    const sc = "pwrite";
    const f = this.#vnode(fd, sc);
    const b = argData(data, sc);
    if (argInt(offset, sc, "offset") < 0) throw new SysError("EINVAL", sc, `offset: negative (${offset})`);
    if (!f.writable) throw new SysError("EBADF", sc);
    return fileResult(f.writeAt(offset, b), sc);
  }

  /**
   * lseek(2): moves the file position (SEEK_SET / SEEK_CUR / SEEK_END,
   * numbers or names) and returns it; a position past the end reads as a
   * hole of zeros once written beyond. ESPIPE on a pipe or socket, EINVAL
   * for a bad whence or a negative result; /dev/zero and /dev/null stay at 0.
   */
  lseek<const W extends NameIn>(fd: number, offset: number, whence: CheckedName<W, WhenceName>): number {
    const sc = "lseek";
    const f = this.#entry(fd, sc);
    if (f instanceof PipeEnd || f instanceof Socket) throw new SysError("ESPIPE", sc);
    argInt(offset, sc, "offset");
    const w = argName(whence, sc, WHENCES, "whence");
    if (!(f instanceof VnodeFile)) throw new SysError("ESPIPE", sc);
    return fileResult(f.lseek(offset, w), sc);
  }

  /** fstat(2): type, inode, links and size of what `fd` refers to. */
  fstat(fd: number): Stat {
    const f = this.#entry(fd, "fstat");
    if (f instanceof VnodeFile) {
      const i = f.inode;
      const mode = i.type === "reg" ? 0o100644 : i.type === "dir" ? 0o40755 : 0o20666;
      return { st_mode: mode, st_ino: i.ino, st_nlink: i.nlink, st_size: f.size };
    }
    if (f instanceof PipeEnd) return { st_mode: 0o10600, st_ino: f.pipe.ino, st_nlink: 1, st_size: 0 };
    if (f instanceof Socket) return { st_mode: 0o140777, st_ino: f.inode, st_nlink: 1, st_size: 0 };
    if (f instanceof TtyFile) return { st_mode: 0o20620, st_ino: 3, st_nlink: 1, st_size: 0 };
    return { st_mode: 0o600, st_ino: 0, st_nlink: 1, st_size: 0 }; // an anonymous inode (epoll)
  }

  /**
   * pipe(2): `[readFd, writeFd]`, a 65536-byte pipe between them (sys/pipe.ts).
   * @example const [r, w] = p.pipe(); await p.write(w, "hi"); await p.read(r, 10);
   */
  pipe(): [number, number] {
    return this.#pipe(0, "pipe");
  }

  /** pipe2(2) with O_NONBLOCK and O_CLOEXEC (numbers or names); other flags are EINVAL. */
  pipe2<const F extends FlagsIn = 0>(flags?: CheckedFlags<F, Pipe2FlagName>): [number, number] {
    return this.#pipe(argFlags(flags, "pipe2", PIPE2_FLAGS), "pipe2");
  }

  #pipe(flags: number, sc: string): [number, number] {
    if (flags & ~(O_NONBLOCK | O_CLOEXEC)) throw new SysError("EINVAL", sc, `flags: only O_NONBLOCK and O_CLOEXEC, got 0x${(flags >>> 0).toString(16)}`);
    if (this.#lowestFree() >= this.rlimitNofile) throw new SysError("EMFILE", sc);
    const pipe = new Pipe(this.kernel.ctx, this.kernel.ctx.allocInode());
    const nb = (flags & O_NONBLOCK) !== 0;
    const r = new PipeEnd(pipe, "read", nb);
    const w = new PipeEnd(pipe, "write", nb);
    const cloexec = (flags & O_CLOEXEC) !== 0;
    const fr = this.installFile(r, sc, cloexec);
    const fw = this.#install(w, cloexec);
    if (fw < 0) {
      void this.close(fr);
      w.release();
      throw new SysError("EMFILE", sc);
    }
    return [fr, fw];
  }

  /**
   * sendfile(2): copies up to `count` bytes of the regular file `in_fd`
   * into `out_fd` (a socket, a pipe or a file) without a user buffer.
   * `offset`: null reads at the file position and advances it; a number or
   * `[n]` reads from there and leaves the position (`[n]` is updated to
   * past the last byte sent, as C's pointer). Into a socket it is a send
   * (blocking unless the socket is non-blocking); the returned count may
   * be short at the end of the file. See sys/splice.ts for the errnos.
   * @example const f = p.open("/tmp/data", "O_RDONLY"); const off: [number] = [0]; await p.sendfile(fd, f, off, 5); // off[0] === 5 after 5 bytes
   */
  async sendfile(out_fd: number, in_fd: number, offset: FileOffset, count: number): Promise<number> {
    const sc = "sendfile";
    const inp = this.#entry(in_fd, sc, "in_fd");
    const off = argOffset(offset, sc, "offset");
    const n = argLength(count, sc, "count");
    const out = this.#entry(out_fd, sc, "out_fd");
    const r = await doSendfile(out, inp, off, n, sc);
    if (Array.isArray(offset) && r.offset !== null) offset[0] = r.offset;
    return r.n;
  }

  /**
   * splice(2): moves up to `len` bytes between a pipe and another file
   * (socket ↔ pipe, file ↔ pipe, pipe → pipe). `off_in` / `off_out`: null,
   * or for a regular file a number or an updated `[n]`; an offset on a
   * pipe is ESPIPE. `flags`: SPLICE_F_NONBLOCK (the pipe side does not
   * block), SPLICE_F_MORE (MSG_MORE on a socket), SPLICE_F_MOVE, SPLICE_F_GIFT.
   * From TCP it stops before the urgent byte: with the urgent byte next it
   * returns 0 at once, as Linux (sys/splice.ts).
   * @example const [r, w] = p.pipe(); await p.splice(fd, null, w, null, 4096, "SPLICE_F_MORE"); await p.read(r, 4096);
   */
  async splice<const F extends FlagsIn = 0>(
    fd_in: number, off_in: FileOffset, fd_out: number, off_out: FileOffset, len: number, flags?: CheckedFlags<F, SpliceFlagName>,
  ): Promise<number> {
    const sc = "splice";
    const inp = this.#entry(fd_in, sc, "fd_in");
    const out = this.#entry(fd_out, sc, "fd_out");
    const oi = argOffset(off_in, sc, "off_in");
    const oo = argOffset(off_out, sc, "off_out");
    const n = argLength(len, sc, "len");
    const r = await doSplice(inp, oi, out, oo, n, argFlags(flags, sc, SPLICE_FLAGS), sc);
    if (Array.isArray(off_in) && r.offIn !== null) off_in[0] = r.offIn;
    if (Array.isArray(off_out) && r.offOut !== null) off_out[0] = r.offOut;
    return r.n;
  }

  // ---- names (netdb) -------------------------------------------------------

  /** gethostname(2): the host's name. */
  gethostname(): string {
    return this.kernel.ctx.hostName;
  }

  /**
   * getaddrinfo(3), Python-shaped: `getaddrinfo(host, port, family?, type?,
   * protocol?, flags?)` → `[{ family, type, protocol, canonname, addr }]`,
   * looked up in the network's hosts table at once (no DNS packets, no
   * time passes). Unknown names throw a {@link GaiError}
   * (`getaddrinfo: Name or service not known`, EAI_NONAME). See sys/netdb.ts.
   * @example const [ai] = p.getaddrinfo("server", 80, "AF_INET", "SOCK_STREAM"); await p.connect(fd, ai.addr);
   */
  getaddrinfo<const D extends NameIn = 0, const T extends NameIn = 0>(
    host: string | null, port: number | string | null, family?: CheckedName<D, DomainName>, type?: CheckedName<T, SockTypeName>, protocol: NameIn = 0, flags = 0,
  ): AddrInfo[] {
    const sc = "getaddrinfo";
    const k = this.kernel;
    return getaddrinfo(this.#hosts, host, port, {
      family: argName(family ?? 0, sc, DOMAINS, "family"),
      type: argName(type ?? 0, sc, SOCK_TYPES, "type"),
      protocol: argName(protocol, sc, PROTOCOLS, "protocol"),
      flags: argInt(flags, sc, "flags"),
    }, sc, k.reachable ? (f, a) => k.reachable!(f, a) : undefined, k.addrconfig ? () => k.addrconfig!() : undefined);
  }

  /** gethostbyname(3) in Python's form: the first IPv4 address of `name` ("10.0.0.2"); GaiError EAI_NONAME when unknown. */
  gethostbyname(name: string): string {
    return gethostbyname(this.#hosts, name);
  }

  // ---- helpers of E3 ------------------------------------------------------

  /**
   * Sends all of `data`, looping over short writes (Python's sendall, E3).
   * Returns when every byte is in the send buffer — not when the peer has it.
   */
  async sendall<const F extends FlagsIn = 0>(fd: number, data: SendData, flags?: CheckedFlags<F, MsgFlagName>): Promise<void> {
    const b = argData(data, "sendall");
    const fl = argFlags(flags, "sendall", MSG_FLAGS);
    let off = 0;
    do off += await this.send(fd, off ? b.subarray(off) : b, fl);
    while (off < b.length);
  }

  /**
   * Receives exactly `n` bytes (looping over short reads); fewer only when
   * the peer closes first (then what arrived is returned, E4). The pieces
   * are joined at the end, so a large `n` costs what arrives, not `n`.
   * With MSG_PEEK nothing is consumed, so looping could never progress: it
   * is one `recv(n, MSG_PEEK | MSG_WAITALL)` — TCP waits until `n` bytes are
   * queued (or EOF), AF_UNIX stream returns what is queued, a datagram
   * socket the next datagram (as the same call in C does on Linux).
   */
  async recvExactly<const F extends FlagsIn = 0>(fd: number, n: number, flags?: CheckedFlags<F, MsgFlagName>): Promise<Uint8Array> {
    n = argLength(n, "recvExactly");
    const f = argFlags(flags, "recvExactly", MSG_FLAGS);
    if (f & MSG_PEEK) return this.recv(fd, n, f | MSG_WAITALL);
    // On the terminal (fd 0): read(2) instead, as Python's sys.stdin.buffer.read(n) does.
    const recv = this.fds[fd] instanceof TtyFile ? (k: number) => this.read(fd, k) : (k: number) => this.recv(fd, k, f);
    const first = await recv(n);
    if (first.length === n || first.length === 0) return first;
    const parts = [first];
    let got = first.length;
    while (got < n) {
      const d = await recv(n - got);
      if (d.length === 0) break;
      parts.push(d);
      got += d.length;
    }
    return joinBytes(parts, got);
  }

  /**
   * Reads up to and including the next "\n" (at most `max` bytes), via
   * MSG_PEEK on a socket; on the terminal (fd 0) with read(2), which gives
   * one line at a time. "" at end of stream (or of input).
   */
  async recvLine(fd: number, max = 65536): Promise<string> {
    max = argLength(max, "recvLine", "max");
    const dec = new TextDecoder();
    let line = "";
    let left = max;
    if (this.fds[fd] instanceof TtyFile) {
      while (left > 0) {
        const d = await this.read(fd, left);
        if (d.length === 0) break;
        line += dec.decode(d, { stream: true });
        left -= d.length;
        if (d[d.length - 1] === 10) break;
      }
      return line + dec.decode();
    }
    while (left > 0) {
      const peek = await this.recv(fd, left, MSG_PEEK);
      if (peek.length === 0) {
        // End of stream — or an empty datagram, which a peek leaves queued: take it, so a
        // loop over recvLine progresses (recv of 0 bytes consumes a datagram, touches no stream).
        await this.recv(fd, 0);
        break;
      }
      const nl = peek.indexOf(10);
      const take = nl >= 0 ? nl + 1 : peek.length;
      const d = await this.recv(fd, take);
      line += dec.decode(d, { stream: true });
      left -= d.length;
      if (nl >= 0) break;
    }
    return line + dec.decode();
  }

  // ---- multiplexing (E8) ---------------------------------------------------

  #pollable = (fd: number) => (Number.isInteger(fd) && fd >= 0 ? this.fds[fd] ?? undefined : undefined);

  /**
   * poll(2): fills `revents` of each entry; returns how many are non-zero.
   * `events` as bits or names (`"POLLIN|POLLOUT"`); `timeout` in ms,
   * negative or null = forever, 0 = just look.
   * @example const fds: PollFd[] = [{ fd, events: POLLIN }]; await p.poll(fds, 1000); fds[0]!.revents! & POLLIN
   */
  async poll(fds: PollFd[], timeout: number | null = -1): Promise<number> {
    const sc = "poll";
    if (!Array.isArray(fds)) throw new SysError("EFAULT", sc, `fds: expected an array of { fd, events }, got ${describe(fds)}`);
    const tmo = argTimeoutMs(timeout, sc);
    // Checked copies with numeric events (names are resolved here), revents copied back.
    const entries: PollFd[] = fds.map((e, i) => {
      if (typeof e !== "object" || e === null) throw new SysError("EFAULT", sc, `fds[${i}]: expected { fd, events }, got ${describe(e)}`);
      return { fd: argInt(e.fd, sc, `fds[${i}].fd`), events: argFlags(e.events, sc, POLL_EVENTS, `fds[${i}].events`) };
    });
    try {
      return await doPoll(this.kernel.ctx, this.#pollable, entries, tmo, this.rlimitNofile);
    } finally {
      entries.forEach((e, i) => (fds[i]!.revents = e.revents ?? 0));
    }
  }

  /**
   * select(2): `nfds` is the highest fd + 1; each set is replaced by its
   * ready fds (copy a set you reuse: `all.copy()`); returns their total
   * count. `timeout`: null waits forever; a `{ tv_sec, tv_usec }` is updated
   * to the time left (Linux); a number is seconds (Python); zero in either
   * form returns at once.
   * @example const r = FdSet.of(lfd, cfd); await p.select(Math.max(lfd, cfd) + 1, r, null, null, null);
   */
  async select(nfds: number, readfds: FdSet | null, writefds: FdSet | null, exceptfds: FdSet | null, timeout: SelectTimeout | number | null = null): Promise<number> {
    const sc = "select";
    argInt(nfds, sc, "nfds");
    for (const [name, set] of [["readfds", readfds], ["writefds", writefds], ["exceptfds", exceptfds]] as const) {
      if (set !== null && set !== undefined && !(set instanceof FdSet)) throw new SysError("EFAULT", sc, `${name}: expected an FdSet or null, got ${describe(set)}`);
    }
    if (typeof timeout === "number") {
      // Seconds, as Python's select.select takes them: 0 polls and returns at once.
      if (Number.isNaN(timeout)) throw new SysError("EINVAL", sc, "timeout: NaN");
      timeout = timeout === Infinity ? null : timeout < 0 ? { tv_sec: -1, tv_usec: 0 } : { tv_sec: Math.floor(timeout), tv_usec: Math.round((timeout % 1) * 1e6) };
    } else if (timeout !== null && timeout !== undefined) {
      if (typeof timeout !== "object") throw new SysError("EFAULT", sc, `timeout: expected { tv_sec, tv_usec }, seconds or null, got ${describe(timeout)}`);
      if (typeof timeout.tv_sec !== "number" || typeof timeout.tv_usec !== "number" || Number.isNaN(timeout.tv_sec) || Number.isNaN(timeout.tv_usec)) {
        throw new SysError("EINVAL", sc, "timeout: tv_sec and tv_usec must be numbers");
      }
    }
    const maxFds = Math.max(64, Math.ceil(this.fds.length / 64) * 64);
    return doSelect(this.kernel.ctx, this.#pollable, nfds, readfds ?? null, writefds ?? null, exceptfds ?? null, timeout ?? null, maxFds);
  }

  /**
   * Python's `select.select(rlist, wlist, xlist, timeout)`: lists in, lists
   * of ready fds out; `timeout` in seconds, null = forever. An fd ≥ 1024
   * throws a RangeError (Python: ValueError "filedescriptor out of range").
   */
  async selectLists(rlist: readonly number[], wlist: readonly number[], xlist: readonly number[], timeout: number | null = null): Promise<[number[], number[], number[]]> {
    for (const [name, l] of [["rlist", rlist], ["wlist", wlist], ["xlist", xlist]] as const) {
      if (!Array.isArray(l)) throw new SysError("EFAULT", "select", `${name}: expected an array of fds, got ${describe(l)}`);
      l.forEach((fd, i) => argFd(fd, "select", `${name}[${i}]`));
    }
    if (timeout !== null && (typeof timeout !== "number" || Number.isNaN(timeout))) throw new SysError("EINVAL", "select", `timeout: expected seconds or null, got ${describe(timeout)}`);
    const r = FdSet.of(...rlist), w = FdSet.of(...wlist), x = FdSet.of(...xlist);
    const nfds = Math.max(-1, ...rlist, ...wlist, ...xlist) + 1;
    await this.select(Math.min(nfds, FD_SETSIZE), r, w, x, timeout);
    return [rlist.filter((fd) => r.isSet(fd)), wlist.filter((fd) => w.isSet(fd)), xlist.filter((fd) => x.isSet(fd))];
  }

  /** epoll_create(2): `size` must be positive and is otherwise ignored. */
  epoll_create(size = 1): number {
    if (!(argInt(size, "epoll_create", "size") > 0)) throw new SysError("EINVAL", "epoll_create", `size: must be positive, got ${size}`);
    return this.#epollCreate(0, "epoll_create");
  }

  /** epoll_create1(2) with 0 or EPOLL_CLOEXEC. */
  epoll_create1<const F extends FlagsIn = 0>(flags?: CheckedFlags<F, EpollCreateFlagName>): number {
    return this.#epollCreate(flags, "epoll_create1");
  }

  #epollCreate(flags: unknown, syscall: string): number {
    const f = argFlags(flags, syscall, EPOLL_CREATE_FLAGS);
    if (f & ~EPOLL_CLOEXEC) throw new SysError("EINVAL", syscall);
    return this.installFile(new EpollFile(this.kernel.ctx), syscall, (f & EPOLL_CLOEXEC) !== 0);
  }

  /**
   * epoll_ctl(2): `op` EPOLL_CTL_ADD / MOD / DEL (or its name); `event.events`
   * a number or names (`"EPOLLIN|EPOLLET"`); `event.data` defaults to `fd`.
   * @example p.epoll_ctl(ep, "EPOLL_CTL_ADD", lfd, { events: EPOLLIN });
   */
  epoll_ctl<T = number, const O extends NameIn = NameIn, const E extends FlagsIn = number>(
    epfd: number, op: CheckedName<O, EpollOpName>, fd: number, event?: { events: CheckedFlags<E, EpollEventName>; data?: T } | null,
  ): void {
    const sc = "epoll_ctl";
    const ep = this.#entry(epfd, sc, "epfd");
    const target = this.#entry(fd, sc);
    // Linux: a file without a poll method (a regular file, a directory, /dev/null) cannot be watched.
    if (target instanceof VnodeFile) throw new SysError("EPERM", sc, "fd: a regular file or device cannot be watched by epoll");
    if (!(ep instanceof EpollFile)) throw new SysError("EINVAL", sc, "epfd: not an epoll instance");
    const o = argName(op, sc, EPOLL_OPS, "op");
    if (event !== null && event !== undefined && typeof event !== "object") throw new SysError("EFAULT", sc, `event: expected { events, data? } or null, got ${describe(event)}`);
    const ev = event ? { events: argFlags(event.events, sc, EPOLL_EVENTS, "event.events", NaN), data: event.data === undefined ? fd : event.data } : null;
    if (ev && Number.isNaN(ev.events)) throw new SysError("EINVAL", sc, "event.events: missing");
    ep.ctl(o, fd, target, ev);
  }

  /**
   * epoll_wait(2): up to `maxevents` ready events; `timeout` ms, negative =
   * forever, 0 = just look. Each event carries the `data` given to epoll_ctl.
   */
  async epoll_wait<T = number>(epfd: number, maxevents: number, timeout: number | null = -1): Promise<EpollEvent<T>[]> {
    const sc = "epoll_wait";
    const ep = this.#entry(epfd, sc, "epfd");
    if (!(ep instanceof EpollFile)) throw new SysError("EINVAL", sc, "epfd: not an epoll instance");
    if (argInt(maxevents, sc, "maxevents") <= 0) throw new SysError("EINVAL", sc, `maxevents: must be positive, got ${maxevents}`);
    return ep.wait<T>(maxevents, argTimeoutMs(timeout, sc));
  }

  // ---- limits ---------------------------------------------------------------

  /** getrlimit(2) for RLIMIT_NOFILE (the only resource modelled). */
  getrlimit(resource: "RLIMIT_NOFILE" | 7 = "RLIMIT_NOFILE"): { soft: number; hard: number } {
    if (resource !== "RLIMIT_NOFILE" && resource !== 7) throw new SysError("EINVAL", "getrlimit", `resource: only RLIMIT_NOFILE (7) is modelled, got ${describe(resource)}`);
    return { soft: this.rlimitNofile, hard: this.rlimitNofileHard };
  }

  /**
   * setrlimit(2) for RLIMIT_NOFILE: soft ≤ hard (else EINVAL), hard ≤ fs.nr_open
   * (else EPERM). Lowering it closes nothing; new fds must fit under it.
   */
  setrlimit(resource: "RLIMIT_NOFILE" | 7, limit: { soft: number; hard?: number }): void {
    if (resource !== "RLIMIT_NOFILE" && resource !== 7) throw new SysError("EINVAL", "setrlimit", `resource: only RLIMIT_NOFILE (7) is modelled, got ${describe(resource)}`);
    if (typeof limit !== "object" || limit === null) throw new SysError("EFAULT", "setrlimit", `limit: expected { soft, hard? }, got ${describe(limit)}`);
    const hard = limit.hard ?? this.rlimitNofileHard;
    argInt(limit.soft, "setrlimit", "limit.soft");
    argInt(hard, "setrlimit", "limit.hard");
    if (!(limit.soft >= 0) || limit.soft > hard) throw new SysError("EINVAL", "setrlimit", `limit: need 0 ≤ soft ≤ hard, got soft ${limit.soft}, hard ${hard}`);
    if (hard > NR_OPEN) throw new SysError("EPERM", "setrlimit");
    this.rlimitNofile = limit.soft;
    this.rlimitNofileHard = hard;
  }

  // ---- processes and threads (H2, H3) -------------------------------------

  /**
   * Runs `main` as this process's program: its return value is kept in
   * {@link Process.returnValue} and, when a number, is the exit status
   * (anything else exits 0); an uncaught error ends the process with
   * status 1 and lists it in the host's `crashed` (see {@link Process.crash}).
   * (Host.spawn does this for new programs; fork uses it for the child.)
   */
  run(main: (p: Process) => unknown): void {
    Promise.resolve()
      .then(() => main(this))
      .then(
        (value) => {
          if (this.exited) return;
          this.returnValue = value;
          return this.exit(typeof value === "number" ? value : 0);
        },
        (err) => this.crash(err),
      );
  }

  /**
   * Ends the process because of an uncaught error (a crashed program, a
   * thread that threw with nobody joining it, a spin): status 1, `error`
   * kept, the process listed in the host's `crashed` for `net.run()` to
   * report. No-op once exited.
   */
  crash(err: unknown): Promise<void> {
    if (this.exited) return Promise.resolve();
    this.error = err;
    this.kernel.crashed?.push(this);
    return this.exit(1);
  }

  /**
   * kill(2) from outside: ends the process at once with SIGKILL's status
   * (128 + 9 = 137, what a shell prints for a killed program); every fd is
   * closed as on exit, and its blocked and future calls never return (its
   * code never runs again). Only SIGKILL and SIGTERM are modelled, and both
   * end the process (no handlers).
   */
  kill(signal: "SIGKILL" | "SIGTERM" = "SIGKILL"): Promise<void> {
    if (this.exited) return Promise.resolve();
    this.termSignal = signal;
    return this.exit(128 + (signal === "SIGKILL" ? 9 : 15));
  }

  /**
   * fork(2): a child process with a copy of this fd table — every open
   * file shared, reference counts raised — runs `child` (which receives the
   * child Process). Returns the child's pid in the parent. As in C, the
   * child should close the listening fd and the parent the connection fd
   * (H3); a connection closes only when its last fd in any process closes.
   * @example
   * const pid = p.fork(async (c) => {
   *   await c.close(lfd);
   *   // … serve cfd …
   *   return 0;
   * });
   * await p.close(cfd);
   */
  fork(child: (c: Process) => unknown): number {
    argFunction(child, "fork", "child");
    if (this.exited) throw new SysError("ESRCH", "fork");
    const c = this.kernel.createProcess(this.name, this.pid);
    for (const f of c.fds) if (f) f.refs--; // drop the fresh terminal, take the parent's table
    c.fds.length = 0;
    c.#cloexec = null;
    c.#freeHint = 0;
    c.rlimitNofile = this.rlimitNofile;
    c.rlimitNofileHard = this.rlimitNofileHard;
    this.fds.forEach((f, fd) => {
      if (f) c.#install(f, this.#cloexec !== null && this.#cloexec.has(fd), fd);
    });
    c.#tty = this.#tty;
    c.#parent = this;
    this.children.push(c);
    c.run(child);
    return c.pid;
  }

  /** wait(2): reaps any child, waiting for one to exit; ECHILD without children. */
  async wait(): Promise<{ pid: number; status: number }> {
    const r = await this.waitpid(-1, 0, "wait");
    return r!;
  }

  /**
   * waitpid(2): reaps child `pid` (−1 = any). With WNOHANG returns null when
   * none has exited yet. `status` is the exit code (what WEXITSTATUS gives).
   */
  async waitpid(pid: number, options: number | "WNOHANG" = 0, syscall = "waitpid"): Promise<{ pid: number; status: number } | null> {
    argInt(pid, syscall, "pid");
    options = argFlags(options, syscall, WAIT_OPTIONS, "options");
    for (;;) {
      const mine = this.children.filter((c) => pid === -1 || pid === 0 || c.pid === pid);
      if (mine.length === 0) throw new SysError("ECHILD", syscall);
      const z = mine.find((c) => c.exited);
      if (z) {
        this.children.splice(this.children.indexOf(z), 1);
        return { pid: z.pid, status: z.exitCode! };
      }
      if (options & WNOHANG) return null;
      await new Promise<void>((resolve) => this.#childWaiters.push(resolve));
    }
  }

  /**
   * A SIGCHLD handler: called (after the child's exit) with its pid —
   * seed 4's reaper calls `waitpid(-1, WNOHANG)` from here. Pass null to reset.
   */
  signal(sig: "SIGCHLD", handler: ((pid: number) => void) | null): void {
    if (sig !== "SIGCHLD" && sig !== 17) throw new SysError("EINVAL", "signal", `sig: only SIGCHLD is modelled, got ${describe(sig)}`);
    if (handler !== null) argFunction(handler, "signal", "handler");
    this.#sigchld = handler;
  }

  #childExited(c: Process): void {
    const ws = this.#childWaiters.splice(0);
    for (const w of ws) w();
    if (ws.length) this.kernel.ctx.notifyWake();
    const h = this.#sigchld;
    if (h) queueMicrotask(() => h(c.pid));
  }

  /**
   * pthread_create: runs `main` concurrently in this process. Threads share
   * the fd table and every open file; each blocks only itself in a syscall.
   * @example const t = p.thread(async (q) => q.recv(cfd, 100)); await t.join();
   */
  thread(main: (p: Process) => unknown, name = `${this.name}:${this.threads.length + 1}`): Thread {
    argFunction(main, "pthread_create", "main");
    const id = this.threads.length + 1;
    const tid = this.kernel.allocPid?.() ?? this.pid * 1000 + id;
    let done = false;
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown } | null = null;
    const joiners: (() => void)[] = [];
    const view = threadView(this, tid);
    Promise.resolve()
      .then(() => main(view))
      .then(
        (value) => (outcome = { ok: true, value }),
        (error) => (outcome = { ok: false, error }),
      )
      .then(() => {
        done = true;
        const js = joiners.splice(0);
        for (const j of js) j();
        if (js.length) this.kernel.ctx.notifyWake();
        // Linux: a thread that crashes takes its process with it. An error nobody
        // is waiting for in join() is that crash (it is not silently dropped).
        else if (outcome && !outcome.ok) void this.crash(outcome.error);
      });
    const t: Thread = {
      id,
      tid,
      name,
      get done() {
        return done;
      },
      join: async () => {
        if (!done) await new Promise<void>((r) => joiners.push(r));
        const o = outcome!;
        if (!o.ok) throw o.error;
        return o.value;
      },
    };
    this.threads.push(t);
    return t;
  }

  /**
   * Exits: closes every fd (F4's leak ends here), records the status,
   * wakes a parent blocked in wait, and hands live children to init.
   */
  async exit(code = 0): Promise<void> {
    argInt(code, "exit", "status");
    if (this.exited) return;
    this.exitCode = code;
    const open = this.fds.filter((f): f is OpenFile => !!f);
    this.fds.length = 0;
    this.#cloexec = null;
    this.#freeHint = 0;
    for (const f of open) await this.#unref(f);
    for (const c of this.children) c.#parent = null;
    this.kernel.processExited(this);
    const parent = this.#parent;
    if (parent && !parent.exited) parent.#childExited(this);
    this.kernel.traceExit?.(this, code, this.termSignal);
    const ws = this.#exitWaiters;
    this.#exitWaiters = null;
    if (ws) {
      for (const w of ws) w();
      this.kernel.ctx.notifyWake();
    }
  }
}

// Every system call passes the syscall boundary (strace, the spin detector, parked calls of dead processes).
const ORIGINALS = installSyscallBoundary(Process.prototype);

/**
 * The Process a thread's `main` receives: the same process (fd table, every
 * field) whose system calls are made as thread `tid`, so strace and the
 * pending list of `net.run()` say which thread called. (Calls made through
 * the process object captured in a closure count as the main thread's.)
 */
function threadView(p: Process, tid: number): Process {
  const calls = new Map<PropertyKey, unknown>();
  return new Proxy(p, {
    get(target, key) {
      const spec = typeof key === "string" ? SYSCALLS[key] : undefined;
      if (spec) {
        let f = calls.get(key);
        if (!f) {
          const orig = ORIGINALS.get(key as string)!;
          f = (...args: unknown[]) => syscall(target, tid, key as string, orig, spec, args);
          calls.set(key, f);
        }
        return f;
      }
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
    set(target, key, value) {
      return Reflect.set(target, key, value, target);
    },
  });
}

/** Waits once for a wake-up of a file's wait queue. */
function waitFile(kernel: Kernel, f: TtyFile): Promise<boolean> {
  return waitMany(kernel.ctx, [{ file: f, mask: POLLIN }], -1);
}

/** A file operation's result: the value, or its errno thrown under the call's name. */
function fileResult<T extends number | Uint8Array>(r: T | ErrnoCode, syscall: string): T {
  if (typeof r === "string") throw new SysError(r as ErrnoCode, syscall);
  return r;
}

/** A {@link FileOffset} argument → the offset or null; EFAULT for anything else, EINVAL when negative. */
function argOffset(v: unknown, sc: string, name: string): number | null {
  if (v === null || v === undefined) return null;
  const n = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (typeof n !== "number" || !Number.isInteger(n)) throw new SysError("EFAULT", sc, `${name}: expected null, an offset or [offset], got ${describe(v)}`);
  if (n < 0) throw new SysError("EINVAL", sc, `${name}: negative (${n})`);
  return n;
}
