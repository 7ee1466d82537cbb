"""
Linux's AF_INET6 socket surface beyond IPV6_V6ONLY, for
ipv6-options.test.ts: IPPROTO_IPV6 option defaults and errnos
(IPV6_UNICAST_HOPS, IPV6_TCLASS, IPV6_MTU_DISCOVER, IPV6_MTU, IPV6_RECVERR,
IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT), what goes on the wire (traffic class
and hop limit of UDP datagrams and of every TCP segment, a listener's
SYN-ACK included, read back with tcpdump -v), ancillary data (IPV6_PKTINFO,
IPV6_HOPLIMIT on recvmsg and sendmsg), ICMPv6 errors on UDP sockets
(SO_ERROR and the error queue's sock_extended_err), link-local scope ids,
and ICMPv6 ping sockets under net.ipv4.ping_group_range.

Run as root; it makes two namespaces joined by a veth pair and deletes them:
  python3 test/syscalls/ipv6-options-probe.py > test/syscalls/ipv6-options-linux.json
A: va 2001:db8::1/64, fe80::1/64; B: vb 2001:db8::2/64, fe80::2/64.
(Linux 6.18 produced the committed fixture.)
"""
import errno, json, os, re, socket as S, struct, subprocess, sys, threading, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe_ns import delete, enter, errname, fresh, outcome, report, sh

A, B = "v6probe_a", "v6probe_b"

def setup():
    fresh(A, B)
    sh(f"ip link add va netns {A} type veth peer name vb netns {B}")
    for ns, dev, n in ((A, "va", 1), (B, "vb", 2)):
        sh(f"ip netns exec {ns} sysctl -qw net.ipv6.conf.{dev}.addr_gen_mode=1")
        sh(f"ip -n {ns} addr add 2001:db8::{n}/64 dev {dev} nodad")
        sh(f"ip -n {ns} addr add fe80::{n}/64 dev {dev} nodad")
        sh(f"ip -n {ns} link set {dev} up")

err = errname

out = {}
def rec(name, f):
    out[name] = outcome(f)

IPV6_UNICAST_HOPS, IPV6_MTU_DISCOVER, IPV6_MTU, IPV6_RECVERR = 16, 23, 24, 25
IPV6_RECVPKTINFO, IPV6_PKTINFO, IPV6_RECVHOPLIMIT, IPV6_HOPLIMIT = 49, 50, 51, 52
IPV6_RECVTCLASS, IPV6_TCLASS = 66, 67
SOL = S.IPPROTO_IPV6

# ---- B: the peer -------------------------------------------------------------
def peer():
    """In B: answers UDP datagrams on port 9999 whose payload is 'icmp T C INFO' with that ICMPv6 error,
    echoes others back with its own hop limit/tclass cmsgs recorded; listens on TCP 8000."""
    enter(B)
    u = S.socket(S.AF_INET6, S.SOCK_DGRAM)
    u.setsockopt(SOL, IPV6_RECVHOPLIMIT, 1)
    u.setsockopt(SOL, IPV6_RECVTCLASS, 1)
    u.setsockopt(SOL, IPV6_RECVPKTINFO, 1)
    u.bind(("::", 9999))
    raw = S.socket(S.AF_INET6, S.SOCK_RAW, S.IPPROTO_ICMPV6)
    t = S.socket(S.AF_INET6, S.SOCK_STREAM)
    t.setsockopt(S.SOL_SOCKET, S.SO_REUSEADDR, 1)
    t.bind(("::", 8000))
    t.listen(8)
    def tcp():
        while True:
            c, _ = t.accept()
            c.sendall(b"hello")
            c.close()
    threading.Thread(target=tcp, daemon=True).start()
    seen = []
    while True:
        data, anc, _, addr = u.recvmsg(4000, 256)
        if data == b"quit":
            break
        if data.startswith(b"icmp "):
            _, ty, co, info = data.split()
            src = S.inet_pton(S.AF_INET6, addr[0].split("%")[0])
            dst = S.inet_pton(S.AF_INET6, "2001:db8::2")
            udp = struct.pack("!HHHH", addr[1], 9999, 8 + len(data), 0) + data
            ip6 = struct.pack("!IHBB", 0x60000000, len(udp), 17, 64) + src + dst
            msg = struct.pack("!BBHI", int(ty), int(co), 0, int(info)) + ip6 + udp
            raw.sendto(msg, (addr[0], 0))
            continue
        cm = {}
        for lvl, ty, d in anc:
            if ty == IPV6_HOPLIMIT: cm["hoplimit"] = struct.unpack("i", d)[0]
            if ty == IPV6_TCLASS: cm["tclass"] = struct.unpack("i", d)[0]
            if ty == IPV6_PKTINFO: cm["src"] = addr[0]
        u.sendto(json.dumps(cm).encode(), addr)

# ---- A: the probes -----------------------------------------------------------
def opts():
    for kind, ty in (("udp", S.SOCK_DGRAM), ("tcp", S.SOCK_STREAM)):
        s = S.socket(S.AF_INET6, ty)
        for name, num in (("IPV6_UNICAST_HOPS", IPV6_UNICAST_HOPS), ("IPV6_TCLASS", IPV6_TCLASS), ("IPV6_MTU_DISCOVER", IPV6_MTU_DISCOVER),
                          ("IPV6_RECVERR", IPV6_RECVERR), ("IPV6_RECVPKTINFO", IPV6_RECVPKTINFO), ("IPV6_RECVHOPLIMIT", IPV6_RECVHOPLIMIT),
                          ("IPV6_RECVTCLASS", IPV6_RECVTCLASS), ("IPV6_MTU", IPV6_MTU)):
            rec(f"{kind} get {name}", lambda: s.getsockopt(SOL, num))
        for name, num, vals in (("IPV6_UNICAST_HOPS", IPV6_UNICAST_HOPS, (-2, -1, 0, 1, 255, 256)),
                                ("IPV6_TCLASS", IPV6_TCLASS, (-2, -1, 0, 0x28, 0x2b, 255, 256)),
                                ("IPV6_MTU_DISCOVER", IPV6_MTU_DISCOVER, (-1, 0, 5, 6)),
                                ("IPV6_RECVERR", IPV6_RECVERR, (0, 1, 2)),
                                ("IPV6_MTU", IPV6_MTU, (0, 1279, 1280, 1400))):
            for v in vals:
                s2 = S.socket(S.AF_INET6, ty)
                def f():
                    s2.setsockopt(SOL, num, v)
                    return s2.getsockopt(SOL, num) if name != "IPV6_MTU" else "ok"
                rec(f"{kind} set {name} {v}", f)
                s2.close()
        s4 = S.socket(S.AF_INET, ty)
        for name, num in (("IPV6_UNICAST_HOPS", IPV6_UNICAST_HOPS), ("IPV6_TCLASS", IPV6_TCLASS)):
            rec(f"{kind} AF_INET set {name}", lambda: s4.setsockopt(SOL, num, 1))
            rec(f"{kind} AF_INET get {name}", lambda: s4.getsockopt(SOL, num))
    u = S.socket(S.AF_INET6, S.SOCK_DGRAM)
    rec("udp get IPV6_MTU unconnected", lambda: u.getsockopt(SOL, IPV6_MTU))
    u.connect(("2001:db8::2", 9999))
    rec("udp get IPV6_MTU connected", lambda: u.getsockopt(SOL, IPV6_MTU))
    rec("udp get IPV6_UNICAST_HOPS connected", lambda: u.getsockopt(SOL, IPV6_UNICAST_HOPS))

def udp_exchange(s, payload=b"x", dst=("2001:db8::2", 9999), anc=()):
    s.settimeout(2)
    s.sendmsg([payload], list(anc), 0, dst)
    return json.loads(s.recv(1000))

def wire_udp():
    s = S.socket(S.AF_INET6, S.SOCK_DGRAM)
    out["udp default seen by peer"] = udp_exchange(s)
    s.setsockopt(SOL, IPV6_UNICAST_HOPS, 7)
    s.setsockopt(SOL, IPV6_TCLASS, 0x2b)
    out["udp hops 7 tclass 0x2b seen by peer"] = udp_exchange(s)
    rec("udp cmsg hoplimit 3", lambda: udp_exchange(s, anc=[(SOL, IPV6_HOPLIMIT, struct.pack("i", 3))]))
    rec("udp cmsg hoplimit -1", lambda: udp_exchange(s, anc=[(SOL, IPV6_HOPLIMIT, struct.pack("i", -1))]))
    rec("udp cmsg hoplimit 256", lambda: udp_exchange(s, anc=[(SOL, IPV6_HOPLIMIT, struct.pack("i", 256))]))
    rec("udp cmsg tclass 0x10", lambda: udp_exchange(s, anc=[(SOL, IPV6_TCLASS, struct.pack("i", 0x10))]))
    rec("udp cmsg tclass 256", lambda: udp_exchange(s, anc=[(SOL, IPV6_TCLASS, struct.pack("i", 256))]))
    va = S.if_nametoindex("va")
    out["va ifindex"] = va
    pk = lambda a, i: (SOL, IPV6_PKTINFO, S.inet_pton(S.AF_INET6, a) + struct.pack("I", i))
    u = S.socket(S.AF_INET6, S.SOCK_DGRAM)
    rec("udp cmsg pktinfo src 2001:db8::1", lambda: udp_exchange(u, anc=[pk("2001:db8::1", 0)]))
    rec("udp cmsg pktinfo src 2001:db8::9 (not local)", lambda: udp_exchange(u, anc=[pk("2001:db8::9", 0)]))
    rec("udp cmsg pktinfo ifindex 99", lambda: udp_exchange(u, anc=[pk("::", 99)]))
    rec("udp cmsg pktinfo ifindex va", lambda: udp_exchange(u, anc=[pk("::", va)]))
    rec("udp cmsg pktinfo short", lambda: udp_exchange(u, anc=[(SOL, IPV6_PKTINFO, b"\0" * 8)]))
    # Receiving: IPV6_RECVPKTINFO / RECVHOPLIMIT / RECVTCLASS on A's socket (B answers from 9999).
    r = S.socket(S.AF_INET6, S.SOCK_DGRAM)
    r.setsockopt(SOL, IPV6_RECVPKTINFO, 1)
    r.setsockopt(SOL, IPV6_RECVHOPLIMIT, 1)
    r.setsockopt(SOL, IPV6_RECVTCLASS, 1)
    r.bind(("::", 7000))
    r.settimeout(2)
    r.sendto(b"x", ("2001:db8::2", 9999))
    data, anc, flags, addr = r.recvmsg(1000, 1000)
    cms = []
    for lvl, ty, d in anc:
        if ty == IPV6_PKTINFO:
            cms.append([lvl, ty, S.inet_ntop(S.AF_INET6, d[:16]), struct.unpack("I", d[16:20])[0]])
        else:
            cms.append([lvl, ty, struct.unpack("i", d)[0]])
    out["udp recvmsg cmsgs (pktinfo, hoplimit, tclass order)"] = cms
    out["udp recvmsg addr"] = list(addr)
    # A cmsg buffer too small for them: MSG_CTRUNC.
    r.sendto(b"x", ("2001:db8::2", 9999))
    data, anc, flags, addr = r.recvmsg(1000, 20)
    out["udp recvmsg small control buffer flags"] = flags

def capture(ns, expr, action):
    f = f"/tmp/v6probe-{os.getpid()}.pcap"
    p = subprocess.Popen(["ip", "netns", "exec", ns, "tcpdump", "-U", "-w", f, "-i", "vb", expr], stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    try:
        action()
        time.sleep(0.5)
    finally:
        p.terminate()
        p.wait()
    txt = subprocess.run(["tcpdump", "-nn", "-v", "-r", f], capture_output=True, text=True).stdout
    os.unlink(f)
    lines = []
    for l in txt.splitlines():
        m = re.search(r"(?:class (0x[0-9a-f]+), )?(?:flowlabel 0x[0-9a-f]+, )?hlim (\d+).*?payload length: \d+\) ([0-9a-f:]+)\.\d+ > \S+: (?:Flags \[([^\]]*)\])?", l)
        if m: lines.append([m.group(1) or "0x00", int(m.group(2)), m.group(3), m.group(4) or "udp"])
    if not lines: lines.append(txt)
    return lines

def wire_tcp():
    def client():
        c = S.socket(S.AF_INET6, S.SOCK_STREAM)
        c.setsockopt(SOL, IPV6_TCLASS, 0x2b)
        c.setsockopt(SOL, IPV6_UNICAST_HOPS, 9)
        out["tcp client tclass 0x2b get"] = c.getsockopt(SOL, IPV6_TCLASS)
        c.connect(("2001:db8::2", 8000))
        c.recv(10)
        c.close()
        time.sleep(0.2)
    out["tcp client tclass 0x2b hops 9 on the wire (class, hlim, src, flags)"] = capture(B, "tcp port 8000", client)
    def server():
        l = S.socket(S.AF_INET6, S.SOCK_STREAM)
        l.setsockopt(S.SOL_SOCKET, S.SO_REUSEADDR, 1)
        l.setsockopt(SOL, IPV6_TCLASS, 0x28)
        l.setsockopt(SOL, IPV6_UNICAST_HOPS, 33)
        l.bind(("::", 8100))
        l.listen(4)
        done = threading.Event()
        def peerconn():
            subprocess.run(["ip", "netns", "exec", B, "python3", "-c",
                            "import socket as S;c=S.create_connection(('2001:db8::1',8100));c.sendall(b'hi');c.recv(10);c.close()"])
            done.set()
        threading.Thread(target=peerconn).start()
        c, _ = l.accept()
        out["tcp accepted tclass get"] = c.getsockopt(SOL, IPV6_TCLASS)
        out["tcp accepted hops get"] = c.getsockopt(SOL, IPV6_UNICAST_HOPS)
        c.recv(10)
        c.sendall(b"ok")
        c.close()
        done.wait(3)
        time.sleep(0.2)
        l.close()
    out["tcp listener tclass 0x28 hops 33 on the wire (class, hlim, src, flags)"] = capture(B, "tcp port 8100", server)
    def udpw():
        s = S.socket(S.AF_INET6, S.SOCK_DGRAM)
        s.setsockopt(SOL, IPV6_TCLASS, 0x2b)
        for h in (0, 1):
            s.setsockopt(SOL, IPV6_UNICAST_HOPS, h)
            rec(f"udp hops {h} sendto", lambda: s.sendto(b"x", ("2001:db8::2", 9998)))
    out["udp tclass 0x2b hops 0 then 1 on the wire"] = capture(B, "udp port 9998", udpw)

def pmtu():
    for v in range(6):
        s = S.socket(S.AF_INET6, S.SOCK_DGRAM)
        s.setsockopt(SOL, IPV6_MTU_DISCOVER, v)
        rec(f"udp pmtudisc {v} send 2000 unconnected", lambda: s.sendto(b"x" * 2000, ("2001:db8::2", 9998)))
        rec(f"udp pmtudisc {v} send 1452 unconnected", lambda: s.sendto(b"x" * 1452, ("2001:db8::2", 9998)))
        rec(f"udp pmtudisc {v} send 1453 unconnected", lambda: s.sendto(b"x" * 1453, ("2001:db8::2", 9998)))

ICMP_CASES = [(1, 0, 0), (1, 1, 0), (1, 3, 0), (1, 4, 0), (1, 5, 0), (1, 6, 0), (2, 0, 1280), (3, 0, 0), (3, 1, 0), (4, 0, 0), (4, 1, 0), (4, 2, 0)]

def icmp_errors():
    for ty, co, info in ICMP_CASES:
        for connected in (True, False):
            for recverr in (False, True):
                s = S.socket(S.AF_INET6, S.SOCK_DGRAM)
                if recverr: s.setsockopt(SOL, IPV6_RECVERR, 1)
                s.bind(("2001:db8::1", 0))
                msg = f"icmp {ty} {co} {info}".encode()
                if connected:
                    s.connect(("2001:db8::2", 9999)); s.send(msg)
                else:
                    s.sendto(msg, ("2001:db8::2", 9999))
                time.sleep(0.15)
                key = f"icmp6 {ty}/{co} connected={int(connected)} recverr={int(recverr)}"
                e = s.getsockopt(S.SOL_SOCKET, S.SO_ERROR)
                r = {"SO_ERROR": errno.errorcode.get(e, e)}
                try:
                    data, anc, flags, addr = s.recvmsg(100, 200, S.MSG_ERRQUEUE)
                    for lvl, t, d in anc:
                        ee_errno, origin, etype, ecode, _, info_, edata = struct.unpack("IBBBBII", d[:16])
                        fam, port, flow, a, scope = struct.unpack("HHI16sI", d[16:44])
                        r["cmsg"] = [lvl, t]
                        r["ee"] = [errno.errorcode.get(ee_errno, ee_errno), origin, etype, ecode, info_, edata]
                        r["offender"] = [fam, S.inet_ntop(S.AF_INET6, a)]
                    r["data"] = data.decode()
                    r["addr"] = [addr[0], addr[1] != 0]
                    r["flags"] = flags
                    r["SO_ERROR after"] = s.getsockopt(S.SOL_SOCKET, S.SO_ERROR)
                except OSError as ex:
                    r["errqueue"] = err(ex)
                if ty == 2 and connected:
                    r["IPV6_MTU"] = s.getsockopt(SOL, IPV6_MTU)
                    for v in (0, 1, 2, 3):
                        s.setsockopt(SOL, IPV6_MTU_DISCOVER, v)
                        try:
                            s.send(b"y" * 1300); r[f"send 1300 pmtudisc {v}"] = "ok"
                        except OSError as ex:
                            r[f"send 1300 pmtudisc {v}"] = err(ex)
                out[key] = r
                s.close()
    # Reading the error queue first: what SO_ERROR says afterwards; recv with a pending error.
    s = S.socket(S.AF_INET6, S.SOCK_DGRAM)
    s.setsockopt(SOL, IPV6_RECVERR, 1)
    s.connect(("2001:db8::2", 9999))
    s.send(b"icmp 1 4 0")
    time.sleep(0.15)
    s.recvmsg(100, 200, S.MSG_ERRQUEUE)
    out["errqueue first, then SO_ERROR"] = s.getsockopt(S.SOL_SOCKET, S.SO_ERROR)
    s.send(b"icmp 1 4 0")
    time.sleep(0.15)
    s.setblocking(False)
    rec("recv with pending error", lambda: s.recv(10))
    rec("recv errqueue after recv took the error", lambda: len(s.recvmsg(100, 200, S.MSG_ERRQUEUE)[1]))
    rec("errqueue empty", lambda: s.recvmsg(100, 200, S.MSG_ERRQUEUE))

def scope():
    va = S.if_nametoindex("va")
    for kind, ty in (("udp", S.SOCK_DGRAM), ("tcp", S.SOCK_STREAM)):
        for name, sid in (("no scope", 0), ("scope va", va), ("scope lo", 1), ("scope 99", 99)):
            s = S.socket(S.AF_INET6, ty)
            def f():
                s.bind(("fe80::1", 0, 0, sid))
                n = s.getsockname()
                return [n[0], n[3]]
            rec(f"{kind} bind fe80::1 {name}", f)
            s.close()
        s = S.socket(S.AF_INET6, ty)
        def g():
            s.bind(("2001:db8::1", 0, 0, 99))
            n = s.getsockname()
            return [n[0], n[3]]
        rec(f"{kind} bind 2001:db8::1 scope 99", g)
        port = 9999 if kind == "udp" else 8000
        for name, sid in (("no scope", 0), ("scope va", va), ("scope 99", 99)):
            s = S.socket(S.AF_INET6, ty)
            s.settimeout(2)
            def c():
                s.connect(("fe80::2", port, 0, sid))
                n, p = s.getsockname(), s.getpeername()
                return [n[0], n[3], p[0], p[3]]
            rec(f"{kind} connect fe80::2 {name}", c)
            s.close()
        s = S.socket(S.AF_INET6, ty)
        s.bind(("fe80::1", 0, 0, va))
        def c2():
            s.connect(("fe80::2", port, 0, 0))
            p = s.getpeername()
            return [p[0], p[3]]
        rec(f"{kind} bound fe80::1%va connect fe80::2 no scope", c2)
        s.close()
        s = S.socket(S.AF_INET6, ty)
        s.bind(("fe80::1", 0, 0, va))
        rec(f"{kind} bound fe80::1%va connect fe80::2 scope lo", lambda: s.connect(("fe80::2", port, 0, 1)))
        s.close()
    u = S.socket(S.AF_INET6, S.SOCK_DGRAM)
    u.settimeout(2)
    rec("udp sendto fe80::2 no scope", lambda: u.sendto(b"x", ("fe80::2", 9999, 0, 0)))
    rec("udp sendto fe80::2 scope 99", lambda: u.sendto(b"x", ("fe80::2", 9999, 0, 99)))
    u.sendto(b"x", ("fe80::2", 9999, 0, va))
    d, a = u.recvfrom(100)
    out["udp recvfrom fe80::2 address"] = [a[0], a[3]]
    rec("udp sendto ff02::1 no scope", lambda: u.sendto(b"x", ("ff02::1", 9999, 0, 0)))
    rec("udp sendto ff02::1 scope va", lambda: u.sendto(b"x", ("ff02::1", 9999, 0, va)))
    rec("udp sendto 2001:db8::2 scope 99", lambda: u.sendto(b"x", ("2001:db8::2", 9998, 0, 99)))

def ping():
    os.system("sysctl -qw net.ipv4.ping_group_range='1 0'")
    rec("ping socket with ping_group_range 1 0", lambda: S.socket(S.AF_INET6, S.SOCK_DGRAM, S.IPPROTO_ICMPV6).close())
    os.system("sysctl -qw net.ipv4.ping_group_range='0 0'")
    rec("ping socket with ping_group_range 0 0", lambda: S.socket(S.AF_INET6, S.SOCK_DGRAM, S.IPPROTO_ICMPV6).close())
    rec("AF_INET6 SOCK_DGRAM IPPROTO_ICMP", lambda: S.socket(S.AF_INET6, S.SOCK_DGRAM, S.IPPROTO_ICMP).close())
    rec("AF_INET SOCK_DGRAM IPPROTO_ICMPV6", lambda: S.socket(S.AF_INET, S.SOCK_DGRAM, S.IPPROTO_ICMPV6).close())
    rec("AF_INET6 SOCK_STREAM IPPROTO_ICMPV6", lambda: S.socket(S.AF_INET6, S.SOCK_STREAM, S.IPPROTO_ICMPV6).close())
    s = S.socket(S.AF_INET6, S.SOCK_DGRAM, S.IPPROTO_ICMPV6)
    s.settimeout(2)
    out["ping getsockname unbound"] = list(s.getsockname())
    req = struct.pack("!BBHHH", 128, 0, 0, 0x1234, 7) + b"abcdefgh"
    rec("ping sendto echo request", lambda: s.sendto(req, ("2001:db8::2", 0)))
    n = s.getsockname()
    out["ping getsockname after send (port is the id)"] = [n[0], n[1] != 0]
    d, a = s.recvfrom(100)
    ty, co, ck, ident, seq = struct.unpack("!BBHHH", d[:8])
    out["ping reply"] = {"type": ty, "code": co, "id is the port": ident == n[1], "seq": seq, "data": d[8:].decode(), "len": len(d), "from": list(a)}
    rec("ping sendto type 129", lambda: s.sendto(struct.pack("!BBHHH", 129, 0, 0, 1, 1), ("2001:db8::2", 0)))
    rec("ping sendto code 1", lambda: s.sendto(struct.pack("!BBHHH", 128, 1, 0, 1, 1), ("2001:db8::2", 0)))
    rec("ping sendto 7 bytes", lambda: s.sendto(b"\x80" + b"\0" * 6, ("2001:db8::2", 0)))
    rec("ping sendto AF_INET address", lambda: s.sendto(req, ("10.0.0.1", 0)))
    rec("ping sendto mapped address", lambda: s.sendto(req, ("::ffff:10.0.0.1", 0)))
    rec("ping send unconnected", lambda: s.send(req))
    b = S.socket(S.AF_INET6, S.SOCK_DGRAM, S.IPPROTO_ICMPV6)
    def bindid():
        b.bind(("::", 4242))
        return list(b.getsockname())
    rec("ping bind id 4242", bindid)
    b2 = S.socket(S.AF_INET6, S.SOCK_DGRAM, S.IPPROTO_ICMPV6)
    rec("ping bind id 4242 again", lambda: b2.bind(("::", 4242)))
    b3 = S.socket(S.AF_INET6, S.SOCK_DGRAM, S.IPPROTO_ICMPV6)
    b3.settimeout(2)
    def unreach():
        b3.setsockopt(SOL, IPV6_RECVERR, 1)
        b3.sendto(req, ("2001:db8:1::9", 0))
    rec("ping sendto no route", unreach)
    os.system("sysctl -qw net.ipv4.ping_group_range='1 0'")

def gai():
    """getaddrinfo over a hosts file with one name in both families (a private mount namespace)."""
    code = r'''
import socket as S, json, os, sys
os.system("mount --bind /tmp/v6probe-hosts /etc/hosts")
open("/etc/nsswitch.conf").read()
r = {}
for host in ("both", "both4first"):
    r[host] = [[a[0].name, a[1].name, a[4][0]] for a in S.getaddrinfo(host, 80)]
r["both AF_INET6"] = [a[4][0] for a in S.getaddrinfo("both", 80, S.AF_INET6, S.SOCK_STREAM)]
try:
    r["v4only AF_INET6"] = S.getaddrinfo("v4only", 80, S.AF_INET6)
except S.gaierror as e:
    r["v4only AF_INET6"] = [e.errno, e.strerror]
r["v4only AF_INET6 AI_V4MAPPED"] = [a[4][0] for a in S.getaddrinfo("v4only", 80, S.AF_INET6, S.SOCK_STREAM, 0, S.AI_V4MAPPED)]
print(json.dumps(r))
'''
    with open("/tmp/v6probe-hosts", "w") as f:
        f.write("127.0.0.1 localhost\n10.9.0.2 both\n2001:db8::2 both\n2001:db8::2 both4first\n10.9.0.2 both4first\n10.9.0.2 v4only\n")
    sh(f"ip -n {A} addr add 10.9.0.1/24 dev va")
    for ns, label in ((A, "dual-stack host"),):
        r = subprocess.run(["ip", "netns", "exec", ns, "unshare", "-m", "python3", "-c", code], capture_output=True, text=True)
        out[f"getaddrinfo on a {label}"] = json.loads(r.stdout) if r.returncode == 0 else r.stderr
    # A host with IPv4 only (IPv6 address removed): RFC 6724 rule 1 puts the unreachable IPv6 address last.
    sh(f"ip -n {A} addr del 2001:db8::1/64 dev va")
    r = subprocess.run(["ip", "netns", "exec", A, "unshare", "-m", "python3", "-c", code], capture_output=True, text=True)
    out["getaddrinfo on an IPv4-only host"] = json.loads(r.stdout) if r.returncode == 0 else r.stderr
    sh(f"ip -n {A} addr add 2001:db8::1/64 dev va nodad")
    os.unlink("/tmp/v6probe-hosts")

if __name__ == "__main__":
    setup()
    try:
        pid = os.fork()
        if pid == 0:
            try:
                peer()
            finally:
                os._exit(0)
        enter(A)
        time.sleep(0.3)
        opts(); wire_udp(); wire_tcp(); pmtu(); icmp_errors(); scope(); ping(); gai()
        S.socket(S.AF_INET6, S.SOCK_DGRAM).sendto(b"quit", ("2001:db8::2", 9999))
        os.waitpid(pid, 0)
        report(out)
    finally:
        delete(A, B)
