#!/usr/bin/env python3
"""The Linux side of test/pkt/linux/sndbuf-truesize.pkt: what a non-blocking
1,000,000-byte write takes into a small send buffer, and `ss -m`'s skmem after it.

Plays the peer over a TUN device tun0 (10.0.0.2/24) in a PRIVATE network
namespace (tun_peer.py: mss 1000, SACK, no timestamps, no window scaling, a
32792-byte window), a 10 ms handshake RTT, cubic; for each SO_SNDBUF given
(0: none) one connection. Run as root:
  unshare -n python3 test/tcp/linux-sndbuf-probe.py 16384 8000 4000 0
Linux 6.18.44: 16384 → sk_sndbuf 32768, write 42000, w47824; 8000 and 4000 →
26000, w30992; none → tb46080 (tcp_sndbuf_expand: 2 × 10 × 2304), 42000.
"""
import os, socket, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tun_peer import recv, send  # sets up tun0 in this namespace
subprocess.check_call(["sysctl", "-qw", "net.ipv4.tcp_wmem=4096 16384 4194304"])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); srv.bind(("10.0.0.2", 8080))
srv.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"cubic"); srv.listen(8)
port = 40000
for sndbuf in [int(x) for x in sys.argv[1:]]:
    port += 1
    send(port, 0, 0, "S")
    isn = recv(0.05)[0][2]
    time.sleep(0.01)
    send(port, 1, isn + 1, ".")
    c, _ = srv.accept()
    if sndbuf: c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    c.setblocking(False)
    n = c.send(b"x" * 1000000)
    out = subprocess.run(["ss", "-tmnH", "src", "10.0.0.2:8080", "dst", f"10.0.0.1:{port}"], capture_output=True, text=True).stdout
    i = out.find("skmem:(")
    print(f"SO_SNDBUF {sndbuf} -> sk_sndbuf {c.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)}: write returned {n}; {out[i:out.find(')', i) + 1]}")
    recv(0.05)
