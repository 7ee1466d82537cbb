#!/usr/bin/env python3
"""The Linux side of test/pkt/linux/mtu-blackhole.pkt: when does this kernel's MTU
black-hole detection (tcp_mtu_probing 1) shrink the retransmissions?

Plays the peer with crafted segments over a TUN device tun0 (10.0.0.2/24) in a
PRIVATE network namespace (test/tcp/tun_peer.py: SYN with mss 1000, SACK, no
timestamps), acknowledges the handshake at once, then never again: the accepted
socket writes 2000 bytes and the kernel's transmissions are printed (seconds after
the write, sequence offset, payload length).
Run as root:  unshare -n python3 test/tcp/linux-mtu-blackhole-probe.py [seconds]
Linux 6.18.44: 0.000 0 1000, 0.000 1000 1000, then seq 0 len 1000 at 0.2, 0.6, 1.4,
3.0 (RTOs 1-4), and len 512 at 6.2 (the fifth RTO: 3 s = tcp_retries1's budget
since the first retransmission had passed; probing on, MSS = tcp_base_mss 512).
"""
import os, socket, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tun_peer import recv, send  # sets up tun0 in this namespace
for k, v in [("tcp_mtu_probing", 1), ("tcp_base_mss", 512)]:
    subprocess.check_call(["sysctl", "-qw", f"net.ipv4.{k}={v}"])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); srv.bind(("10.0.0.2", 8080)); srv.listen(1)
send(40000, 0, 0, "S")
isn = recv(0.1)[0][2]
send(40000, 1, isn + 1, ".")
c, _ = srv.accept()
tw = time.time(); c.send(b"x" * 2000)
for t, f, s, a, n in recv(float(sys.argv[1]) if len(sys.argv) > 1 else 7.0, with_len=True):
    print(f"{t - tw:7.3f} seq {(s - isn - 1) & 0xffffffff} len {n}")
