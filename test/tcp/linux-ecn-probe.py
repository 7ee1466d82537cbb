#!/usr/bin/env python3
"""The Linux side of test/pkt/linux/ecn-*.pkt: what this machine's kernel does with ECN.

Plays the peer with crafted segments over a TUN device tun0 (10.0.0.2/24) in a
PRIVATE network namespace: the kernel listens on 10.0.0.2:8080 (and connects
to 10.0.0.1:9, which never answers), this script is 10.0.0.1. No qdisc is
needed to mark CE: the script writes the IP ECN field itself. Prints each
reply's flags and ECN field (0 Not-ECT, 2 ECT(0), 3 CE).
Run as root:  unshare -n python3 test/tcp/linux-ecn-probe.py
It refuses to run outside a fresh namespace (tun_peer.py sets it up).
"""
import os, socket, threading, time, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tun_peer import BITS, inject, segments, sysctl  # the TUN device, crafted segments, the namespace check
sysctl("tcp_timestamps", 1)  # these cases were recorded with Linux's default
FL = {c: BITS[c] for c in "FSRP.EW"}
def send(sport, seq, ack, flags, data=b"", ecn=0, dport=8080):
    opts = bytes([2, 4, 5, 0xb4, 1, 1, 4, 2]) if "S" in flags else b""
    inject(sport, dport, seq, ack, flags, data, opts, 65535, ecn)
def recv(port, timeout=0.4):
    """The kernel's segments to 10.0.0.1:port: (flags, seq, ack, payload length, ECN field)."""
    return [("".join(c for c, b in FL.items() if g["bits"] & b), g["seq"], g["ack"], g["len"], g["ecn"])
            for g in segments(timeout) if g["dport"] == port]
def show(label, segs, isn=0, peer=0):
    print(f"{label:58} " + ("; ".join(f"[{f}] seq {(s - isn) & 0xffffffff} ack {(a - peer) & 0xffffffff} len {n} ecn {e}"
                                       for f, s, a, n, e in segs) or "nothing"))

srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); srv.bind(("10.0.0.2", 8080)); srv.listen(64)
def serve():
    while True:
        c, _ = srv.accept()
        def one(c=c):
            n = 0
            while n < 6000:
                d = c.recv(65536)
                if not d: return
                n += len(d)
            c.send(b"b" * 3000); time.sleep(0.5); c.send(b"c" * 1000); time.sleep(3)
        threading.Thread(target=one, daemon=True).start()
threading.Thread(target=serve, daemon=True).start()

print("== passive negotiation (the SYN-ACK's flags)")
port = 40000
for ecn_sysctl, flags, ecn, label in [(2, "SEW", 0, "tcp_ecn=2, SYN ECE|CWR"), (2, "SE", 0, "tcp_ecn=2, SYN ECE"),
                                      (2, "SW", 0, "tcp_ecn=2, SYN CWR"), (2, "SEW", 2, "tcp_ecn=2, SYN ECE|CWR sent ECT(0)"),
                                      (2, "SEW", 3, "tcp_ecn=2, SYN ECE|CWR sent CE"), (0, "SEW", 0, "tcp_ecn=0, SYN ECE|CWR"),
                                      (1, "SEW", 0, "tcp_ecn=1, SYN ECE|CWR")]:
    sysctl("tcp_ecn", ecn_sysctl); port += 1
    send(port, 1000, 0, flags, ecn=ecn); show(label, recv(port), 0, 1000)
    send(port, 1001, 0, "R")
sysctl("tcp_ecn", 2)

print("== the receiver and the sender of an ECN connection")
port += 1
send(port, 1000, 0, "SEW"); syn = recv(port); isn = syn[0][1]; show("SYN ECE|CWR", syn, isn, 1000)
send(port, 1001, isn + 1, ".")
seq = 1001
for flags, ecn, label in [("P.", 3, "data CE"), ("P.", 2, "data ECT(0)"), ("P.", 2, "data ECT(0)"), ("P.W", 2, "data ECT(0) with CWR"),
                          ("P.", 2, "data ECT(0)"), ("P.", 3, "data CE (the server then writes 3000 bytes)")]:
    send(port, seq, isn + 1, flags, b"a" * 1000, ecn); seq += 1000
    show(label, recv(port, 0.6 if "writes" in label else 0.3), isn, 1000)
send(port, seq, isn + 1 + 3000, ".EW"); r = recv(port, 1.0)
show("ACK its data with ECE (and CWR); it writes 1000 more", r, isn, 1000)
send(port, seq, isn + 1 + 4000, "."); send(port, seq, 0, "R")

print("== active negotiation (the SYN's flags)")
for ecn_sysctl, fallback in [(1, 1), (1, 0), (2, 1)]:
    sysctl("tcp_ecn", ecn_sysctl); sysctl("tcp_ecn_fallback", fallback)
    c = socket.socket(); c.setblocking(False)
    try: c.connect(("10.0.0.1", 9))
    except BlockingIOError: pass
    lp = c.getsockname()[1]
    syns = recv(9, 2.3)
    show(f"tcp_ecn={ecn_sysctl} tcp_ecn_fallback={fallback}: SYN, retransmissions", [s for s in syns if s[0] == "S" or "E" in s[0]])
    c.close()
