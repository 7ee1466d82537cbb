"""
Linux's dual stack, for dual-stack.test.ts: bind conflicts between AF_INET
and AF_INET6 sockets on one port (seven bindings pairwise, TCP bound, TCP
listening and UDP, without reuse flags, with SO_REUSEADDR on both, with
SO_REUSEPORT on both), IPV6_V6ONLY and net.ipv6.bindv6only, the errnos of
sockaddrs of the other family and of IPv4-mapped addresses, and the names
a dual-stack socket gives its IPv4 peers. Run as root in a fresh network
namespace:
  unshare -n python3 test/syscalls/dual-stack-probe.py > test/syscalls/dual-stack-linux.json
(Linux 6.18 produced the committed fixture.)
"""
import socket as S, errno, json, os, ctypes, struct
os.system("ip link set lo up")
libc = ctypes.CDLL(None, use_errno=True)
def err(e):
    if e.errno is None: return "timeout"
    return "EOPNOTSUPP" if e.errno == errno.EOPNOTSUPP else errno.errorcode[e.errno]
out = {}
def rec(name, f):
    try:
        r = f(); out[name] = "ok" if r is None else r
    except OSError as e: out[name] = err(e)

# ---- bind conflicts -----------------------------------------------------------
ADDRS = [("4","0.0.0.0"),("4","127.0.0.1"),("6","::"),("6only","::"),("6","::1"),("6","::ffff:127.0.0.1"),("6","::ffff:0.0.0.0")]
def mk(kind, fam, proto):
    s = S.socket(S.AF_INET if fam == "4" else S.AF_INET6, proto)
    if fam != "4": s.setsockopt(S.IPPROTO_IPV6, S.IPV6_V6ONLY, 1 if fam == "6only" else 0)
    if kind == "reuseaddr": s.setsockopt(S.SOL_SOCKET, S.SO_REUSEADDR, 1)
    if kind == "reuseport": s.setsockopt(S.SOL_SOCKET, S.SO_REUSEPORT, 1)
    return s
port = 20000
for mode in ["tcp-bound", "tcp-listen", "udp"]:
    proto = S.SOCK_DGRAM if mode == "udp" else S.SOCK_STREAM
    for kind in ["none", "reuseaddr", "reuseport"]:
        for f1, a1 in ADDRS:
            for f2, a2 in ADDRS:
                port += 1
                s1 = mk(kind, f1, proto); s1.bind((a1, port))
                if mode == "tcp-listen": s1.listen(5)
                s2 = mk(kind, f2, proto)
                try:
                    s2.bind((a2, port)); r = "ok"
                except OSError as e: r = err(e)
                out[f"bind {mode} {kind} {f1}:{a1} {f2}:{a2}"] = r
                s1.close(); s2.close()

# ---- options, sockaddrs of the other family, mapped addresses -----------------
def sin(addr, port): return struct.pack("=H", S.AF_INET) + struct.pack("!H4s8x", port, S.inet_aton(addr))
def sin6(addr, port): return struct.pack("=H", S.AF_INET6) + struct.pack("!HI16sI", port, 0, S.inet_pton(S.AF_INET6, addr), 0)
def raw(call, s, sa):
    b = ctypes.create_string_buffer(sa, len(sa))
    if call(s.fileno(), b, len(sa)) < 0: e = ctypes.get_errno(); raise OSError(e, os.strerror(e))
def rawsendto(s, sa):
    b = ctypes.create_string_buffer(sa, len(sa))
    if libc.sendto(s.fileno(), b"x", 1, 0, b, len(sa)) < 0: e = ctypes.get_errno(); raise OSError(e, os.strerror(e))
for pname, pt in [("tcp", S.SOCK_STREAM), ("udp", S.SOCK_DGRAM)]:
    def v6(only=None):
        s = S.socket(S.AF_INET6, pt)
        if only is not None: s.setsockopt(S.IPPROTO_IPV6, S.IPV6_V6ONLY, only)
        return s
    for val in ["0", "1"]:
        open("/proc/sys/net/ipv6/bindv6only", "w").write(val)
        s = v6(); out[f"{pname} bindv6only={val}: IPV6_V6ONLY"] = s.getsockopt(S.IPPROTO_IPV6, S.IPV6_V6ONLY); s.close()
    open("/proc/sys/net/ipv6/bindv6only", "w").write("0")
    s = v6(); rec(f"{pname} set IPV6_V6ONLY 2", lambda: s.setsockopt(S.IPPROTO_IPV6, S.IPV6_V6ONLY, 2)); out[f"{pname} IPV6_V6ONLY after setting 2"] = s.getsockopt(S.IPPROTO_IPV6, S.IPV6_V6ONLY); s.close()
    s = v6(); s.bind(("::", 0)); rec(f"{pname} set IPV6_V6ONLY after bind", lambda: s.setsockopt(S.IPPROTO_IPV6, S.IPV6_V6ONLY, 1)); s.close()
    s = v6(); s.connect(("::1", 9)) if pt == S.SOCK_DGRAM else None; rec(f"{pname} set IPV6_V6ONLY after udp connect / on a new tcp socket", lambda: s.setsockopt(S.IPPROTO_IPV6, S.IPV6_V6ONLY, 1)); s.close()
    s = S.socket(S.AF_INET, pt); rec(f"{pname} AF_INET set IPV6_V6ONLY", lambda: s.setsockopt(S.IPPROTO_IPV6, S.IPV6_V6ONLY, 1)); rec(f"{pname} AF_INET get IPV6_V6ONLY", lambda: s.getsockopt(S.IPPROTO_IPV6, S.IPV6_V6ONLY)); s.close()
    s = v6(1); rec(f"{pname} v6only bind ::ffff:127.0.0.1", lambda: s.bind(("::ffff:127.0.0.1", 0))); s.close()
    s = v6(1); rec(f"{pname} v6only bind ::ffff:0.0.0.0", lambda: s.bind(("::ffff:0.0.0.0", 0))); s.close()
    s = v6(1); s.settimeout(1); rec(f"{pname} v6only connect ::ffff:127.0.0.1", lambda: s.connect(("::ffff:127.0.0.1", 9))); s.close()
    s = v6(0); s.bind(("::1", 0)); s.settimeout(1); rec(f"{pname} bound ::1 connect ::ffff:127.0.0.1", lambda: s.connect(("::ffff:127.0.0.1", 9))); s.close()
    s = v6(0); s.bind(("::ffff:127.0.0.1", 0)); s.settimeout(1); rec(f"{pname} bound ::ffff:127.0.0.1 connect ::1", lambda: s.connect(("::1", 9))); s.close()
    s = v6(0); s.bind(("::ffff:0.0.0.0", 0)); s.settimeout(1); rec(f"{pname} bound ::ffff:0.0.0.0 connect ::1", lambda: s.connect(("::1", 9))); s.close()
    s = v6(0); rec(f"{pname} AF_INET6 bind sockaddr_in", lambda: raw(libc.bind, s, sin("127.0.0.1", 0))); s.close()
    s = S.socket(S.AF_INET, pt); rec(f"{pname} AF_INET bind sockaddr_in6 ::1", lambda: raw(libc.bind, s, sin6("::1", 0))); s.close()
    s = S.socket(S.AF_INET, pt); rec(f"{pname} AF_INET bind sockaddr_in6 ::ffff:127.0.0.1", lambda: raw(libc.bind, s, sin6("::ffff:127.0.0.1", 0))); s.close()
    s = v6(0); rec(f"{pname} AF_INET6 connect sockaddr_in", lambda: raw(libc.connect, s, sin("127.0.0.1", 9))); s.close()
    s = v6(1); rec(f"{pname} v6only connect sockaddr_in", lambda: raw(libc.connect, s, sin("127.0.0.1", 9))); s.close()
    s = S.socket(S.AF_INET, pt); rec(f"{pname} AF_INET connect sockaddr_in6 ::1", lambda: raw(libc.connect, s, sin6("::1", 9))); s.close()
    s = v6(0); out[f"{pname} unbound AF_INET6 getsockname"] = list(s.getsockname()); s.close()
    if pt == S.SOCK_DGRAM:
        s = v6(0); rec("udp AF_INET6 sendto sockaddr_in", lambda: rawsendto(s, sin("127.0.0.1", 9))); s.close()
        s = v6(1); rec("udp v6only sendto sockaddr_in", lambda: rawsendto(s, sin("127.0.0.1", 9))); s.close()
        s = v6(1); rec("udp v6only sendto ::ffff:127.0.0.1", lambda: s.sendto(b"x", ("::ffff:127.0.0.1", 9))); s.close()
        s = v6(0); s.bind(("::1", 0)); rec("udp bound ::1 sendto ::ffff:127.0.0.1", lambda: s.sendto(b"x", ("::ffff:127.0.0.1", 9))); s.close()
        s = v6(0); s.bind(("::ffff:127.0.0.1", 0)); rec("udp bound ::ffff:127.0.0.1 sendto ::1", lambda: s.sendto(b"x", ("::1", 9))); s.close()
        s = v6(0); s.connect(("::ffff:127.0.0.1", 9)); out["udp connected to ::ffff:127.0.0.1: getsockname"] = s.getsockname()[0]
        rec("udp connected to ::ffff:127.0.0.1: sendto ::1", lambda: s.sendto(b"x", ("::1", 9))); s.close()
        s = v6(0); s.sendto(b"x", ("::ffff:127.0.0.1", 9)); out["udp autobound by sendto ::ffff:127.0.0.1: getsockname"] = s.getsockname()[0]; s.close()
        s = S.socket(S.AF_INET, pt); rec("udp AF_INET sendto sockaddr_in6 ::1", lambda: rawsendto(s, sin6("::1", 9))); s.close()
        l = v6(0); l.bind(("::", 0)); p = l.getsockname()[1]
        c = S.socket(S.AF_INET, pt); c.sendto(b"a", ("127.0.0.1", p)); d, peer = l.recvfrom(10); out["udp dual-stack recvfrom an IPv4 peer"] = [peer[0], peer[2], peer[3]]
        s6 = v6(1); s6.bind(("::", 0)); p6 = s6.getsockname()[1]; c.sendto(b"a", ("127.0.0.1", p6)); s6.settimeout(0.2)
        rec("udp v6only [::] receives an IPv4 datagram", lambda: s6.recvfrom(10) and "received")
    else:
        l = v6(0); l.bind(("::", 0)); l.listen(5); p = l.getsockname()[1]
        c = S.socket(S.AF_INET, pt); c.connect(("127.0.0.1", p)); a, peer = l.accept()
        out["tcp dual-stack accept an IPv4 peer"] = [peer[0], peer[2], peer[3]]; out["tcp dual-stack accepted: getsockname"] = a.getsockname()[0]
        c2 = v6(0); c2.connect(("::ffff:127.0.0.1", p)); l.accept()
        out["tcp connected to ::ffff:127.0.0.1: getsockname"] = c2.getsockname()[0]; out["tcp connected to ::ffff:127.0.0.1: getpeername"] = c2.getpeername()[0]
        c6 = v6(0); c6.connect(("::1", p)); a6, peer6 = l.accept(); out["tcp dual-stack accept an IPv6 peer"] = peer6[0]
        s = v6(0); s.connect(("::", p)); out["tcp connect [::]: getpeername"] = s.getpeername()[0]; l.accept()
        s = v6(0); s.listen(5); out["tcp listen on an unbound AF_INET6 socket: getsockname"] = s.getsockname()[0]
        l6 = v6(1); l6.bind(("::", 0)); l6.listen(5); p6 = l6.getsockname()[1]
        c = S.socket(S.AF_INET, pt); c.settimeout(1); rec("tcp connect 127.0.0.1 to a v6only [::] listener", lambda: c.connect(("127.0.0.1", p6)))
print(json.dumps(out, indent=0))
