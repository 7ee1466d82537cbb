#!/usr/bin/env python3
# Linux reference for issue 11 item 7 (tcp/input.ts): how the kernel answers blind segments below rcv_nxt.
# Run as root in a throwaway network namespace:  timeout 60 unshare -n python3 scripts/linux-probes/oow-data.py
# Linux 6.18 printed:
#   old-data segments: 200 deltas: {'TcpInSegs': 400, 'TcpOutSegs': 200, 'TcpExtDelayedACKLost': 200, 'TcpExtTCPDSACKOldSent': 200, 'TcpExtTCPDSACKRecv': 200, 'TcpExtTCPDSACKIgnoredDubious': 200}
#   out-of-window pure ACKs: 200 deltas: {'TcpOutSegs': 1, 'TcpExtTCPACKSkippedSeq': 199}
# i.e. data below rcv_nxt gets one D-SACK duplicate ACK per segment (not rate-limited: tcp_oow_rate_limited exempts
# segments with data), the peer ignores those D-SACKs as dubious; pure out-of-window ACKs are rate-limited (500 ms).
# Old-data probe (run inside a fresh netns): what does Linux answer to blind
# segments carrying data that lies wholly below rcv_nxt? Counts the ACKs the
# receiver sends (Tcp OutSegs) and the TcpExt counters involved.
import socket, struct, time, subprocess
subprocess.run("ip link set lo up", shell=True, check=True)
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b)//2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return (~s) & 0xffff
def seg(src, dst, sport, dport, seq, ack, flags, data):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + data
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return ip + tcp
def counters():
    out = {}
    for f in ("/proc/net/snmp", "/proc/net/netstat"):
        lines = open(f).read().split("\n")
        for i in range(0, len(lines) - 1, 2):
            h, v = lines[i].split(), lines[i + 1].split()
            if h: out.update({h[0].rstrip(":") + k: int(x) for k, x in zip(h[1:], v[1:])})
    return out
sniff = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
sniff.bind(("lo", 0)); sniff.settimeout(0.2)
l = socket.socket(); l.bind(("127.0.0.1", 9000)); l.listen(1)
c = socket.socket(); c.connect(("127.0.0.1", 9000)); s, _ = l.accept()
isn = {}
while len(isn) < 2:
    pk = sniff.recv(65535)[14:]
    if pk[9] != 6: continue
    sport, dport, seq = struct.unpack("!HHI", pk[20:28])
    if pk[33] & 0x02: isn[sport] = seq
cport = c.getsockname()[1]
c.sendall(b"x" * 5000); got = 0
while got < 5000: got += len(s.recv(65536))
s.sendall(b"y" * 1000); got = 0
while got < 1000: got += len(c.recv(65536))
time.sleep(0.3)
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
rcv_nxt = (isn[cport] + 1 + 5000) & 0xffffffff
snd_una = (isn[9000] + 1 + 1000) & 0xffffffff
N = 200
before = counters()
for i in range(N):
    raw.sendto(seg("127.0.0.1", "127.0.0.1", cport, 9000, (rcv_nxt - 1500) & 0xffffffff, snd_una, 0x10, b"z" * 100), ("127.0.0.1", 0))
time.sleep(0.5)
after = counters()
d = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
print("old-data segments:", N, "deltas:", {k: v for k, v in d.items() if k.startswith(("TcpOutSegs", "TcpInSegs", "TcpExtTCPACKSkipped", "TcpExtDelayedACKLost", "TcpExtTCPDSACK", "TcpExtTCPSackRecovery", "TcpExtTCPRcvOutOfWindow", "TcpExtPAWS"))})
# Same with pure ACKs (no data) whose seq is old: rate-limited by tcp_invalid_ratelimit?
before = counters()
for i in range(N):
    raw.sendto(seg("127.0.0.1", "127.0.0.1", cport, 9000, (rcv_nxt - 100000) & 0xffffffff, snd_una, 0x10, b""), ("127.0.0.1", 0))
time.sleep(0.5)
after = counters()
d = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
print("out-of-window pure ACKs:", N, "deltas:", {k: v for k, v in d.items() if k.startswith(("TcpOutSegs", "TcpExtTCPACKSkipped", "TcpExtDelayedACKLost", "TcpExtTCPRcvOutOfWindow"))})
