#!/usr/bin/env python3
"""The Linux side of test/pkt/linux/fin-loss-probe.pkt (and google tcp/user_timeout/user_timeout.pkt):
when does this kernel re-send a FIN nobody acknowledges?

Plays the peer with crafted segments over a TUN device tun0 (10.0.0.2/24) in a
PRIVATE network namespace: SYN (mss 1000, SACK, no timestamps), the kernel's
SYN-ACK, our ACK ~100 ms later; the accepted socket gets TCP_USER_TIMEOUT
(argv[1] ms, default 3000) after 2 s and is closed; the FIN's transmissions
are printed (seconds after close), then a data segment draws the RST.
Run as root:  unshare -n python3 test/tcp/linux-fin-tlp-probe.py [user_timeout_ms] [seconds]
Linux 6.18.44: 0.000, 0.344 (tail loss probe), 0.698 (RTO), 1.368, 2.717 (backoff); RST.
"""
import os, socket, struct, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tun_peer import recv, send  # sets up tun0 in this namespace
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); srv.bind(("10.0.0.2", 8080)); srv.listen(1)
send(40000, 0, 0, "S")
t0 = time.time()
segs = recv(0.1)
isn = segs[0][2]
send(40000, 1, isn + 1, ".")
c, _ = srv.accept()
time.sleep(2)
ut = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
c.setsockopt(socket.IPPROTO_TCP, 18, ut)  # TCP_USER_TIMEOUT
tc = time.time(); c.close()
segs = recv(float(sys.argv[2]) if len(sys.argv) > 2 else 3.5)
for t, f, s, a in segs: print(f"{t - tc:7.3f} {f} seq {(s - isn) & 0xffffffff}")
send(40000, 1, isn + 1, ".", b"x")
for t, f, s, a in recv(0.3): print(f"after data: {t - tc:7.3f} {f} seq {(s - isn) & 0xffffffff}")
