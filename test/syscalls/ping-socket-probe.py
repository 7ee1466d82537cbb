"""
Linux's ping sockets in both families, for ping-socket.test.ts: IPv4
(AF_INET/IPPROTO_ICMP) beside ICMPv6 — socket()'s checks, the identifier
as a port, what sendto accepts and recvfrom returns, binding an identifier
another socket holds (ping sockets start with SO_REUSEADDR set: Linux's
inetsw entry has INET_PROTOSW_REUSE, and ping_get_port refuses a held
identifier only when one of the two has it cleared; the reply goes to the
socket bound last), binding to a local address, and ICMP errors: SO_ERROR,
recv, and the error queue with IP_RECVERR / IPV6_RECVERR.

Run as root; it makes two namespaces joined by a veth pair and deletes them:
  python3 test/syscalls/ping-socket-probe.py > test/syscalls/ping-socket-linux.json
A: va 10.9.0.1/24, 2001:db8::1/64, routes to 10.9.8/24, 10.9.9/24,
2001:db8:8::/64, 2001:db8:9::/64 via B. B (a router): vb 10.9.0.2/24,
2001:db8::2/64, a veth pair d0/d1 with d0 holding 10.9.9.254/24 and 2001:db8:9::fe/64; no ICMP rate limits, no
route to the :8 prefixes (unreachable), the :9 ones are on d0 (a hop limit
of 1 expires at B). (Linux 6.18 produced the committed fixture.)
"""
import errno, json, os, select, socket as S, struct, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe_ns import delete, enter, errname, fresh, outcome, report, sh

A, B = "pingprobe_a", "pingprobe_b"

def setup():
    fresh(A, B)
    sh(f"ip link add va netns {A} type veth peer name vb netns {B}")
    for ns, dev, n in ((A, "va", 1), (B, "vb", 2)):
        sh(f"ip netns exec {ns} sysctl -qw net.ipv6.conf.{dev}.addr_gen_mode=1")
        sh(f"ip -n {ns} addr add 10.9.0.{n}/24 dev {dev}")
        sh(f"ip -n {ns} addr add 2001:db8::{n}/64 dev {dev} nodad")
        sh(f"ip -n {ns} link set {dev} up")
    sh(f"ip -n {B} link add d0 type veth peer name d1")
    sh(f"ip -n {B} link set d1 up")
    sh(f"ip -n {B} addr add 10.9.9.254/24 dev d0")
    sh(f"ip -n {B} addr add 2001:db8:9::fe/64 dev d0 nodad")
    sh(f"ip -n {B} link set d0 up")
    sh(f"ip netns exec {B} sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1")
    # No rate limits on B's ICMP errors (icmp_send's and icmpv6's token buckets); ip_error's
    # (route.error_cost, 1 s a token, not per namespace) is met by spacing the sends (errsend).
    sh(f"ip netns exec {B} sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0")
    for p in ("10.9.8.0/24 via 10.9.0.2", "10.9.9.0/24 via 10.9.0.2", "2001:db8:8::/64 via 2001:db8::2", "2001:db8:9::/64 via 2001:db8::2"):
        sh(f"ip -n {A} route add {p}")
    sh(f"ip netns exec {A} sysctl -qw net.ipv4.ping_group_range='0 0'")

err = errname

out = {}
def rec(name, f):
    out[name] = outcome(f)

IP_RECVERR, IP_TTL = 11, 2
IPV6_RECVERR, IPV6_UNICAST_HOPS = 25, 16

def fam(v6):
    """(family, protocol, any, peer, unreachable, expiring, echo type, reply type, error level, error type)"""
    if v6:
        return S.AF_INET6, S.IPPROTO_ICMPV6, "::", "2001:db8::2", "2001:db8:8::1", "2001:db8:9::1", 128, 129, S.IPPROTO_IPV6, IPV6_RECVERR
    return S.AF_INET, S.IPPROTO_ICMP, "0.0.0.0", "10.9.0.2", "10.9.8.1", "10.9.9.1", 8, 0, S.IPPROTO_IP, IP_RECVERR

def errqueue(s, v6):
    """recvmsg(MSG_ERRQUEUE): payload, name, flags and the sock_extended_err with its offender."""
    d, anc, flags, addr = s.recvmsg(200, 512, S.MSG_ERRQUEUE)
    (lvl, ty, cm), = anc
    ee_errno, origin, etype, ecode, pad, info, data = struct.unpack("=IBBBBII", cm[:16])
    off = cm[16:]
    if v6:
        offender = S.inet_ntop(S.AF_INET6, off[8:24]) if len(off) >= 24 and struct.unpack("=H", off[:2])[0] == S.AF_INET6 else None
    else:
        offender = S.inet_ntop(S.AF_INET, off[4:8]) if len(off) >= 8 and struct.unpack("=H", off[:2])[0] == S.AF_INET else None
    return {"payload type": d[0], "payload len": len(d), "payload id is the port": struct.unpack("!H", d[4:6])[0] == s.getsockname()[1],
            "name": list(addr), "flags": flags, "cmsg": [lvl, ty],
            "ee": {"errno": errno.errorcode.get(ee_errno, ee_errno), "origin": origin, "type": etype, "code": ecode, "pad": pad, "info": info, "data": data},
            "offender": offender}

def probe(v6):
    f, proto, any_, peer, unreach, expire, t_req, t_rep, lvl, recverr = fam(v6)
    k = "v6 " if v6 else "v4 "
    req = struct.pack("!BBHHH", t_req, 0, 0, 0x1234, 7) + b"abcdefgh"
    sh("sysctl -qw net.ipv4.ping_group_range='1 0'")
    rec(k + "socket with ping_group_range 1 0", lambda: S.socket(f, S.SOCK_DGRAM, proto).close())
    sh("sysctl -qw net.ipv4.ping_group_range='0 0'")
    s = S.socket(f, S.SOCK_DGRAM, proto)
    s.settimeout(2)
    out[k + "getsockname unbound"] = list(s.getsockname())
    out[k + "SO_REUSEADDR default"] = s.getsockopt(S.SOL_SOCKET, S.SO_REUSEADDR)
    rec(k + "sendto echo request", lambda: s.sendto(req, (peer, 0)))
    n = s.getsockname()
    d, a = s.recvfrom(100)
    ty, co, ck, ident, seq = struct.unpack("!BBHHH", d[:8])
    out[k + "reply"] = {"type": ty, "code": co, "id is the port": ident == n[1], "seq": seq, "data": d[8:].decode(), "len": len(d), "from": list(a)}
    rec(k + "sendto reply type", lambda: s.sendto(struct.pack("!BBHHH", t_rep, 0, 0, 1, 1), (peer, 0)))
    rec(k + "sendto code 1", lambda: s.sendto(struct.pack("!BBHHH", t_req, 1, 0, 1, 1), (peer, 0)))
    rec(k + "sendto 7 bytes", lambda: s.sendto(bytes([t_req]) + b"\0" * 6, (peer, 0)))
    rec(k + "send unconnected", lambda: s.send(req))
    rec(k + "sendto port 9", lambda: s.sendto(req, (peer, 9)))
    # Identifiers: SO_REUSEADDR is on by default; a held one is refused only when either socket cleared it.
    a1, a2 = S.socket(f, S.SOCK_DGRAM, proto), S.socket(f, S.SOCK_DGRAM, proto)
    rec(k + "bind 4242", lambda: a1.bind((any_, 4242)))
    rec(k + "bind 4242 again", lambda: a2.bind((any_, 4242)))
    b1, b2 = S.socket(f, S.SOCK_DGRAM, proto), S.socket(f, S.SOCK_DGRAM, proto)
    b2.setsockopt(S.SOL_SOCKET, S.SO_REUSEADDR, 0)
    b1.bind((any_, 4243))
    rec(k + "bind a held id with SO_REUSEADDR 0", lambda: b2.bind((any_, 4243)))
    c1, c2 = S.socket(f, S.SOCK_DGRAM, proto), S.socket(f, S.SOCK_DGRAM, proto)
    c1.setsockopt(S.SOL_SOCKET, S.SO_REUSEADDR, 0)
    c1.bind((any_, 4244))
    rec(k + "bind an id held with SO_REUSEADDR 0", lambda: c2.bind((any_, 4244)))
    rec(k + "bind twice", lambda: a1.bind((any_, 4245)))
    # Two sockets on one identifier: the reply goes to the one bound last.
    x, y = S.socket(f, S.SOCK_DGRAM, proto), S.socket(f, S.SOCK_DGRAM, proto)
    x.bind((any_, 4300)); y.bind((any_, 4300))
    x.settimeout(0.3); y.settimeout(0.3)
    x.sendto(req, (peer, 0))
    got = {}
    for name, sk in (("first", x), ("last", y)):
        try:
            got[name] = len(sk.recv(100))
        except OSError as e:
            got[name] = err(e)
    out[k + "shared id: who gets the reply"] = got
    # Binding to a local address; a foreign one.
    own = "2001:db8::1" if v6 else "10.9.0.1"
    l1 = S.socket(f, S.SOCK_DGRAM, proto)
    def bind_own():
        l1.bind((own, 4400))
        return list(l1.getsockname())
    rec(k + "bind to own address", bind_own)
    rec(k + "bind to a foreign address", lambda: S.socket(f, S.SOCK_DGRAM, proto).bind((peer, 4401)))
    # connect
    cn = S.socket(f, S.SOCK_DGRAM, proto)
    cn.settimeout(0.5)
    rec(k + "connect", lambda: cn.connect((peer, 0)))
    rec(k + "getpeername", lambda: list(cn.getpeername()))
    rec(k + "getsockname connected (port is an id)", lambda: [cn.getsockname()[0], cn.getsockname()[1] != 0])
    rec(k + "send connected", lambda: cn.send(req))
    rec(k + "recv connected len", lambda: len(cn.recv(100)))
    # ICMP errors. Unconnected, no RECVERR: nothing to see.
    u = S.socket(f, S.SOCK_DGRAM, proto)
    u.setblocking(False)
    errsend(lambda: u.sendto(req, (unreach, 0)))
    out[k + "unconnected error without RECVERR: SO_ERROR"] = u.getsockopt(S.SOL_SOCKET, S.SO_ERROR)
    rec(k + "unconnected error without RECVERR: recv", lambda: u.recv(100))
    # Connected, no RECVERR: SO_ERROR.
    cu = S.socket(f, S.SOCK_DGRAM, proto)
    cu.setblocking(False)
    cu.connect((unreach, 0))
    errsend(lambda: cu.send(req))
    out[k + "connected error without RECVERR: poll"] = _poll(cu)
    rec(k + "connected error without RECVERR: recv", lambda: cu.recv(100))
    rec(k + "connected error without RECVERR: recv again", lambda: cu.recv(100))
    rec(k + "connected error without RECVERR: errqueue", lambda: errqueue(cu, v6))
    # RECVERR on a connected socket, and on one bound to its own address: the error names the
    # quoted packet's destination, which ping_lookup compares with the socket's bound address.
    ce = S.socket(f, S.SOCK_DGRAM, proto)
    ce.setblocking(False)
    ce.setsockopt(lvl, recverr, 1)
    ce.connect((unreach, 0))
    errsend(lambda: ce.send(req))
    rec(k + "RECVERR connected: errqueue", lambda: errqueue(ce, v6)["ee"]["errno"])
    be = S.socket(f, S.SOCK_DGRAM, proto)
    be.setblocking(False)
    be.setsockopt(lvl, recverr, 1)
    be.bind((own, 0))
    errsend(lambda: be.sendto(req, (unreach, 0)))
    rec(k + "RECVERR bound to own address: errqueue", lambda: errqueue(be, v6)["ee"]["errno"])
    # RECVERR, unconnected: the error queue and SO_ERROR.
    e = S.socket(f, S.SOCK_DGRAM, proto)
    e.setblocking(False)
    e.setsockopt(lvl, recverr, 1)
    out[k + "RECVERR getsockopt"] = e.getsockopt(lvl, recverr)
    errsend(lambda: e.sendto(req, (unreach, 0)))
    out[k + "RECVERR unreachable: poll"] = _poll(e)
    rec(k + "RECVERR unreachable: errqueue", lambda: errqueue(e, v6))
    out[k + "RECVERR unreachable: SO_ERROR after errqueue"] = e.getsockopt(S.SOL_SOCKET, S.SO_ERROR)
    rec(k + "RECVERR unreachable: errqueue empty", lambda: errqueue(e, v6))
    errsend(lambda: e.sendto(req, (unreach, 0)))
    out[k + "RECVERR unreachable: SO_ERROR first"] = e.getsockopt(S.SOL_SOCKET, S.SO_ERROR)
    rec(k + "RECVERR unreachable: recv after SO_ERROR", lambda: e.recv(100))
    rec(k + "RECVERR unreachable: errqueue after SO_ERROR", lambda: errqueue(e, v6)["ee"]["errno"])
    errsend(lambda: e.sendto(req, (unreach, 0)))
    rec(k + "RECVERR unreachable: recv", lambda: e.recv(100))
    rec(k + "RECVERR unreachable: errqueue after recv", lambda: errqueue(e, v6)["ee"]["errno"])
    # Hop limit 1 to a prefix beyond B: time exceeded, a soft error.
    if v6:
        e.setsockopt(S.IPPROTO_IPV6, IPV6_UNICAST_HOPS, 1)
    else:
        e.setsockopt(S.IPPROTO_IP, IP_TTL, 1)
    errsend(lambda: e.sendto(req, (expire, 0)))
    rec(k + "RECVERR time exceeded: errqueue", lambda: errqueue(e, v6))
    out[k + "RECVERR time exceeded: SO_ERROR after errqueue"] = e.getsockopt(S.SOL_SOCKET, S.SO_ERROR)
    e.setsockopt(lvl, recverr, 0)
    errsend(lambda: e.sendto(req, (unreach, 0)))
    rec(k + "RECVERR off again: errqueue", lambda: errqueue(e, v6))

def errsend(send):
    """A send that draws an ICMP error from B, 1.1 s after the last (ip_error's token bucket), then the error's arrival."""
    time.sleep(1.1)
    send()
    time.sleep(0.3)

def _poll(s):
    p = select.poll()
    p.register(s, select.POLLIN | select.POLLOUT | select.POLLERR)
    r = p.poll(0)
    return r[0][1] if r else 0

if __name__ == "__main__":
    setup()
    try:
        enter(A)
        rec("AF_INET SOCK_DGRAM IPPROTO_ICMPV6", lambda: S.socket(S.AF_INET, S.SOCK_DGRAM, S.IPPROTO_ICMPV6).close())
        rec("AF_INET SOCK_STREAM IPPROTO_ICMP", lambda: S.socket(S.AF_INET, S.SOCK_STREAM, S.IPPROTO_ICMP).close())
        probe(False)
        probe(True)
        # One table for both families: an IPv4 and an IPv6 socket on one identifier.
        v4, v6s = S.socket(S.AF_INET, S.SOCK_DGRAM, S.IPPROTO_ICMP), S.socket(S.AF_INET6, S.SOCK_DGRAM, S.IPPROTO_ICMPV6)
        v4.setsockopt(S.SOL_SOCKET, S.SO_REUSEADDR, 0)
        v4.bind(("0.0.0.0", 4500))
        rec("v6 bind an id an IPv4 socket holds with SO_REUSEADDR 0", lambda: v6s.bind(("::", 4500)))
        report(out)
    finally:
        delete(A, B)
