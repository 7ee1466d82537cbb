#!/usr/bin/env python3
"""The Linux side of test/pkt/linux/qdisc-drop-probe.pkt (and google tcp/user_timeout/user-timeout-probe.pkt):
what this kernel's TCP does when the local qdisc drops what it sends.

Plays the peer over a TUN device tun0 (10.0.0.2/24) in a PRIVATE network
namespace: a handshake with a ~100 ms RTT, then `tc qdisc add dev tun0 root
pfifo limit 0` and a 10-byte write; tcp_info before, after the write and 1.2 s
later; the qdisc is removed and the segments that follow are printed.
Run as root:  unshare -n python3 test/tcp/linux-qdisc-drop-probe.py
Linux 6.18.44: after the write ca_state 2 (CWR), probes 0; 1.2 s later probes 2,
backoff 0 (retries at ~0.39 and ~0.89 s, 500 ms apart); the data leaves at ~1.39 s.
"""
import os, socket, struct, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tun_peer import recv, send  # sets up tun0 in this namespace
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); srv.bind(("10.0.0.2", 8080)); srv.listen(1)
send(40000, 0, 0, "S")
segs = recv(0.1); isn = segs[0][2]
send(40000, 1, isn + 1, ".")
c, _ = srv.accept()
def info():
    b = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    return f"state {b[0]} ca_state {b[1]} retransmits {b[2]} probes {b[3]} backoff {b[4]} cwnd {struct.unpack_from('I', b, 80)[0]}"
print("before     ", info())
subprocess.check_call("tc qdisc add dev tun0 root pfifo limit 0".split())
t0 = time.time(); c.send(b"x" * 10)
print("after write", info())
time.sleep(1.2)
print("1.2 s later", info())
subprocess.check_call("tc qdisc del dev tun0 root".split())
for t, f, s, a in recv(0.6): print(f"{t - t0:6.3f} {f} seq {(s - isn) & 0xffffffff}")
