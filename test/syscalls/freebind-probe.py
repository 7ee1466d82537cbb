"""
IP_FREEBIND and IPV6_FREEBIND on Linux, for freebind.test.ts: bind to an
address the host does not have (EADDRNOTAVAIL without the option, allowed
with it — TCP and UDP, both families), the value read back, IPV6_FREEBIND
on an AF_INET socket, IP_FREEBIND on an AF_INET6 one (the same flag:
inet->freebind), and AF_UNIX. Run as root (one namespace, loopback only):
  python3 test/syscalls/freebind-probe.py > test/syscalls/freebind-linux.json
(Linux 6.18 produced the committed fixture.)
"""
import os, socket as S, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe_ns import delete, enter, fresh, outcome, report

NS = "freebindprobe"
IP_FREEBIND, IPV6_FREEBIND = 15, 78


def main():
    out = {}
    fresh(NS)
    try:
        enter(NS)
        for fam, name, addr in ((S.AF_INET, "v4", "192.0.2.7"), (S.AF_INET6, "v6", "2001:db8::7")):
            for typ, tname in ((S.SOCK_STREAM, "tcp"), (S.SOCK_DGRAM, "udp")):
                k = f"{name} {tname}"
                s = S.socket(fam, typ)
                out[f"{k} bind non-local"] = outcome(lambda: s.bind((addr, 8080)))
                s.close()
                s = S.socket(fam, typ)
                out[f"{k} IP_FREEBIND default"] = s.getsockopt(S.SOL_IP, IP_FREEBIND)
                out[f"{k} set IP_FREEBIND 1"] = outcome(lambda: s.setsockopt(S.SOL_IP, IP_FREEBIND, 1))
                out[f"{k} IP_FREEBIND after set"] = s.getsockopt(S.SOL_IP, IP_FREEBIND)
                out[f"{k} bind non-local with IP_FREEBIND"] = outcome(lambda: s.bind((addr, 8080)))
                out[f"{k} getsockname"] = s.getsockname()[0]
                if typ == S.SOCK_STREAM:
                    out[f"{k} listen on non-local"] = outcome(lambda: s.listen(1))
                s.close()
                s = S.socket(fam, typ)
                out[f"{k} set IP_FREEBIND 5"] = outcome(lambda: s.setsockopt(S.SOL_IP, IP_FREEBIND, 5))
                out[f"{k} IP_FREEBIND after 5"] = s.getsockopt(S.SOL_IP, IP_FREEBIND)
                out[f"{k} set IPV6_FREEBIND"] = outcome(lambda: s.setsockopt(S.IPPROTO_IPV6, IPV6_FREEBIND, 1))
                out[f"{k} get IPV6_FREEBIND"] = outcome(lambda: s.getsockopt(S.IPPROTO_IPV6, IPV6_FREEBIND))
                out[f"{k} IP_FREEBIND after IPV6_FREEBIND"] = s.getsockopt(S.SOL_IP, IP_FREEBIND)
                s.close()
        u = S.socket(S.AF_UNIX, S.SOCK_STREAM)
        out["unix set IP_FREEBIND"] = outcome(lambda: u.setsockopt(S.SOL_IP, IP_FREEBIND, 1))
        out["unix get IP_FREEBIND"] = outcome(lambda: u.getsockopt(S.SOL_IP, IP_FREEBIND))
        u.close()
    finally:
        delete(NS)
    report(out)


main()
