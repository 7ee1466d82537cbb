#!/usr/bin/env python3
"""The Linux side of test/tcp/partial-duplicate.test.ts: a segment partly
below rcv.nxt, sent to this machine's kernel out of quick-ACK mode
(TCP_QUICKACK 0), is ACKed by the delayed ACK (42–49 ms later on Linux 6.18 here)
with the D-SACK of its old part. The TUN peer is tun_peer.py's.

Plays the peer against this machine's kernel with the same segments the
tests inject: a TUN device tun0 (10.0.0.2/24) in a PRIVATE network
namespace, the kernel listening on 10.0.0.2:8080, this script as 10.0.0.1.
Prints each case's replies with relative numbers (host ISN 0, peer ISN 0).
Run as root:  unshare -n python3 test/tcp/linux-partial-duplicate-probe.py
It refuses to run outside a fresh namespace (tun_peer.py sets it up).
"""
import os, socket, time, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tun_peer import inject, segments, sysctl  # the TUN device, crafted segments, the namespace check
sysctl("tcp_timestamps", 1)  # these cases were recorded with Linux's default
def send(sport, dport, seq, ack, flags, data=b"", opts=b"", win=65535):
    inject(sport, dport, seq, ack, flags, data, opts, win)
def fmt_flags(f):
    s = "".join(c for c, b in [("F",1),("S",2),("R",4),("P",8)] if f & b) + ("." if f & 16 else "")
    return s or "none"
KEEP=[]
def recv(timeout=0.3):
    return [dict(sport=g["sport"], dport=g["dport"], seq=g["seq"], ack=g["ack"], flags=fmt_flags(g["bits"]), win=g["win"],
                 opts=g["opts"], len=g["len"]) for g in segments(timeout) if port[0] in (g["dport"], g["sport"])]
OPTS = bytes([2,4,0x05,0xb4, 1,1,4,2, 1,3,3,7])  # mss 1460, nop nop sackOK, nop wscale 7
PISN = 1000000
def show(tag, segs, iss=0, irs=PISN):
    print(tag, [f"{s['flags']} seq {(s['seq']-iss)&0xffffffff} ack {(s['ack']-irs)&0xffffffff} win {s['win']} len {s['len']} opts {s['opts']}" for s in segs], flush=True)

lst = socket.socket(); lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); lst.bind(("10.0.0.2", 8080)); lst.listen(128); lst.settimeout(2)
port = [41000]
pp = port[0]
send(pp, 8080, PISN, 0, "S", opts=OPTS)
sa = recv(0.5)[0]
iss = sa["seq"]
send(pp, 8080, PISN + 1, iss + 1, ".")
c, _ = lst.accept()
send(pp, 8080, PISN + 1, iss + 1, ".", data=bytes(99))
time.sleep(0.01)
assert len(c.recv(1000)) == 99
time.sleep(0.3)
recv(0.05)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 0)
t0 = time.time()
send(pp, 8080, PISN + 50, iss + 1, ".", data=bytes(199))
out = []
end = t0 + 0.3
while time.time() < end:
    for s in recv(0.002):
        out.append((round((time.time() - t0) * 1000), s))
for ms, s in out:
    print(f"+{ms} ms", s["flags"], "ack", (s["ack"] - PISN) & 0xffffffff, "opts", s["opts"], flush=True)
