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
