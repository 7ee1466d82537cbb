#!/usr/bin/env python3
"""Probe the real Linux kernel for the errnos and results of socket-API edge
cases (loopback only, no privileges). Each case prints one result: an errno
name or "ok:<value>". Output (JSON) is the fixture linux-errno.json, which
test/syscalls/linux-errno.test.ts replays against sockstack.

Run: python3 test/syscalls/linux-probe.py > test/syscalls/fixtures/linux-errno.json
"""
import ctypes, ctypes.util, errno, json, os, platform, resource, select, socket, struct, tempfile, time

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
results = {}
TMP = tempfile.mkdtemp(prefix="sockprobe-")
PORTS = iter(range(47100, 47999))


def case(name):
    def deco(fn):
        try:
            v = fn()
            results[name] = "ok" if v is None else f"ok:{v}"
        except OSError as e:
            code = errno.errorcode.get(e.errno, str(e.errno))
            results[name] = {"ENOTSUP": "EOPNOTSUPP", "EWOULDBLOCK": "EAGAIN"}.get(code, code)
        return fn
    return deco


def c(ret):
    """Raise OSError for a failed libc call."""
    if ret < 0:
        n = ctypes.get_errno()
        raise OSError(n, os.strerror(n))
    return ret


def tcp():
    return socket.socket(socket.AF_INET, socket.SOCK_STREAM)


def udp():
    return socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


def listener(backlog=8):
    s = tcp()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    port = next(PORTS)
    s.bind(("127.0.0.1", port))
    s.listen(backlog)
    return s, port


def pair():
    l, port = listener()
    a = tcp()
    a.connect(("127.0.0.1", port))
    b, _ = l.accept()
    return l, a, b

# ---- socket() ---------------------------------------------------------------
@case("socket.stream_udp_proto")
def _(): socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_UDP)
@case("socket.dgram_tcp_proto")
def _(): socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_TCP)
@case("socket.bad_family")
def _(): socket.socket(99, socket.SOCK_STREAM)
@case("socket.bad_type")
def _(): socket.socket(socket.AF_INET, 99)
@case("socket.inet_seqpacket")
def _(): socket.socket(socket.AF_INET, socket.SOCK_SEQPACKET)
@case("socketpair.inet")
def _(): socket.socketpair(socket.AF_INET, socket.SOCK_STREAM)

# ---- TCP --------------------------------------------------------------------
@case("tcp.listen_on_udp")
def _(): udp().listen(1)
@case("tcp.accept_on_udp")
def _(): udp().accept()
@case("tcp.accept_not_listening")
def _(): tcp().accept()
@case("tcp.bind_twice")
def _():
    s = tcp(); s.bind(("127.0.0.1", 0)); s.bind(("127.0.0.1", 0))
@case("tcp.bind_in_use")
def _():
    l, port = listener(); s = tcp(); s.bind(("127.0.0.1", port))
@case("tcp.bind_not_local")
def _(): tcp().bind(("10.99.99.99", 0))
@case("tcp.connect_refused")
def _(): tcp().connect(("127.0.0.1", next(PORTS)))
@case("tcp.connect_twice")
def _():
    l, a, b = pair(); a.connect(l.getsockname())
@case("tcp.connect_on_listener")
def _():
    l, port = listener(); l.connect(("127.0.0.1", port))
@case("tcp.listen_after_connect")
def _():
    l, a, b = pair(); a.listen(1)
@case("tcp.send_unconnected")
def _(): tcp().send(b"x", socket.MSG_NOSIGNAL)
@case("tcp.recv_unconnected")
def _(): tcp().recv(1)
@case("tcp.recv_listener")
def _():
    l, port = listener(); l.recv(1)
@case("tcp.getpeername_unconnected")
def _(): tcp().getpeername()
@case("tcp.getpeername_listener")
def _():
    l, port = listener(); l.getpeername()
@case("tcp.shutdown_unconnected")
def _(): tcp().shutdown(socket.SHUT_WR)
@case("tcp.shutdown_bad_how")
def _():
    l, a, b = pair(); a.shutdown(7)
@case("tcp.accept_nonblocking_empty")
def _():
    l, port = listener(); l.setblocking(False); l.accept()
@case("tcp.recv_nonblocking_empty")
def _():
    l, a, b = pair(); a.setblocking(False); a.recv(10)
@case("tcp.recv_dontwait_empty")
def _():
    l, a, b = pair(); a.recv(10, socket.MSG_DONTWAIT)
@case("tcp.nonblocking_connect")
def _():
    l, port = listener(); s = tcp(); s.setblocking(False); s.connect(("127.0.0.1", port))
@case("tcp.accept_rcvtimeo")
def _():
    l, port = listener(); l.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 0, 20000)); l.accept()
@case("tcp.recv_rcvtimeo")
def _():
    l, a, b = pair(); a.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 0, 20000)); a.recv(1)
@case("tcp.recv_after_peer_close")
def _():
    l, a, b = pair(); b.close(); return len(a.recv(10))
@case("tcp.send_after_shutdown_wr")
def _():
    l, a, b = pair(); a.shutdown(socket.SHUT_WR); a.send(b"x", socket.MSG_NOSIGNAL)
@case("tcp.recv_after_shutdown_rd")
def _():
    l, a, b = pair(); a.shutdown(socket.SHUT_RD); return len(a.recv(10))
@case("tcp.so_type")
def _(): return tcp().getsockopt(socket.SOL_SOCKET, socket.SO_TYPE)
@case("tcp.so_acceptconn_listener")
def _():
    l, port = listener(); return l.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
@case("tcp.so_acceptconn_plain")
def _(): return tcp().getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
@case("tcp.so_error_fresh")
def _(): return tcp().getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
@case("tcp.so_rcvbuf_4096")
def _():
    s = tcp(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096); return s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
@case("tcp.so_sndbuf_1000")
def _():
    s = tcp(); s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1000); return s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
@case("tcp.so_rcvlowat_default")
def _(): return tcp().getsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT)
@case("tcp.so_reuseaddr_default")
def _(): return tcp().getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)
@case("tcp.set_so_type")
def _(): tcp().setsockopt(socket.SOL_SOCKET, socket.SO_TYPE, 1)
@case("tcp.set_so_sndlowat")
def _(): tcp().setsockopt(socket.SOL_SOCKET, socket.SO_SNDLOWAT, 1)
@case("tcp.unknown_option")
def _(): tcp().setsockopt(socket.SOL_SOCKET, 9999, 1)
@case("tcp.rcvtimeo_bad_usec")
def _(): tcp().setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 0, 1000000))
@case("tcp.fionread")
def _():
    l, a, b = pair(); b.send(b"hello"); time.sleep(0.02)
    buf = ctypes.c_int(); c(libc.ioctl(a.fileno(), 0x541B, ctypes.byref(buf))); return buf.value
@case("tcp.fionread_listener")
def _():
    l, port = listener(); buf = ctypes.c_int(); c(libc.ioctl(l.fileno(), 0x541B, ctypes.byref(buf))); return buf.value
@case("tcp.ioctl_bad_request")
def _():
    s = tcp(); buf = ctypes.c_int(); c(libc.ioctl(s.fileno(), 0x1234, ctypes.byref(buf)))
@case("tcp.fcntl_getfl_nonblock")
def _():
    s = tcp(); s.setblocking(False); import fcntl; return fcntl.fcntl(s.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK != 0
@case("tcp.fcntl_bad_cmd")
def _():
    import fcntl; s = tcp(); fcntl.fcntl(s.fileno(), 9999)
@case("tcp.send_msg_to_connected_stream_with_addr")
def _():
    l, a, b = pair(); return a.sendto(b"x", ("127.0.0.1", 1))
@case("tcp.sendto_unconnected_stream_with_addr")
def _(): tcp().sendto(b"x", socket.MSG_NOSIGNAL, ("127.0.0.1", 1))

# ---- UDP --------------------------------------------------------------------
@case("udp.send_unconnected")
def _(): udp().send(b"x")
@case("udp.sendto_port0")
def _(): udp().sendto(b"x", ("127.0.0.1", 0))
@case("udp.recv_nonblocking")
def _():
    s = udp(); s.setblocking(False); s.recv(1)
@case("udp.getpeername")
def _(): udp().getpeername()
@case("udp.shutdown_unconnected")
def _(): udp().shutdown(socket.SHUT_RDWR)
@case("udp.bind_twice")
def _():
    s = udp(); s.bind(("127.0.0.1", 0)); s.bind(("127.0.0.1", 0))
@case("udp.so_type")
def _(): return udp().getsockopt(socket.SOL_SOCKET, socket.SO_TYPE)
@case("udp.trunc")
def _():
    a = udp(); a.bind(("127.0.0.1", 0)); b = udp(); b.sendto(b"abcdef", a.getsockname())
    data, anc, flags, addr = a.recvmsg(3); return f"{data.decode()},{flags & socket.MSG_TRUNC != 0}"
@case("udp.fionread")
def _():
    a = udp(); a.bind(("127.0.0.1", 0)); b = udp(); b.sendto(b"abcdef", a.getsockname()); b.sendto(b"xy", a.getsockname())
    time.sleep(0.01); buf = ctypes.c_int(); c(libc.ioctl(a.fileno(), 0x541B, ctypes.byref(buf))); return buf.value

# ---- fd table -----------------------------------------------------------------
@case("fd.close_twice")
def _():
    s = tcp(); fd = s.detach(); os.close(fd); os.close(fd)
@case("fd.recv_on_non_socket")
def _():
    r, w = os.pipe(); socket.socket(fileno=r)
@case("fd.dup2_bad_newfd")
def _():
    s = tcp(); os.dup2(s.fileno(), -1)
@case("fd.dup_bad")
def _(): os.dup(9999)
@case("fd.emfile")
def _():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    keep = []
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
        while True: keep.append(tcp())
    finally:
        n = len(keep)
        for s in keep: s.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        results["fd.emfile_count_under_64"] = f"ok:{n > 0}"

# ---- select / poll -------------------------------------------------------------
class timeval(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long)]

@case("select.negative_nfds")
def _():
    tv = timeval(0, 0); c(libc.select(-1, None, None, None, ctypes.byref(tv)))
@case("select.closed_fd")
def _():
    s = tcp(); fd = s.detach(); os.close(fd)
    bits = (ctypes.c_ulong * 16)(); bits[fd // 64] |= 1 << (fd % 64)
    tv = timeval(0, 0); c(libc.select(fd + 1, ctypes.byref(bits), None, None, ctypes.byref(tv)))
@case("select.negative_timeout")
def _():
    tv = timeval(-1, 0); c(libc.select(0, None, None, None, ctypes.byref(tv)))
@case("select.fresh_tcp_socket")
def _():
    s = tcp(); r, w, x = select.select([s], [s], [s], 0); return f"{len(r)},{len(w)},{len(x)}"
@case("select.listener_with_pending")
def _():
    l, port = listener(); a = tcp(); a.connect(("127.0.0.1", port)); time.sleep(0.01)
    r, w, x = select.select([l], [l], [], 0); return f"{len(r)},{len(w)}"
@case("poll.closed_fd")
def _():
    s = tcp(); fd = s.detach(); os.close(fd)
    p = select.poll(); p.register(fd, select.POLLIN); return p.poll(0)[0][1]
@case("poll.fresh_tcp")
def _():
    s = tcp(); p = select.poll(); p.register(s, select.POLLIN | select.POLLOUT); return p.poll(0)[0][1]
@case("poll.fresh_udp")
def _():
    s = udp(); p = select.poll(); p.register(s, select.POLLIN | select.POLLOUT); return p.poll(0)[0][1]
@case("poll.peer_closed")
def _():
    l, a, b = pair(); b.close(); time.sleep(0.01)
    p = select.poll(); p.register(a, select.POLLIN | select.POLLOUT | select.POLLRDHUP); return p.poll(0)[0][1]
@case("poll.reset")
def _():
    l, a, b = pair(); b.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); b.close(); time.sleep(0.01)
    p = select.poll(); p.register(a, select.POLLIN | select.POLLOUT); return p.poll(0)[0][1]
@case("poll.shut_wr_both")
def _():
    l, a, b = pair(); a.shutdown(socket.SHUT_WR); b.shutdown(socket.SHUT_WR); time.sleep(0.01)
    p = select.poll(); p.register(a, select.POLLIN | select.POLLOUT); return p.poll(0)[0][1]

# ---- epoll ---------------------------------------------------------------------
class epoll_event(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("events", ctypes.c_uint32), ("data", ctypes.c_uint64)]

EPOLLIN, EPOLLOUT, EPOLLET, EPOLLONESHOT, EPOLLEXCLUSIVE = 1, 4, 1 << 31, 1 << 30, 1 << 28

def ectl(ep, op, fd, events):
    ev = epoll_event(events, fd); return c(libc.epoll_ctl(ep, op, fd, ctypes.byref(ev)))

def ewait(ep, n=8, timeout=0):
    evs = (epoll_event * max(n, 1))(); k = c(libc.epoll_wait(ep, evs, n, timeout))
    return [(evs[i].data, evs[i].events) for i in range(k)]

@case("epoll.create1_bad_flags")
def _(): c(libc.epoll_create1(1))
@case("epoll.create_size0")
def _(): c(libc.epoll_create(0))
@case("epoll.add_twice")
def _():
    ep = c(libc.epoll_create1(0)); s = tcp(); ectl(ep, 1, s.fileno(), EPOLLIN); ectl(ep, 1, s.fileno(), EPOLLIN)
@case("epoll.mod_missing")
def _():
    ep = c(libc.epoll_create1(0)); s = tcp(); ectl(ep, 3, s.fileno(), EPOLLIN)
@case("epoll.del_missing")
def _():
    ep = c(libc.epoll_create1(0)); s = tcp(); ectl(ep, 2, s.fileno(), EPOLLIN)
@case("epoll.add_self")
def _():
    ep = c(libc.epoll_create1(0)); ectl(ep, 1, ep, EPOLLIN)
@case("epoll.bad_op")
def _():
    ep = c(libc.epoll_create1(0)); s = tcp(); ectl(ep, 9, s.fileno(), EPOLLIN)
@case("epoll.ctl_not_epoll")
def _():
    s = tcp(); t = tcp(); ectl(s.fileno(), 1, t.fileno(), EPOLLIN)
@case("epoll.ctl_bad_fd")
def _():
    ep = c(libc.epoll_create1(0)); ectl(ep, 1, 9999, EPOLLIN)
@case("epoll.wait_maxevents0")
def _():
    ep = c(libc.epoll_create1(0)); ewait(ep, 0)
@case("epoll.wait_not_epoll")
def _():
    s = tcp(); ewait(s.fileno(), 1)
@case("epoll.exclusive_mod")
def _():
    ep = c(libc.epoll_create1(0)); s = tcp(); ectl(ep, 1, s.fileno(), EPOLLIN | EPOLLEXCLUSIVE); ectl(ep, 3, s.fileno(), EPOLLIN | EPOLLEXCLUSIVE)
@case("epoll.exclusive_mod_plain")
def _():
    ep = c(libc.epoll_create1(0)); s = tcp(); ectl(ep, 1, s.fileno(), EPOLLIN | EPOLLEXCLUSIVE); ectl(ep, 3, s.fileno(), EPOLLIN)
@case("epoll.exclusive_oneshot")
def _():
    ep = c(libc.epoll_create1(0)); s = tcp(); ectl(ep, 1, s.fileno(), EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT)
@case("epoll.level_twice")
def _():
    ep = c(libc.epoll_create1(0)); l, a, b = pair(); ectl(ep, 1, a.fileno(), EPOLLIN); b.send(b"hi"); time.sleep(0.01)
    return f"{len(ewait(ep))},{len(ewait(ep))}"
@case("epoll.edge_once_until_new_data")
def _():
    ep = c(libc.epoll_create1(0)); l, a, b = pair(); ectl(ep, 1, a.fileno(), EPOLLIN | EPOLLET); b.send(b"hi"); time.sleep(0.01)
    n1 = len(ewait(ep)); n2 = len(ewait(ep)); b.send(b"more"); time.sleep(0.01); n3 = len(ewait(ep)); return f"{n1},{n2},{n3}"
@case("epoll.oneshot_rearm")
def _():
    ep = c(libc.epoll_create1(0)); l, a, b = pair(); ectl(ep, 1, a.fileno(), EPOLLIN | EPOLLONESHOT); b.send(b"hi"); time.sleep(0.01)
    n1 = len(ewait(ep)); b.send(b"more"); time.sleep(0.01); n2 = len(ewait(ep)); ectl(ep, 3, a.fileno(), EPOLLIN | EPOLLONESHOT); n3 = len(ewait(ep))
    return f"{n1},{n2},{n3}"
@case("epoll.closed_dup_still_reported")
def _():
    ep = c(libc.epoll_create1(0)); l, a, b = pair(); fd = a.fileno(); d = os.dup(fd); ectl(ep, 1, fd, EPOLLIN); a.close()
    b.send(b"x"); time.sleep(0.01); evs = ewait(ep); os.close(d); return f"{len(evs)},{evs[0][0] == fd}"
@case("epoll.del_closed_fd_with_dup")
def _():
    ep = c(libc.epoll_create1(0)); l, a, b = pair(); fd = a.fileno(); d = os.dup(fd); ectl(ep, 1, fd, EPOLLIN); a.close(); ectl(ep, 2, d, 0)
@case("epoll.closed_last_ref_removed")
def _():
    ep = c(libc.epoll_create1(0)); l, a, b = pair(); ectl(ep, 1, a.fileno(), EPOLLIN); a.close(); b.send(b"x"); time.sleep(0.01); return len(ewait(ep))
@case("epoll.fresh_tcp_out")
def _():
    ep = c(libc.epoll_create1(0)); s = tcp(); ectl(ep, 1, s.fileno(), EPOLLIN | EPOLLOUT); return ewait(ep)[0][1]

# ---- AF_UNIX ---------------------------------------------------------------------
def upath(): return os.path.join(TMP, f"s{next(PORTS)}")
def ustream(): return socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
def udgram(): return socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)

@case("unix.bind_existing")
def _():
    p = upath(); a = ustream(); a.bind(p); b = ustream(); b.bind(p)
@case("unix.bind_after_close")
def _():
    p = upath(); a = ustream(); a.bind(p); a.close(); b = ustream(); b.bind(p)
@case("unix.bind_after_unlink")
def _():
    p = upath(); a = ustream(); a.bind(p); a.close(); os.unlink(p); b = ustream(); b.bind(p)
@case("unix.connect_missing")
def _(): ustream().connect(upath())
@case("unix.connect_stale")
def _():
    p = upath(); a = ustream(); a.bind(p); a.close(); ustream().connect(p)
@case("unix.connect_not_listening")
def _():
    p = upath(); a = ustream(); a.bind(p); ustream().connect(p)
@case("unix.connect_stream_to_dgram")
def _():
    p = upath(); a = udgram(); a.bind(p); ustream().connect(p)
@case("unix.connect_twice")
def _():
    p = upath(); l = ustream(); l.bind(p); l.listen(4); a = ustream(); a.connect(p); a.connect(p)
@case("unix.send_unconnected")
def _(): ustream().send(b"x", socket.MSG_NOSIGNAL)
@case("unix.recv_unconnected")
def _(): ustream().recv(1)
@case("unix.sendto_stream_unconnected_addr")
def _(): ustream().sendto(b"x", socket.MSG_NOSIGNAL, upath())
@case("unix.sendto_stream_connected_addr")
def _():
    a, b = socket.socketpair(); a.sendto(b"x", socket.MSG_NOSIGNAL, upath())
@case("unix.send_after_peer_close")
def _():
    a, b = socket.socketpair(); b.close(); a.send(b"x", socket.MSG_NOSIGNAL)
@case("unix.recv_after_peer_close")
def _():
    a, b = socket.socketpair(); b.send(b"ab"); b.close(); return f"{a.recv(10)!r},{a.recv(10)!r}"
@case("unix.close_with_unread")
def _():
    a, b = socket.socketpair(); a.send(b"x"); b.close(); a.recv(10)
@case("unix.close_with_unread_send")
def _():
    a, b = socket.socketpair(); a.send(b"x"); b.close(); a.send(b"y", socket.MSG_NOSIGNAL)
@case("unix.listen_dgram")
def _(): udgram().listen(1)
@case("unix.accept_not_listening")
def _(): ustream().accept()
@case("unix.shutdown_unconnected")
def _(): ustream().shutdown(socket.SHUT_RDWR)
@case("unix.getsockname_unbound")
def _(): return repr(ustream().getsockname())
@case("unix.getpeername_unconnected")
def _(): ustream().getpeername()
@case("unix.getpeername_accepted")
def _():
    p = upath(); l = ustream(); l.bind(p); l.listen(4); a = ustream(); a.connect(p); b, addr = l.accept()
    return f"{addr!r},{b.getsockname() == p},{a.getpeername() == p}"
@case("unix.backlog_full_nonblocking")
def _():
    p = upath(); l = ustream(); l.bind(p); l.listen(1); n = 0
    try:
        while n < 100:
            s = ustream(); s.setblocking(False); s.connect(p); n += 1
    finally:
        results["unix.backlog_1_admits"] = f"ok:{n}"
@case("unix.dgram_send_unconnected")
def _(): udgram().send(b"x")
@case("unix.dgram_sendto_missing")
def _(): udgram().sendto(b"x", upath())
@case("unix.dgram_sendto_stream")
def _():
    p = upath(); a = ustream(); a.bind(p); udgram().sendto(b"x", p)
@case("unix.dgram_connect_missing")
def _(): udgram().connect(upath())
@case("unix.dgram_queue_full")
def _():
    p = upath(); r = udgram(); r.bind(p); s = udgram(); s.setblocking(False); n = 0
    try:
        while n < 1000:
            s.sendto(b"x", p); n += 1
    finally:
        results["unix.dgram_queue_admits"] = f"ok:{n}"
@case("unix.dgram_too_big")
def _(): a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM); a.send(b"x" * 300000)
@case("unix.dgram_to_connected_other")
def _():
    p = upath(); r = udgram(); r.bind(p); q = upath(); o = udgram(); o.bind(q); r.connect(q); udgram().sendto(b"x", p)
@case("unix.dgram_recvfrom_unnamed")
def _():
    p = upath(); r = udgram(); r.bind(p); udgram().sendto(b"hi", p); d, a = r.recvfrom(10); return f"{d!r},{a!r}"
@case("unix.dgram_recvfrom_named")
def _():
    p = upath(); r = udgram(); r.bind(p); q = upath(); s = udgram(); s.bind(q); s.sendto(b"hi", p); d, a = r.recvfrom(10); return f"{a == q}"
@case("unix.dgram_trunc")
def _():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM); a.send(b"abcdef"); d, anc, fl, ad = b.recvmsg(2); return f"{d!r},{fl & socket.MSG_TRUNC != 0}"
@case("unix.dgram_empty")
def _():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM); a.send(b""); return repr(b.recv(10))
@case("unix.stream_so_type")
def _(): return ustream().getsockopt(socket.SOL_SOCKET, socket.SO_TYPE)
@case("unix.stream_sndbuf")
def _(): return ustream().getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
@case("unix.poll_pair_fresh")
def _():
    a, b = socket.socketpair(); p = select.poll(); p.register(a, select.POLLIN | select.POLLOUT); return p.poll(0)[0][1]
@case("unix.poll_peer_closed")
def _():
    a, b = socket.socketpair(); b.close(); p = select.poll(); p.register(a, select.POLLIN | select.POLLOUT | select.POLLRDHUP); return p.poll(0)[0][1]
@case("unix.fionread")
def _():
    a, b = socket.socketpair(); b.send(b"hello"); b.send(b"xy"); buf = ctypes.c_int(); c(libc.ioctl(a.fileno(), 0x541B, ctypes.byref(buf))); return buf.value
@case("unix.dgram_fionread")
def _():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM); b.send(b"hello"); b.send(b"xy"); buf = ctypes.c_int(); c(libc.ioctl(a.fileno(), 0x541B, ctypes.byref(buf))); return buf.value

print(json.dumps({"kernel": platform.release(), "results": results}, indent=1, sort_keys=True))
