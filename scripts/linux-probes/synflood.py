#!/usr/bin/env python3
# Linux reference for issue 11 item 11 (tcp/listen.ts, test/tcp/listen.test.ts "SYN flood without cookies").
# Run as root in a throwaway network namespace:  timeout 120 unshare -n python3 scripts/linux-probes/synflood.py
# Linux 6.18 printed: client connected at 7.64 s; TCPReqQFullDrop 877, ListenDrops 877, TCPTimeouts 393.
# SYN flood probe (run inside a fresh netns): syncookies off, backlog 128,
# 1000 spoofed SYNs over 1 s from absent hosts; a real client starts at 0.5 s.
import socket, struct, time, threading, os, subprocess
def sh(c): subprocess.run(c, shell=True, check=True)
sh("ip link set lo up; ip tuntap add d0 mode tun; ip addr add 10.9.0.1/24 dev d0; ip link set d0 up")
sh("sysctl -qw net.ipv4.tcp_syncookies=0")
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b)//2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return (~s) & 0xffff
def syn(src, dst, sport, dport, seq):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0, 64, 6, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return ip + tcp
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("10.9.0.1", 80)); l.listen(128)
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
t0 = time.time(); res = {}
def client():
    time.sleep(0.5)
    c = socket.socket(); c.settimeout(120)
    s = time.time(); c.connect(("10.9.0.1", 80)); res["at"] = time.time() - t0
th = threading.Thread(target=client); th.start()
for i in range(1000):
    src = "10.9.0.%d" % (10 + i % 240)
    raw.sendto(syn(src, "10.9.0.1", 1024 + i, 80, i * 7919), ("10.9.0.1", 0))
    time.sleep(max(0, t0 + (i + 1) / 1000 - time.time()))
th.join(timeout=100)
print("client connected at %.2f s after the flood began" % res.get("at", -1))
hdr, val = [x.split() for x in open("/proc/net/netstat").read().split("\n")[:2]]
d = dict(zip(hdr[1:], val[1:]))
print({k: d[k] for k in ("TCPReqQFullDrop", "ListenDrops", "TCPTimeouts")})
