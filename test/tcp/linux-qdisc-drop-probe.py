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
import os, fcntl, struct, socket, select, subprocess, time, sys
TUNSETIFF = 0x400454ca; IFF_TUN = 0x0001; IFF_NO_PI = 0x1000
if subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout.count("\n") != 1:
    raise SystemExit("fresh namespace please")
tun = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH", b"tun0", IFF_TUN | IFF_NO_PI))
for c in ["ip link set lo up", "ip addr add 10.0.0.2/24 dev tun0", "ip link set tun0 up"]:
    subprocess.check_call(c.split())
for k, v in [("tcp_timestamps", 0)]:
    subprocess.check_call(["sysctl", "-qw", f"net.ipv4.{k}={v}"])
LOCAL = socket.inet_aton("10.0.0.2"); PEER = socket.inet_aton("10.0.0.1")
FL = {"F": 1, "S": 2, "R": 4, "P": 8, ".": 16}
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b)//2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
def send(sport, seq, ack, flags, data=b"", win=32792):
    opts = bytes([2, 4, 3, 0xe8, 4, 2, 1, 1]) if "S" in flags else b""
    tcp = struct.pack("!HHIIBBHHH", sport, 8080, seq & 0xffffffff, ack & 0xffffffff, (20 + len(opts)) // 4 << 4,
                      sum(FL[c] for c in flags), win, 0, 0) + opts + data
    tcp = tcp[:16] + struct.pack("!H", csum(PEER + LOCAL + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, PEER, LOCAL)
    os.write(tun, ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + tcp)
def recv(timeout):
    out, end = [], time.time() + timeout
    while True:
        r, _, _ = select.select([tun], [], [], max(0, end - time.time()))
        if not r: return out
        ip = os.read(tun, 65535)
        if ip[0] >> 4 != 4 or ip[9] != 6: continue
        ihl = (ip[0] & 15) * 4; t = ip[ihl:]
        _, dp, seq, ack, off, fl = struct.unpack("!HHIIBB", t[:14])
        out.append((time.time(), "".join(c for c, b in FL.items() if fl & b), seq, ack))
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
