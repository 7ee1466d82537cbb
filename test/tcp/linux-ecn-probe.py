#!/usr/bin/env python3
"""The Linux side of test/pkt/linux/ecn-*.pkt: what this machine's kernel does with ECN.

Plays the peer with crafted segments over a TUN device tun0 (10.0.0.2/24) in a
PRIVATE network namespace: the kernel listens on 10.0.0.2:8080 (and connects
to 10.0.0.1:9, which never answers), this script is 10.0.0.1. No qdisc is
needed to mark CE: the script writes the IP ECN field itself. Prints each
reply's flags and ECN field (0 Not-ECT, 2 ECT(0), 3 CE).
Run as root:  unshare -n python3 test/tcp/linux-ecn-probe.py
It refuses to run outside a fresh namespace (tun0 must not exist).
"""
import os, fcntl, struct, socket, select, subprocess, threading, time, sys
TUNSETIFF = 0x400454ca; IFF_TUN = 0x0001; IFF_NO_PI = 0x1000
if subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout.count("\n") != 1:  # only lo
    raise SystemExit("run me in a fresh network namespace: unshare -n python3 " + sys.argv[0])
tun = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH", b"tun0", IFF_TUN | IFF_NO_PI))
for c in ["ip link set lo up", "ip addr add 10.0.0.2/24 dev tun0", "ip link set tun0 up"]:
    subprocess.check_call(c.split())
LOCAL = socket.inet_aton("10.0.0.2"); PEER = socket.inet_aton("10.0.0.1")
FL = {"F": 1, "S": 2, "R": 4, "P": 8, ".": 16, "E": 64, "W": 128}
def sysctl(k, v): subprocess.check_call(["sysctl", "-qw", f"net.ipv4.{k}={v}"])
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b)//2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
def send(sport, seq, ack, flags, data=b"", ecn=0, dport=8080):
    opts = bytes([2, 4, 5, 0xb4, 1, 1, 4, 2]) if "S" in flags else b""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff, (20 + len(opts)) // 4 << 4,
                      sum(FL[c] for c in flags), 65535, 0, 0) + opts + data
    tcp = tcp[:16] + struct.pack("!H", csum(PEER + LOCAL + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, ecn, 20 + len(tcp), 1, 0x4000, 64, 6, 0, PEER, LOCAL)
    os.write(tun, ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + tcp)
def recv(port, timeout=0.4):
    """The kernel's segments to 10.0.0.1:port: (flags, seq, ack, payload length, ECN field)."""
    out, end = [], time.time() + timeout
    while True:
        r, _, _ = select.select([tun], [], [], max(0, end - time.time()))
        if not r: return out
        ip = os.read(tun, 65535)
        if ip[0] >> 4 != 4 or ip[9] != 6: continue
        ihl = (ip[0] & 15) * 4; t = ip[ihl:]
        _, dp, seq, ack, off, fl = struct.unpack("!HHIIBB", t[:14])
        if dp != port: continue
        f = "".join(c for c, b in FL.items() if fl & b)
        out.append((f, seq, ack, len(ip) - ihl - (off >> 4) * 4, ip[1] & 3))
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
