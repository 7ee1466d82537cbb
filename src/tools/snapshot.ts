/**
 * A host snapshot: plain data describing everything the observability
 * views print — sockets (TCP listeners and connections, SYN-queue request
 * socks as `SYN-RECV` entries, UDP sockets) with their queues, timers,
 * owners and `tcp_info`, the processes with their fd tables, and the SNMP
 * counters. `ss`, `netstat`, `lsof` and `nstat` are pure functions of
 * snapshots, so a snapshot can be stored, diffed, sent to a browser or
 * printed later.
 *
 * Value semantics follow Linux's inet_diag (what `ss` reads):
 * - LISTEN: `recvQ` = accept-queue length (sk_ack_backlog), `sendQ` =
 *   backlog (sk_max_ack_backlog);
 * - other TCP states: `recvQ` = bytes received and not read (rcv_nxt −
 *   copied_seq), `sendQ` = bytes written and not acknowledged (write_seq −
 *   snd_una, which counts an unacknowledged SYN or FIN as 1 — a SYN-SENT
 *   socket shows Send-Q 1);
 * - TIME-WAIT and request socks: 0 and 0;
 * - UDP: `recvQ` = memory charged for queued datagrams (sk_rmem_alloc).
 * - `mem.rmemAlloc` (`ss -m` skmem r) is sk_rmem_alloc: for TCP the
 *   truesize of the receive and out-of-order queues (docs/memory.md);
 *   `mem.wmemQueued` (skmem w) is sk_wmem_queued: the send buffer's
 *   unacknowledged payload plus each Linux skb's overhead (send-skbs.ts),
 *   `mem.sndbuf` (tb) sk_sndbuf.
 *
 * Timers (inet_diag idiag_timer): one per socket, by priority —
 * retransmit `on`, zero-window probe `persist`, keepalive `keepalive`;
 * TIME-WAIT (and an orphaned FIN-WAIT-2, which Linux keeps as a timewait
 * sock) `timewait`; a request sock's SYN-ACK timer `on`. The delayed-ACK
 * timer is never shown.
 *
 * @example
 * const snap = snapshot(host);
 * ss(snap, "-tanpoi");
 */
import type { CounterGroup } from "../core/counters.js";
import type { Micros } from "../core/time.js";
import type { Host } from "../host/host.js";
import { DgramSocket } from "../socket/dgram-socket.js";
import { StreamSocket } from "../socket/stream-socket.js";
import { Socket } from "../socket/socket.js";
import { UnixDgramSocket } from "../socket/unix-dgram-socket.js";
import { UnixSocket } from "../socket/unix-socket.js";
import { UnixStreamSocket } from "../socket/unix-stream-socket.js";
import { EpollFile } from "../sys/epoll.js";
import { VnodeFile } from "../sys/fs.js";
import { PipeEnd } from "../sys/pipe.js";
import type { RequestSock } from "../tcp/listener.js";
import type { Tcb } from "../tcp/tcb.js";
import { tcpInfo, type TcpInfo } from "../tcp/tcp-info.js";
import { TimeWaitSock } from "../tcp/timewait.js";
import { TcpState } from "../tcp/tcp-state.js";
import type { UdpSock } from "../udp/udp-sock.js";
import { anyAddressOf, formatInetAddress, isAnyAddress, type InetAddress } from "../net/inet-address.js";
import { formatIpv6Address, v4Mapped } from "../wire/ipv6-address.js";

/** An address as a socket names it: an AF_INET6 socket's IPv4 endpoints in their mapped form (`::ffff:10.0.0.1`). */
function formatAddr(a: InetAddress, inet6: boolean): string {
  return inet6 && typeof a === "number" ? formatIpv6Address(v4Mapped(a)) : formatInetAddress(a);
}

/** The peer address as ss prints it: an unset peer in the local address's family (`::` beside an IPv6 local address). */
function formatPeer(local: InetAddress, remote: InetAddress, inet6: boolean): string {
  return formatAddr(isAnyAddress(remote) ? anyAddressOf(local) : remote, inet6);
}

/** The kind of timer `ss -o` shows (`timer:(on,200ms,0)`). */
export type TimerKind = "on" | "keepalive" | "timewait" | "persist";

/** The pending timer of a socket. */
export interface TimerSnapshot {
  kind: TimerKind;
  /** Milliseconds until it fires (≥ 0). */
  expiresMs: number;
  /** Retransmissions (for `on`) or unanswered probes (keepalive, persist). */
  retrans: number;
}

/** A process holding a socket through one fd. */
export interface SocketOwner {
  pid: number;
  name: string;
  fd: number;
}

/** Socket memory (Linux SK_MEMINFO_*), what `ss -m` prints. */
export interface SkMem {
  rmemAlloc: number;
  rcvbuf: number;
  wmemAlloc: number;
  sndbuf: number;
  fwdAlloc: number;
  wmemQueued: number;
  optmem: number;
  backlog: number;
  drops: number;
}

/** One socket as the tools see it. */
export interface SocketSnapshot {
  proto: "tcp" | "udp";
  /** The socket's family: 4 (AF_INET) or 6 (AF_INET6, whose IPv4 endpoints read `::ffff:a.b.c.d`). */
  family: 4 | 6;
  /** AF_INET6 with IPV6_V6ONLY (ss prints a dual-stack wildcard as `*`, a v6only one as `[::]`). */
  v6only: boolean;
  /** Linux state number (TcpState); UDP: ESTABLISHED when connected, CLOSE otherwise. */
  state: TcpState;
  localAddr: string;
  localPort: number;
  remoteAddr: string;
  remotePort: number;
  recvQ: number;
  sendQ: number;
  /** Inode of the owning socket; 0 when no process owns it (accept queue, orphans, request socks). */
  inode: number;
  /** A stable per-host socket cookie (`ss -e` `sk:`). */
  cookie: number;
  timer: TimerSnapshot | null;
  owners: SocketOwner[];
  /** Shutdown mask (1 = receive side shut, 2 = send side shut), `ss -e` `<->`. */
  shutdown: number;
  /** TCP: tcp_info (null for request socks and UDP). */
  info: TcpInfo | null;
  /** LISTEN: queue lengths. */
  listen: { backlog: number; acceptQueue: number; synQueue: number } | null;
  /** True for a SYN-queue entry (a request sock, B4). */
  request: boolean;
  /**
   * The kernel picked the local port (connect() or listen() without bind(),
   * a UDP send from an unbound socket, or bind to port 0): `ss autobound`.
   * TCP bind to port 0 counts as bound (sockstack does not keep the
   * difference).
   */
  autobound: boolean;
  mem: SkMem;
  /**
   * TCP_MD5SIG keys (Linux INET_DIAG_MD5SIG, `ss -i` `md5keys:`), newest
   * first: the address as the key's family prints it, the prefix, the
   * secret. Absent without keys.
   */
  md5?: { addr: string; prefixlen: number; key: Uint8Array }[];
}

/** One open fd of a process. */
export interface FdSnapshot {
  fd: number;
  /**
   * `sock` for IP sockets, `unix` for AF_UNIX sockets, `chr` for the
   * terminal and /dev/zero, /dev/null, `a_inode` for an epoll instance,
   * `reg` / `dir` for a file or directory of the host's filesystem,
   * `fifo` for a pipe end.
   */
  kind: "sock" | "unix" | "chr" | "a_inode" | "reg" | "dir" | "fifo";
  /** Socket, file or pipe inode (0 for the terminal and epoll). */
  inode: number;
  /** Terminal path (`/dev/pts/0`); `[eventpoll]` for an epoll fd; a file's path; `pipe` for a pipe. */
  path: string;
  /** Files and pipes: the access mode lsof prints after the fd (`r`, `w`, `u`). */
  mode?: "r" | "w" | "u";
  /** Regular files and directories: st_size; devices: their major,minor (`1,5`). */
  size?: number;
  /** A device's major,minor (lsof's DEVICE of a CHR row). */
  rdev?: string;
  /** A regular file whose last name was unlinked (lsof's `(deleted)`). */
  deleted?: boolean;
  proto: "tcp" | "udp" | "unix" | null;
  /** epoll: the fds in its interest list, ascending (lsof's `[eventpoll:3,4]`). */
  watched?: number[];
}

/** One AF_UNIX socket (what `ss -x`, `netstat -x` and `lsof -U` show). */
export interface UnixSocketSnapshot {
  type: "stream" | "dgram";
  /** Linux state number: LISTEN, ESTABLISHED (connected) or CLOSE (unconnected), as unix_diag reports. */
  state: TcpState;
  /** The bound name: a path, `@name` for an abstract one (NUL shown as `@`), "" when unnamed. Accepted sockets show their listener's. */
  name: string;
  inode: number;
  /** The peer's inode, 0 when none. */
  peerInode: number;
  /** LISTEN: the accept queue; else bytes waiting to be read. */
  recvQ: number;
  /** LISTEN: the backlog; else bytes written that the peer has not read. */
  sendQ: number;
  owners: SocketOwner[];
}

/** One process. */
export interface ProcessSnapshot {
  pid: number;
  ppid: number;
  name: string;
  fds: FdSnapshot[];
}

/** Everything the views print about one host at one instant. */
export interface HostSnapshot {
  host: string;
  /** Virtual time of the snapshot (µs). */
  time: Micros;
  sockets: SocketSnapshot[];
  /** AF_UNIX sockets: every one a process holds, and their peers (a connection in an accept queue included), by inode. */
  unix: UnixSocketSnapshot[];
  processes: ProcessSnapshot[];
  counters: Record<string, CounterGroup>;
}

/** Per-host socket cookies, assigned in first-seen order (Linux sock_gen_cookie). */
const cookies = new WeakMap<Host, { next: number; ids: WeakMap<object, number> }>();

function cookieOf(host: Host, obj: object): number {
  let c = cookies.get(host);
  if (!c) {
    c = { next: 1, ids: new WeakMap() };
    cookies.set(host, c);
  }
  let id = c.ids.get(obj);
  if (id === undefined) {
    id = c.next++;
    c.ids.set(obj, id);
  }
  return id;
}

const ms = (at: Micros, now: Micros) => Math.max(0, Math.ceil((at - now) / 1000));

/** The timer Linux's inet_diag reports for a connection (see the file comment). */
export function tcbTimer(t: Tcb, now: Micros): TimerSnapshot | null {
  if (t.state === TcpState.LISTEN) return null;
  if (t.rtoAt >= 0) return { kind: "on", expiresMs: ms(t.rtoAt, now), retrans: t.retransmits };
  if (t.persistAt >= 0) return { kind: "persist", expiresMs: ms(t.persistAt, now), retrans: t.probesOut };
  if (t.lifetimeAt >= 0 && (t.state === TcpState.TIME_WAIT || (t.state === TcpState.FIN_WAIT2 && t.orphan))) {
    return { kind: "timewait", expiresMs: ms(t.lifetimeAt, now), retrans: 0 };
  }
  if (t.keepaliveAt >= 0) return { kind: "keepalive", expiresMs: ms(t.keepaliveAt, now), retrans: t.probesOut };
  return null;
}

/** Send-Q of a connection: Linux write_seq − snd_una (SYN and FIN count one). */
function sendQueue(t: Tcb): number {
  if (t.state === TcpState.TIME_WAIT || t.state === TcpState.CLOSE) return 0;
  const writeSeq = (t.dataEnd + (t.finQueued || t.finSent ? 1 : 0)) >>> 0;
  const q = (writeSeq - t.sndUna) | 0;
  return q > 0 ? q : 0;
}

function emptyMem(): SkMem {
  return { rmemAlloc: 0, rcvbuf: 0, wmemAlloc: 0, sndbuf: 0, fwdAlloc: 0, wmemQueued: 0, optmem: 0, backlog: 0, drops: 0 };
}

function tcbSnapshot(host: Host, t: Tcb, now: Micros, owners: Map<number, SocketOwner[]>): SocketSnapshot {
  const listening = t.state === TcpState.LISTEN;
  const lq = t.lq;
  const inode = listening ? (lq?.inode ?? t.inode) : t.inode;
  const info = tcpInfo(t, now);
  // Linux sets icsk_ack.ato only when the first data segment arrives (tcp_event_data_recv).
  if (t.dataSegsIn === 0) info.ato = 0;
  // Linux tcp_get_info for a listener: tcpi_unacked = accept-queue length, tcpi_sacked = backlog.
  if (listening && lq) {
    info.unacked = lq.acceptQueue.length;
    info.sacked = lq.backlog;
  }
  const shutdown = (t.rcvShutdown || t.orphan ? 1 : 0) | (t.sndShutdown || t.orphan ? 2 : 0);
  return {
    proto: "tcp",
    family: t.inet6 ? 6 : 4,
    v6only: t.v6only,
    state: t.state,
    localAddr: formatAddr(t.localAddr, t.inet6),
    localPort: t.localPort,
    remoteAddr: formatPeer(t.localAddr, t.remoteAddr, t.inet6),
    remotePort: t.remotePort,
    // Linux: rcv_nxt − copied_seq — the FIN counts until a read returns 0 (CLOSE-WAIT shows Recv-Q 1).
    recvQ: listening ? (lq?.acceptQueue.length ?? 0) : t.rcvBuf.length + (t.finReceived && !t.finRead && t.state !== TcpState.CLOSE ? 1 : 0),
    sendQ: listening ? (lq?.backlog ?? 0) : sendQueue(t),
    inode: inode,
    cookie: cookieOf(host, t),
    timer: tcbTimer(t, now),
    owners: (inode && owners.get(inode)) || [],
    shutdown: t.state === TcpState.TIME_WAIT ? 3 : shutdown,
    info,
    listen: listening && lq ? { backlog: lq.backlog, acceptQueue: lq.acceptQueue.length, synQueue: lq.synQueue.size } : null,
    request: false,
    autobound: !t.passive && !t.bindExplicit,
    ...(t.md5?.length ? { md5: t.md5.map((k) => ({ addr: formatInetAddress(k.addr), prefixlen: k.prefixlen, key: k.key.slice() })) } : {}),
    mem: {
      ...emptyMem(),
      rmemAlloc: t.rmemAlloc(), // sk_rmem_alloc: truesize of the receive and out-of-order queues
      rcvbuf: t.rcvBuf.rcvbuf,
      sndbuf: t.sndBuf.capacity,
      wmemQueued: t.sndBuf.wmemQueued, // sk_wmem_queued: payload + skb truesize overhead
    },
  };
}

/** A TIME-WAIT record (Linux dumps timewait socks with their own timer and no tcp_info). */
function timeWaitSnapshot(host: Host, tw: TimeWaitSock, now: Micros): SocketSnapshot {
  return {
    proto: "tcp",
    family: tw.inet6 ? 6 : 4,
    v6only: false,
    state: TcpState.TIME_WAIT,
    localAddr: formatAddr(tw.localAddr, tw.inet6),
    localPort: tw.localPort,
    remoteAddr: formatPeer(tw.localAddr, tw.remoteAddr, tw.inet6),
    remotePort: tw.remotePort,
    recvQ: 0,
    sendQ: 0,
    inode: 0,
    cookie: cookieOf(host, tw),
    timer: { kind: "timewait", expiresMs: ms(tw.expires, now), retrans: 0 },
    owners: [],
    shutdown: 3,
    info: null,
    listen: null,
    request: false,
    autobound: true, // Linux inet_diag: a minisock has no sk_userlocks (0), so it matches `autobound`
    mem: emptyMem(),
  };
}

function requestSnapshot(host: Host, r: RequestSock, now: Micros, inet6: boolean): SocketSnapshot {
  return {
    proto: "tcp",
    family: inet6 ? 6 : 4,
    v6only: false,
    state: TcpState.SYN_RECV,
    localAddr: formatAddr(r.localAddr, inet6),
    localPort: r.localPort,
    remoteAddr: formatPeer(r.localAddr, r.remoteAddr, inet6),
    remotePort: r.remotePort,
    recvQ: 0,
    sendQ: 0,
    inode: 0,
    cookie: cookieOf(host, r),
    timer: { kind: "on", expiresMs: ms(r.expires, now), retrans: r.retrans },
    owners: [],
    shutdown: 0,
    info: null,
    listen: null,
    request: true,
    autobound: true, // a minisock: no sk_userlocks, as for TIME-WAIT
    mem: emptyMem(),
  };
}

function udpSnapshot(host: Host, sk: UdpSock, owners: Map<number, SocketOwner[]>): SocketSnapshot {
  return {
    proto: "udp",
    family: sk.inet6 ? 6 : 4,
    v6only: sk.v6only,
    state: sk.connected ? TcpState.ESTABLISHED : TcpState.CLOSE,
    localAddr: formatAddr(sk.localAddr, sk.inet6),
    localPort: sk.localPort,
    remoteAddr: formatPeer(sk.localAddr, sk.remoteAddr, sk.inet6),
    remotePort: sk.remotePort,
    recvQ: sk.rmemAlloc,
    sendQ: 0,
    inode: sk.inode,
    cookie: cookieOf(host, sk),
    timer: null,
    owners: owners.get(sk.inode) ?? [],
    shutdown: (sk.rcvShutdown ? 1 : 0) | (sk.sndShutdown ? 2 : 0),
    info: null,
    listen: null,
    request: false,
    autobound: sk.autobound,
    mem: { ...emptyMem(), rmemAlloc: sk.rmemAlloc, rcvbuf: sk.rcvbuf, sndbuf: sk.sndbuf, drops: sk.drops },
  };
}

function unixSnapshot(u: UnixSocket, owners: Map<number, SocketOwner[]>): UnixSocketSnapshot {
  const stream = u instanceof UnixStreamSocket;
  const peer = (u as UnixStreamSocket | UnixDgramSocket).peer;
  const state = u.listening ? TcpState.LISTEN : u.socketState === "SS_CONNECTED" ? TcpState.ESTABLISHED : TcpState.CLOSE;
  return {
    type: stream ? "stream" : "dgram",
    state,
    name: u.name.replace(/\0/g, "@"),
    inode: u.inode,
    peerInode: peer && !peer.closed ? peer.inode : 0,
    recvQ: (u as UnixStreamSocket | UnixDgramSocket).recvQ,
    sendQ: stream ? (u as UnixStreamSocket).sendQ : 0,
    owners: owners.get(u.inode) ?? [],
  };
}

/**
 * Takes a snapshot of `host` now: every TCP listener, its SYN-queue
 * entries, every connection in the tables (accept-queue children, orphans
 * and TIME-WAIT included), every bound UDP socket, every process and fd,
 * and a copy of the counters.
 * @example
 * const before = snapshot(host);
 * await net.advance(sec(1));
 * nstat(before, snapshot(host));
 */
export function snapshot(host: Host): HostSnapshot {
  const now = host.ctx.scheduler.now();
  const owners = new Map<number, SocketOwner[]>();
  const processes: ProcessSnapshot[] = [];
  const unixSocks = new Set<UnixSocket>();
  for (const p of [...host.processes.values()].sort((a, b) => a.pid - b.pid)) {
    const fds: FdSnapshot[] = [];
    for (const { fd, file } of p.openFds()) {
      if (file instanceof UnixSocket) {
        fds.push({ fd, kind: "unix", inode: file.inode, path: "", proto: "unix" });
        unixSocks.add(file);
      } else if (file instanceof Socket) {
        const proto = file instanceof StreamSocket ? "tcp" : file instanceof DgramSocket ? "udp" : null;
        fds.push({ fd, kind: "sock", inode: file.inode, path: "", proto });
      } else if (file instanceof EpollFile) {
        const watched = [...new Set(file.interests().map((i) => i.fd))].sort((a, b) => a - b);
        fds.push({ fd, kind: "a_inode", inode: 0, path: "[eventpoll]", proto: null, watched });
        continue;
      } else if (file instanceof VnodeFile) {
        const i = file.inode;
        const mode = file.readable && file.writable ? "u" : file.writable ? "w" : "r";
        if (i.type === "chr") fds.push({ fd, kind: "chr", inode: i.ino, path: file.path, proto: null, mode, rdev: i.rdev });
        else fds.push({ fd, kind: i.type, inode: i.ino, path: file.path, proto: null, mode, size: file.size, deleted: i.nlink === 0 });
        continue;
      } else if (file instanceof PipeEnd) {
        fds.push({ fd, kind: "fifo", inode: file.pipe.ino, path: "pipe", proto: null, mode: file.end === "read" ? "r" : "w" });
        continue;
      } else {
        fds.push({ fd, kind: "chr", inode: 0, path: file.path, proto: null });
        continue;
      }
      let list = owners.get(file.inode);
      if (!list) owners.set(file.inode, (list = []));
      list.push({ pid: p.pid, name: p.name, fd });
    }
    processes.push({ pid: p.pid, ppid: p.ppid, name: p.name, fds });
  }
  const sockets: SocketSnapshot[] = [];
  const listeners: Tcb[] = [];
  for (const t of host.tcp.all()) {
    if (t instanceof TimeWaitSock) {
      sockets.push(timeWaitSnapshot(host, t, now));
      continue;
    }
    sockets.push(tcbSnapshot(host, t, now, owners));
    if (t.state === TcpState.LISTEN) listeners.push(t);
  }
  for (const l of listeners) for (const r of l.lq?.synQueue.values() ?? []) sockets.push(requestSnapshot(host, r, now, l.inet6));
  for (const sk of host.udp.socks()) sockets.push(udpSnapshot(host, sk, owners));
  // Peers too: a connection still in a listener's accept queue is the peer of its client.
  for (const u of [...unixSocks]) {
    const peer = (u as UnixStreamSocket | UnixDgramSocket).peer;
    if (peer && !peer.closed) unixSocks.add(peer);
  }
  const unix = [...unixSocks].filter((u) => !u.closed).sort((a, b) => a.inode - b.inode).map((u) => unixSnapshot(u, owners));
  return { host: host.name, time: now, sockets, unix, processes, counters: host.counters.snapshot() };
}
