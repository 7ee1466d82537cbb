/**
 * Replays every case of test/syscalls/linux-probe.py on sockstack and
 * asserts the same errno (or the same result) as the Linux kernel gave;
 * the kernel's answers are the fixture fixtures/linux-errno.json (E1, E7,
 * E8, F4, F7). Each case runs in a fresh one-host network on loopback.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Network } from "../../src/sim/network.js";
import { SysError } from "../../src/core/sys-error.js";
import { ms } from "../../src/core/time.js";
import type { Process } from "../../src/sys/process.js";
import { FdSet, type PollFd } from "../../src/sys/select-poll.js";
import {
  EPOLLEXCLUSIVE, EPOLLIN, EPOLLONESHOT, EPOLLOUT, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD,
} from "../../src/sys/epoll.js";
import { POLLIN, POLLOUT, POLLRDHUP } from "../../src/core/poll-events.js";
import type { SockAddr } from "../../src/socket/sockaddr.js";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/linux-errno.json", import.meta.url), "utf8")) as {
  kernel: string;
  results: Record<string, string>;
};

type Ctx = { p: Process; sleep: (t: number) => Promise<void>; extra: Record<string, string> };
type Case = (c: Ctx) => unknown;

let port = 47100;
const S = "SOCK_STREAM", D = "SOCK_DGRAM";
const py = (v: unknown): string => (v === true ? "True" : v === false ? "False" : String(v));
const bytes = (d: Uint8Array): string => `b'${new TextDecoder().decode(d)}'`;
const tcp = (p: Process) => p.socket("AF_INET", S);
const udp = (p: Process) => p.socket("AF_INET", D);
function listener(p: Process, backlog = 8): [number, number] {
  const s = tcp(p);
  p.setsockopt(s, "SOL_SOCKET", "SO_REUSEADDR", 1);
  const pt = port++;
  p.bind(s, ["127.0.0.1", pt]);
  p.listen(s, backlog);
  return [s, pt];
}
async function pair(p: Process): Promise<[number, number, number]> {
  const [l, pt] = listener(p);
  const a = tcp(p);
  await p.connect(a, ["127.0.0.1", pt]);
  const { fd: b } = await p.accept(l);
  return [l, a, b];
}
const upath = () => `/tmp/sockprobe/s${port++}`;
const ustream = (p: Process) => p.socket("AF_UNIX", S);
const udgram = (p: Process) => p.socket("AF_UNIX", D);
const closedFd = async (p: Process) => {
  const s = tcp(p);
  await p.close(s);
  return s;
};

const cases: Record<string, Case> = {
  // ---- socket()
  "socket.stream_udp_proto": ({ p }) => p.socket("AF_INET", S, "IPPROTO_UDP"),
  "socket.dgram_tcp_proto": ({ p }) => p.socket("AF_INET", D, "IPPROTO_TCP"),
  "socket.bad_family": ({ p }) => p.socket(99, S),
  "socket.bad_type": ({ p }) => p.socket("AF_INET", 99),
  "socket.inet_seqpacket": ({ p }) => p.socket("AF_INET", "SOCK_SEQPACKET"),
  "socketpair.inet": ({ p }) => p.socketpair("AF_INET", S),
  // ---- TCP
  "tcp.listen_on_udp": ({ p }) => p.listen(udp(p), 1),
  "tcp.accept_on_udp": ({ p }) => p.accept(udp(p)),
  "tcp.accept_not_listening": ({ p }) => p.accept(tcp(p)),
  "tcp.bind_twice": ({ p }) => { const s = tcp(p); p.bind(s, ["127.0.0.1", 0]); p.bind(s, ["127.0.0.1", 0]); },
  "tcp.bind_in_use": ({ p }) => { const [, pt] = listener(p); p.bind(tcp(p), ["127.0.0.1", pt]); },
  "tcp.bind_not_local": ({ p }) => p.bind(tcp(p), ["10.99.99.99", 0]),
  "tcp.connect_refused": ({ p }) => p.connect(tcp(p), ["127.0.0.1", port++]),
  "tcp.connect_twice": async ({ p }) => { const [l, a] = await pair(p); await p.connect(a, p.getsockname(l)); },
  "tcp.connect_on_listener": async ({ p }) => { const [l, pt] = listener(p); await p.connect(l, ["127.0.0.1", pt]); },
  "tcp.listen_after_connect": async ({ p }) => { const [, a] = await pair(p); p.listen(a, 1); },
  "tcp.send_unconnected": ({ p }) => p.send(tcp(p), "x", "MSG_NOSIGNAL"),
  "tcp.recv_unconnected": ({ p }) => p.recv(tcp(p), 1),
  "tcp.recv_listener": ({ p }) => p.recv(listener(p)[0], 1),
  "tcp.getpeername_unconnected": ({ p }) => p.getpeername(tcp(p)),
  "tcp.getpeername_listener": ({ p }) => p.getpeername(listener(p)[0]),
  "tcp.shutdown_unconnected": ({ p }) => p.shutdown(tcp(p), "SHUT_WR"),
  "tcp.shutdown_bad_how": async ({ p }) => { const [, a] = await pair(p); p.shutdown(a, 7); },
  "tcp.accept_nonblocking_empty": ({ p }) => { const [l] = listener(p); p.fcntl(l, "F_SETFL", 0o4000); return p.accept(l); },
  "tcp.recv_nonblocking_empty": async ({ p }) => { const [, a] = await pair(p); p.ioctl(a, "FIONBIO", 1); return p.recv(a, 10); },
  "tcp.recv_dontwait_empty": async ({ p }) => { const [, a] = await pair(p); return p.recv(a, 10, "MSG_DONTWAIT"); },
  "tcp.nonblocking_connect": ({ p }) => {
    const [, pt] = listener(p);
    const s = p.socket("AF_INET", "SOCK_STREAM|SOCK_NONBLOCK");
    return p.connect(s, ["127.0.0.1", pt]);
  },
  "tcp.accept_rcvtimeo": ({ p }) => { const [l] = listener(p); p.setsockopt(l, "SOL_SOCKET", "SO_RCVTIMEO", { tv_sec: 0, tv_usec: 20000 }); return p.accept(l); },
  "tcp.recv_rcvtimeo": async ({ p }) => { const [, a] = await pair(p); p.setsockopt(a, "SOL_SOCKET", "SO_RCVTIMEO", { tv_sec: 0, tv_usec: 20000 }); return p.recv(a, 1); },
  "tcp.recv_after_peer_close": async ({ p }) => { const [, a, b] = await pair(p); await p.close(b); return (await p.recv(a, 10)).length; },
  "tcp.send_after_shutdown_wr": async ({ p }) => { const [, a] = await pair(p); p.shutdown(a, "SHUT_WR"); return p.send(a, "x", "MSG_NOSIGNAL"); },
  "tcp.recv_after_shutdown_rd": async ({ p }) => { const [, a] = await pair(p); p.shutdown(a, "SHUT_RD"); return (await p.recv(a, 10)).length; },
  "tcp.so_type": ({ p }) => p.getsockopt(tcp(p), "SOL_SOCKET", "SO_TYPE"),
  "tcp.so_acceptconn_listener": ({ p }) => p.getsockopt(listener(p)[0], "SOL_SOCKET", "SO_ACCEPTCONN"),
  "tcp.so_acceptconn_plain": ({ p }) => p.getsockopt(tcp(p), "SOL_SOCKET", "SO_ACCEPTCONN"),
  "tcp.so_error_fresh": ({ p }) => p.getsockopt(tcp(p), "SOL_SOCKET", "SO_ERROR"),
  "tcp.so_rcvbuf_4096": ({ p }) => { const s = tcp(p); p.setsockopt(s, "SOL_SOCKET", "SO_RCVBUF", 4096); return p.getsockopt(s, 1, 8); },
  "tcp.so_sndbuf_1000": ({ p }) => { const s = tcp(p); p.setsockopt(s, 1, 7, 1000); return p.getsockopt(s, "SOL_SOCKET", "SO_SNDBUF"); },
  "tcp.so_rcvlowat_default": ({ p }) => p.getsockopt(tcp(p), "SOL_SOCKET", "SO_RCVLOWAT"),
  "tcp.so_reuseaddr_default": ({ p }) => p.getsockopt(tcp(p), "SOL_SOCKET", "SO_REUSEADDR"),
  "tcp.set_so_type": ({ p }) => p.setsockopt(tcp(p), "SOL_SOCKET", "SO_TYPE" as string, 1) /* read-only: a literal name does not compile */,
  "tcp.set_so_sndlowat": ({ p }) => p.setsockopt(tcp(p), "SOL_SOCKET", "SO_SNDLOWAT" as string, 1),
  "tcp.unknown_option": ({ p }) => p.setsockopt(tcp(p), "SOL_SOCKET", 9999, 1),
  "tcp.rcvtimeo_bad_usec": ({ p }) => p.setsockopt(tcp(p), "SOL_SOCKET", "SO_RCVTIMEO", { tv_sec: 0, tv_usec: 1_000_000 }),
  "tcp.fionread": async ({ p, sleep }) => { const [, a, b] = await pair(p); await p.send(b, "hello"); await sleep(ms(20)); return p.ioctl(a, "FIONREAD"); },
  "tcp.fionread_listener": ({ p }) => p.ioctl(listener(p)[0], "FIONREAD"),
  "tcp.ioctl_bad_request": ({ p }) => p.ioctl(tcp(p), 0x1234),
  "tcp.fcntl_getfl_nonblock": ({ p }) => { const s = tcp(p); p.fcntl(s, "F_SETFL", p.fcntl(s, "F_GETFL") | 0o4000); return py((p.fcntl(s, "F_GETFL") & 0o4000) !== 0); },
  "tcp.fcntl_bad_cmd": ({ p }) => p.fcntl(tcp(p), 9999),
  "tcp.send_msg_to_connected_stream_with_addr": async ({ p }) => { const [, a] = await pair(p); return p.sendto(a, "x", 0, ["127.0.0.1", 1]); },
  "tcp.sendto_unconnected_stream_with_addr": ({ p }) => p.sendto(tcp(p), "x", "MSG_NOSIGNAL", ["127.0.0.1", 1]),
  // ---- UDP
  "udp.send_unconnected": ({ p }) => p.send(udp(p), "x"),
  "udp.sendto_port0": ({ p }) => p.sendto(udp(p), "x", 0, ["127.0.0.1", 0]),
  "udp.recv_nonblocking": ({ p }) => { const s = udp(p); p.ioctl(s, "FIONBIO", 1); return p.recv(s, 1); },
  "udp.getpeername": ({ p }) => p.getpeername(udp(p)),
  "udp.shutdown_unconnected": ({ p }) => p.shutdown(udp(p), "SHUT_RDWR"),
  "udp.bind_twice": ({ p }) => { const s = udp(p); p.bind(s, ["127.0.0.1", 0]); p.bind(s, ["127.0.0.1", 0]); },
  "udp.so_type": ({ p }) => p.getsockopt(udp(p), "SOL_SOCKET", "SO_TYPE"),
  "udp.trunc": async ({ p }) => {
    const a = udp(p); p.bind(a, ["127.0.0.1", 0]); const b = udp(p);
    await p.sendto(b, "abcdef", 0, p.getsockname(a));
    const r = await p.recvmsg(a, 3);
    return `${new TextDecoder().decode(r.data)},${py((r.flags & 0x20) !== 0)}`;
  },
  "udp.fionread": async ({ p, sleep }) => {
    const a = udp(p); p.bind(a, ["127.0.0.1", 0]); const b = udp(p);
    await p.sendto(b, "abcdef", 0, p.getsockname(a)); await p.sendto(b, "xy", 0, p.getsockname(a));
    await sleep(ms(10));
    return p.ioctl(a, "FIONREAD");
  },
  // ---- fd table (F4, F7)
  "fd.close_twice": async ({ p }) => { const s = tcp(p); await p.close(s); await p.close(s); },
  "fd.recv_on_non_socket": ({ p }) => p.recv(0, 1),
  "fd.dup2_bad_newfd": ({ p }) => p.dup2(tcp(p), -1),
  "fd.dup_bad": ({ p }) => p.dup(9999),
  "fd.emfile": ({ p, extra }) => {
    p.setrlimit("RLIMIT_NOFILE", { soft: 64 });
    let n = 0;
    try {
      for (;;) { tcp(p); n++; }
    } finally {
      extra["fd.emfile_count_under_64"] = `ok:${py(n > 0)}`;
    }
  },
  // ---- select / poll (E8)
  "select.negative_nfds": ({ p }) => p.select(-1, null, null, null, { tv_sec: 0, tv_usec: 0 }),
  "select.closed_fd": async ({ p }) => { const fd = await closedFd(p); return p.select(fd + 1, FdSet.of(fd), null, null, { tv_sec: 0, tv_usec: 0 }); },
  "select.negative_timeout": ({ p }) => p.select(0, null, null, null, { tv_sec: -1, tv_usec: 0 }),
  "select.fresh_tcp_socket": async ({ p }) => { const s = tcp(p); const [r, w, x] = await p.selectLists([s], [s], [s], 0); return `${r.length},${w.length},${x.length}`; },
  "select.listener_with_pending": async ({ p, sleep }) => {
    const [l, pt] = listener(p); await p.connect(tcp(p), ["127.0.0.1", pt]); await sleep(ms(10));
    const [r, w] = await p.selectLists([l], [l], [], 0); return `${r.length},${w.length}`;
  },
  "poll.closed_fd": async ({ p }) => { const fds: PollFd[] = [{ fd: await closedFd(p), events: POLLIN }]; await p.poll(fds, 0); return fds[0]!.revents; },
  "poll.fresh_tcp": async ({ p }) => { const fds: PollFd[] = [{ fd: tcp(p), events: POLLIN | POLLOUT }]; await p.poll(fds, 0); return fds[0]!.revents; },
  "poll.fresh_udp": async ({ p }) => { const fds: PollFd[] = [{ fd: udp(p), events: POLLIN | POLLOUT }]; await p.poll(fds, 0); return fds[0]!.revents; },
  "poll.peer_closed": async ({ p, sleep }) => {
    const [, a, b] = await pair(p); await p.close(b); await sleep(ms(10));
    const fds: PollFd[] = [{ fd: a, events: POLLIN | POLLOUT | POLLRDHUP }]; await p.poll(fds, 0); return fds[0]!.revents;
  },
  "poll.reset": async ({ p, sleep }) => {
    const [, a, b] = await pair(p); p.setsockopt(b, "SOL_SOCKET", "SO_LINGER", { l_onoff: 1, l_linger: 0 }); await p.close(b); await sleep(ms(10));
    const fds: PollFd[] = [{ fd: a, events: POLLIN | POLLOUT }]; await p.poll(fds, 0); return fds[0]!.revents;
  },
  "poll.shut_wr_both": async ({ p, sleep }) => {
    const [, a, b] = await pair(p); p.shutdown(a, "SHUT_WR"); p.shutdown(b, "SHUT_WR"); await sleep(ms(10));
    const fds: PollFd[] = [{ fd: a, events: POLLIN | POLLOUT }]; await p.poll(fds, 0); return fds[0]!.revents;
  },
  // ---- epoll (E8, D7)
  "epoll.create1_bad_flags": ({ p }) => p.epoll_create1(1),
  "epoll.create_size0": ({ p }) => p.epoll_create(0),
  "epoll.add_twice": ({ p }) => { const ep = p.epoll_create1(); const s = tcp(p); p.epoll_ctl(ep, EPOLL_CTL_ADD, s, { events: EPOLLIN }); p.epoll_ctl(ep, EPOLL_CTL_ADD, s, { events: EPOLLIN }); },
  "epoll.mod_missing": ({ p }) => p.epoll_ctl(p.epoll_create1(), EPOLL_CTL_MOD, tcp(p), { events: EPOLLIN }),
  "epoll.del_missing": ({ p }) => p.epoll_ctl(p.epoll_create1(), EPOLL_CTL_DEL, tcp(p), { events: EPOLLIN }),
  "epoll.add_self": ({ p }) => { const ep = p.epoll_create1(); p.epoll_ctl(ep, EPOLL_CTL_ADD, ep, { events: EPOLLIN }); },
  "epoll.bad_op": ({ p }) => p.epoll_ctl(p.epoll_create1(), 9, tcp(p), { events: EPOLLIN }),
  "epoll.ctl_not_epoll": ({ p }) => p.epoll_ctl(tcp(p), EPOLL_CTL_ADD, tcp(p), { events: EPOLLIN }),
  "epoll.ctl_bad_fd": ({ p }) => p.epoll_ctl(p.epoll_create1(), EPOLL_CTL_ADD, 9999, { events: EPOLLIN }),
  "epoll.wait_maxevents0": ({ p }) => p.epoll_wait(p.epoll_create1(), 0, 0),
  "epoll.wait_not_epoll": ({ p }) => p.epoll_wait(tcp(p), 1, 0),
  "epoll.exclusive_mod": ({ p }) => {
    const ep = p.epoll_create1(); const s = tcp(p);
    p.epoll_ctl(ep, EPOLL_CTL_ADD, s, { events: EPOLLIN | EPOLLEXCLUSIVE }); p.epoll_ctl(ep, EPOLL_CTL_MOD, s, { events: EPOLLIN | EPOLLEXCLUSIVE });
  },
  "epoll.exclusive_mod_plain": ({ p }) => {
    const ep = p.epoll_create1(); const s = tcp(p);
    p.epoll_ctl(ep, EPOLL_CTL_ADD, s, { events: EPOLLIN | EPOLLEXCLUSIVE }); p.epoll_ctl(ep, EPOLL_CTL_MOD, s, { events: EPOLLIN });
  },
  "epoll.exclusive_oneshot": ({ p }) => p.epoll_ctl(p.epoll_create1(), EPOLL_CTL_ADD, tcp(p), { events: EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT }),
  "epoll.level_twice": async ({ p, sleep }) => {
    const ep = p.epoll_create1(); const [, a, b] = await pair(p); p.epoll_ctl(ep, "EPOLL_CTL_ADD", a, { events: "EPOLLIN" });
    await p.send(b, "hi"); await sleep(ms(10));
    return `${(await p.epoll_wait(ep, 8, 0)).length},${(await p.epoll_wait(ep, 8, 0)).length}`;
  },
  "epoll.edge_once_until_new_data": async ({ p, sleep }) => {
    const ep = p.epoll_create1(); const [, a, b] = await pair(p); p.epoll_ctl(ep, EPOLL_CTL_ADD, a, { events: "EPOLLIN|EPOLLET" });
    await p.send(b, "hi"); await sleep(ms(10));
    const n1 = (await p.epoll_wait(ep, 8, 0)).length, n2 = (await p.epoll_wait(ep, 8, 0)).length;
    await p.send(b, "more"); await sleep(ms(10));
    return `${n1},${n2},${(await p.epoll_wait(ep, 8, 0)).length}`;
  },
  "epoll.oneshot_rearm": async ({ p, sleep }) => {
    const ep = p.epoll_create1(); const [, a, b] = await pair(p); p.epoll_ctl(ep, EPOLL_CTL_ADD, a, { events: EPOLLIN | EPOLLONESHOT });
    await p.send(b, "hi"); await sleep(ms(10));
    const n1 = (await p.epoll_wait(ep, 8, 0)).length;
    await p.send(b, "more"); await sleep(ms(10));
    const n2 = (await p.epoll_wait(ep, 8, 0)).length;
    p.epoll_ctl(ep, EPOLL_CTL_MOD, a, { events: EPOLLIN | EPOLLONESHOT });
    return `${n1},${n2},${(await p.epoll_wait(ep, 8, 0)).length}`;
  },
  "epoll.closed_dup_still_reported": async ({ p, sleep }) => {
    const ep = p.epoll_create1(); const [, a, b] = await pair(p); const d = p.dup(a);
    p.epoll_ctl(ep, EPOLL_CTL_ADD, a, { events: EPOLLIN }); await p.close(a);
    await p.send(b, "x"); await sleep(ms(10));
    const evs = await p.epoll_wait(ep, 8, 0); await p.close(d);
    return `${evs.length},${py(evs[0]?.data === a)}`;
  },
  "epoll.del_closed_fd_with_dup": async ({ p }) => {
    const ep = p.epoll_create1(); const [, a] = await pair(p); const d = p.dup(a);
    p.epoll_ctl(ep, EPOLL_CTL_ADD, a, { events: EPOLLIN }); await p.close(a); p.epoll_ctl(ep, EPOLL_CTL_DEL, d);
  },
  "epoll.closed_last_ref_removed": async ({ p, sleep }) => {
    const ep = p.epoll_create1(); const [, a, b] = await pair(p); p.epoll_ctl(ep, EPOLL_CTL_ADD, a, { events: EPOLLIN }); await p.close(a);
    await p.send(b, "x"); await sleep(ms(10));
    return (await p.epoll_wait(ep, 8, 0)).length;
  },
  "epoll.fresh_tcp_out": async ({ p }) => { const ep = p.epoll_create1(); p.epoll_ctl(ep, EPOLL_CTL_ADD, tcp(p), { events: EPOLLIN | EPOLLOUT }); return (await p.epoll_wait(ep, 8, 0))[0]!.events; },
  // ---- AF_UNIX (E7)
  "unix.bind_existing": ({ p }) => { const path = upath(); p.bind(ustream(p), path); p.bind(ustream(p), path); },
  "unix.bind_after_close": async ({ p }) => { const path = upath(); const a = ustream(p); p.bind(a, path); await p.close(a); p.bind(ustream(p), path); },
  "unix.bind_after_unlink": async ({ p }) => { const path = upath(); const a = ustream(p); p.bind(a, path); await p.close(a); p.unlink(path); p.bind(ustream(p), path); },
  "unix.connect_missing": ({ p }) => p.connect(ustream(p), upath()),
  "unix.connect_stale": async ({ p }) => { const path = upath(); const a = ustream(p); p.bind(a, path); await p.close(a); await p.connect(ustream(p), path); },
  "unix.connect_not_listening": ({ p }) => { const path = upath(); p.bind(ustream(p), path); return p.connect(ustream(p), path); },
  "unix.connect_stream_to_dgram": ({ p }) => { const path = upath(); p.bind(udgram(p), path); return p.connect(ustream(p), path); },
  "unix.connect_twice": async ({ p }) => { const path = upath(); const l = ustream(p); p.bind(l, path); p.listen(l, 4); const a = ustream(p); await p.connect(a, path); await p.connect(a, path); },
  "unix.send_unconnected": ({ p }) => p.send(ustream(p), "x", "MSG_NOSIGNAL"),
  "unix.recv_unconnected": ({ p }) => p.recv(ustream(p), 1),
  "unix.sendto_stream_unconnected_addr": ({ p }) => p.sendto(ustream(p), "x", "MSG_NOSIGNAL", upath()),
  "unix.sendto_stream_connected_addr": ({ p }) => { const [a] = p.socketpair("AF_UNIX", S); return p.sendto(a, "x", "MSG_NOSIGNAL", upath()); },
  "unix.send_after_peer_close": async ({ p }) => { const [a, b] = p.socketpair("AF_UNIX", S); await p.close(b); await p.send(a, "x", "MSG_NOSIGNAL"); },
  "unix.recv_after_peer_close": async ({ p }) => {
    const [a, b] = p.socketpair("AF_UNIX", S); await p.send(b, "ab"); await p.close(b);
    return `${bytes(await p.recv(a, 10))},${bytes(await p.recv(a, 10))}`;
  },
  "unix.close_with_unread": async ({ p }) => { const [a, b] = p.socketpair("AF_UNIX", S); await p.send(a, "x"); await p.close(b); await p.recv(a, 10); },
  "unix.close_with_unread_send": async ({ p }) => { const [a, b] = p.socketpair("AF_UNIX", S); await p.send(a, "x"); await p.close(b); await p.send(a, "y", "MSG_NOSIGNAL"); },
  "unix.listen_dgram": ({ p }) => p.listen(udgram(p), 1),
  "unix.accept_not_listening": ({ p }) => p.accept(ustream(p)),
  "unix.shutdown_unconnected": ({ p }) => p.shutdown(ustream(p), "SHUT_RDWR"),
  "unix.getsockname_unbound": ({ p }) => `'${(p.getsockname(ustream(p)) as { path: string }).path}'`,
  "unix.getpeername_unconnected": ({ p }) => p.getpeername(ustream(p)),
  "unix.getpeername_accepted": async ({ p }) => {
    const path = upath(); const l = ustream(p); p.bind(l, path); p.listen(l, 4); const a = ustream(p); await p.connect(a, path);
    const { fd: b, addr } = await p.accept(l);
    const name = (x: SockAddr) => (x as { path: string }).path;
    return `'${name(addr)}',${py(name(p.getsockname(b)) === path)},${py(name(p.getpeername(a)) === path)}`;
  },
  "unix.backlog_full_nonblocking": async ({ p, extra }) => {
    const path = upath(); const l = ustream(p); p.bind(l, path); p.listen(l, 1); let n = 0;
    try {
      while (n < 100) { const s = p.socket("AF_UNIX", "SOCK_STREAM|SOCK_NONBLOCK"); await p.connect(s, path); n++; }
    } finally {
      extra["unix.backlog_1_admits"] = `ok:${n}`;
    }
  },
  "unix.dgram_send_unconnected": ({ p }) => p.send(udgram(p), "x"),
  "unix.dgram_sendto_missing": ({ p }) => p.sendto(udgram(p), "x", 0, upath()),
  "unix.dgram_sendto_stream": ({ p }) => { const path = upath(); p.bind(ustream(p), path); return p.sendto(udgram(p), "x", 0, path); },
  "unix.dgram_connect_missing": ({ p }) => p.connect(udgram(p), upath()),
  "unix.dgram_queue_full": async ({ p, extra }) => {
    const path = upath(); p.bind(udgram(p), path); const s = udgram(p); p.ioctl(s, "FIONBIO", 1); let n = 0;
    try {
      while (n < 1000) { await p.sendto(s, "x", 0, path); n++; }
    } finally {
      extra["unix.dgram_queue_admits"] = `ok:${n}`;
    }
  },
  "unix.dgram_too_big": ({ p }) => { const [a] = p.socketpair("AF_UNIX", D); return p.send(a, new Uint8Array(300000)); },
  "unix.dgram_to_connected_other": async ({ p }) => {
    const path = upath(); const r = udgram(p); p.bind(r, path); const q = upath(); const o = udgram(p); p.bind(o, q);
    await p.connect(r, q); await p.sendto(udgram(p), "x", 0, path);
  },
  "unix.dgram_recvfrom_unnamed": async ({ p }) => {
    const path = upath(); const r = udgram(p); p.bind(r, path); await p.sendto(udgram(p), "hi", 0, path);
    const { data, addr } = await p.recvfrom(r, 10); return `${bytes(data)},${addr === null ? "None" : "?"}`;
  },
  "unix.dgram_recvfrom_named": async ({ p }) => {
    const path = upath(); const r = udgram(p); p.bind(r, path); const q = upath(); const s = udgram(p); p.bind(s, q);
    await p.sendto(s, "hi", 0, path); const { addr } = await p.recvfrom(r, 10); return py((addr as { path: string }).path === q);
  },
  "unix.dgram_trunc": async ({ p }) => {
    const [a, b] = p.socketpair("AF_UNIX", D); await p.send(a, "abcdef"); const r = await p.recvmsg(b, 2);
    return `${bytes(r.data)},${py((r.flags & 0x20) !== 0)}`;
  },
  "unix.dgram_empty": async ({ p }) => { const [a, b] = p.socketpair("AF_UNIX", D); await p.send(a, ""); return bytes(await p.recv(b, 10)); },
  "unix.stream_so_type": ({ p }) => p.getsockopt(ustream(p), "SOL_SOCKET", "SO_TYPE"),
  "unix.stream_sndbuf": ({ p }) => p.getsockopt(ustream(p), "SOL_SOCKET", "SO_SNDBUF"),
  "unix.poll_pair_fresh": async ({ p }) => { const [a] = p.socketpair("AF_UNIX", S); const fds: PollFd[] = [{ fd: a, events: POLLIN | POLLOUT }]; await p.poll(fds, 0); return fds[0]!.revents; },
  "unix.poll_peer_closed": async ({ p }) => {
    const [a, b] = p.socketpair("AF_UNIX", S); await p.close(b);
    const fds: PollFd[] = [{ fd: a, events: POLLIN | POLLOUT | POLLRDHUP }]; await p.poll(fds, 0); return fds[0]!.revents;
  },
  "unix.fionread": async ({ p }) => { const [a, b] = p.socketpair("AF_UNIX", S); await p.send(b, "hello"); await p.send(b, "xy"); return p.ioctl(a, "FIONREAD"); },
  "unix.dgram_fionread": async ({ p }) => { const [a, b] = p.socketpair("AF_UNIX", D); await p.send(b, "hello"); await p.send(b, "xy"); return p.ioctl(a, "FIONREAD"); },
};

/** Runs one case in a fresh network; returns its result string(s). */
async function runCase(fn: Case): Promise<{ result: string; extra: Record<string, string> }> {
  const net = new Network({ seed: 1 });
  const h = net.addHost("h");
  const extra: Record<string, string> = {};
  let result = "pending (never finished)";
  h.spawn("probe", async (p) => {
    try {
      const v = await fn({ p, sleep: (t) => net.sleep(t), extra });
      result = v === undefined || typeof v === "object" ? "ok" : `ok:${py(v)}`;
    } catch (e) {
      if (!(e instanceof SysError)) throw e;
      result = e.code === "EWOULDBLOCK" ? "EAGAIN" : e.code === "ENOTSUP" ? "EOPNOTSUPP" : e.code;
    }
  });
  await net.run();
  return { result, extra };
}

test(`every probe case has a sockstack replay (kernel ${fixture.kernel})`, () => {
  const derived = new Set(["fd.emfile_count_under_64", "unix.backlog_1_admits", "unix.dgram_queue_admits"]);
  const missing = Object.keys(fixture.results).filter((k) => !(k in cases) && !derived.has(k));
  assert.deepEqual(missing, []);
});

for (const [name, fn] of Object.entries(cases)) {
  test(`${name}: same as Linux (${fixture.results[name]})`, async () => {
    const { result, extra } = await runCase(fn);
    assert.equal(result, fixture.results[name], name);
    for (const [k, v] of Object.entries(extra)) assert.equal(v, fixture.results[k], k);
  });
}
