"""
RFC 3542's sticky IPV6_PKTINFO and IPV6_HOPLIMIT as Linux 6.18 has them,
for ipv6-sticky.test.ts: setsockopt(IPV6_PKTINFO, in6_pktinfo) is taken
(a struct shorter than 20 bytes or an int is EINVAL; any address and any
interface index are accepted) and its interface index becomes the
outgoing interface of later sends (an unknown index or lo: ENETUNREACH),
while its address does not change the source (which sendmsg's control
message, or bind, does); getsockopt(IPV6_PKTINFO) and IPV6_HOPLIMIT both
ways are ENOPROTOOPT on UDP and TCP sockets.

Run as root; it makes two namespaces joined by a veth pair and deletes them:
  python3 test/syscalls/ipv6-sticky-probe.py > test/syscalls/ipv6-sticky-linux.json
A: va 2001:db8::1/64 and 2001:db8::11/64; B: vb 2001:db8::2/64, a UDP
receiver on port 9 that reports each datagram's source.
(Linux 6.18 produced the committed fixture.)
"""
import json, os, socket as S, struct, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe_ns import delete, enter, fresh, outcome as e, report, sh

A, B = "sticky_a", "sticky_b"
IPV6_PKTINFO, IPV6_HOPLIMIT = 50, 52


def pk(addr, idx):
    return S.inet_pton(S.AF_INET6, addr) + struct.pack("=I", idx)

def receiver(w):
    enter(B)
    u = S.socket(S.AF_INET6, S.SOCK_DGRAM)
    u.bind(("::", 9))
    u.settimeout(2)
    seen = {}
    try:
        while True:
            d, a = u.recvfrom(100)
            seen[d.decode()] = a[0]
    except OSError:
        pass
    os.write(w, json.dumps(seen).encode())

if __name__ == "__main__":
    fresh(A, B)
    sh(f"ip link add va netns {A} type veth peer name vb netns {B}")
    sh(f"ip -n {A} addr add 2001:db8::1/64 dev va nodad")
    sh(f"ip -n {A} addr add 2001:db8::11/64 dev va nodad")
    sh(f"ip -n {B} addr add 2001:db8::2/64 dev vb nodad")
    sh(f"ip -n {A} link set va up")
    sh(f"ip -n {B} link set vb up")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            receiver(w)
        finally:
            os._exit(0)
    try:
        enter(A)
        time.sleep(0.3)
        out = {}
        va = S.if_nametoindex("va")
        out["va ifindex"] = va
        for t, n in ((S.SOCK_DGRAM, "udp"), (S.SOCK_STREAM, "tcp")):
            s = S.socket(S.AF_INET6, t)
            out[n + " getsockopt IPV6_PKTINFO"] = e(lambda: s.getsockopt(S.IPPROTO_IPV6, IPV6_PKTINFO, 20).hex())
            out[n + " setsockopt IPV6_PKTINFO"] = e(lambda: s.setsockopt(S.IPPROTO_IPV6, IPV6_PKTINFO, pk("2001:db8::1", va)))
            out[n + " getsockopt IPV6_PKTINFO after set"] = e(lambda: s.getsockopt(S.IPPROTO_IPV6, IPV6_PKTINFO, 20).hex())
            out[n + " setsockopt IPV6_PKTINFO 19 bytes"] = e(lambda: s.setsockopt(S.IPPROTO_IPV6, IPV6_PKTINFO, pk("2001:db8::1", va)[:19]))
            out[n + " setsockopt IPV6_PKTINFO int"] = e(lambda: s.setsockopt(S.IPPROTO_IPV6, IPV6_PKTINFO, 1))
            out[n + " setsockopt IPV6_PKTINFO ifindex 99"] = e(lambda: s.setsockopt(S.IPPROTO_IPV6, IPV6_PKTINFO, pk("::", 99)))
            out[n + " setsockopt IPV6_PKTINFO foreign address"] = e(lambda: s.setsockopt(S.IPPROTO_IPV6, IPV6_PKTINFO, pk("2001:db8::99", 0)))
            out[n + " setsockopt IPV6_HOPLIMIT 5"] = e(lambda: s.setsockopt(S.IPPROTO_IPV6, IPV6_HOPLIMIT, 5))
            out[n + " getsockopt IPV6_HOPLIMIT"] = e(lambda: s.getsockopt(S.IPPROTO_IPV6, IPV6_HOPLIMIT))
        dst = ("2001:db8::2", 9)
        sends = {}
        s = S.socket(S.AF_INET6, S.SOCK_DGRAM)
        sends["plain"] = e(lambda: s.sendto(b"plain", dst))
        other = {"2001:db8::1": "2001:db8::11", "2001:db8::11": "2001:db8::1"}
        # The default source is one of the two addresses: every case runs with each, and the
        # results name addresses by role ("default": the plain send's source, "other").
        for src in ("2001:db8::1", "2001:db8::11"):
            s = S.socket(S.AF_INET6, S.SOCK_DGRAM)
            s.setsockopt(S.IPPROTO_IPV6, IPV6_PKTINFO, pk(src, 0))
            sends[f"sticky {src}"] = e(lambda: s.sendto(f"sticky {src}".encode(), dst))
            s2 = S.socket(S.AF_INET6, S.SOCK_DGRAM)
            sends[f"cmsg {src}"] = e(lambda: s2.sendmsg([f"cmsg {src}".encode()], [(S.IPPROTO_IPV6, IPV6_PKTINFO, pk(src, 0))], 0, dst))
            s3 = S.socket(S.AF_INET6, S.SOCK_DGRAM)
            s3.setsockopt(S.IPPROTO_IPV6, IPV6_PKTINFO, pk(other[src], 0))
            sends[f"cmsg {src} over sticky"] = e(lambda: s3.sendmsg([f"cmsg {src} over sticky".encode()], [(S.IPPROTO_IPV6, IPV6_PKTINFO, pk(src, 0))], 0, dst))
            s4 = S.socket(S.AF_INET6, S.SOCK_DGRAM)
            s4.bind((src, 0))
            s4.setsockopt(S.IPPROTO_IPV6, IPV6_PKTINFO, pk(other[src], 0))
            sends[f"bound {src}, sticky the opposite"] = e(lambda: s4.sendto(f"bound {src}, sticky the opposite".encode(), dst))
        s = S.socket(S.AF_INET6, S.SOCK_DGRAM)
        s.setsockopt(S.IPPROTO_IPV6, IPV6_PKTINFO, pk("2001:db8::99", 0))
        sends["sticky foreign address"] = e(lambda: s.sendto(b"sticky foreign address", dst))
        for idx, name in ((va, "va"), (99, "99"), (1, "lo")):
            s = S.socket(S.AF_INET6, S.SOCK_DGRAM)
            s.setsockopt(S.IPPROTO_IPV6, IPV6_PKTINFO, pk("::", idx))
            sends[f"sticky ifindex {name}"] = e(lambda: s.sendto(f"sticky ifindex {name}".encode(), dst))
        os.waitpid(pid, 0)
        seen = json.loads(os.read(r, 65536).decode())
        plain = seen["plain"]
        role = lambda text: text.replace("2001:db8::11", "OTHER" if plain != "2001:db8::11" else "DEFAULT").replace("2001:db8::1", "OTHER" if plain != "2001:db8::1" else "DEFAULT").lower()
        out["sends"] = {role(k): "sent" if isinstance(v, int) else v for k, v in sends.items()}
        # Each datagram's source by role; unseen ones are absent.
        out["source"] = {role(k): role(v) for k, v in seen.items()}
        report(out)
    finally:
        delete(A, B)
