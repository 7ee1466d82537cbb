#!/usr/bin/env python3
"""The Linux side of test/tcp/partial-duplicate.test.ts: a segment partly
below rcv.nxt, sent to this machine's kernel out of quick-ACK mode
(TCP_QUICKACK 0), is ACKed by the delayed ACK (42–49 ms later on Linux 6.18 here)
with the D-SACK of its old part. Same TUN set-up as linux-input-states-probe.py.

Plays the peer against this machine's kernel with the same segments the
tests inject: a TUN device tun0 (10.0.0.2/24) in a PRIVATE network
namespace, the kernel listening on 10.0.0.2:8080, this script as 10.0.0.1.
Prints each case's replies with relative numbers (host ISN 0, peer ISN 0).
Run as root:  unshare -n python3 test/tcp/linux-partial-duplicate-probe.py
It refuses to run outside a fresh namespace (tun0 must not exist).
"""
import os, fcntl, struct, socket, select, subprocess, time, sys
TUNSETIFF = 0x400454ca; IFF_TUN = 0x0001; IFF_NO_PI = 0x1000
if subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout.count("\n") != 1:  # only lo
    raise SystemExit("run me in a fresh network namespace: unshare -n python3 " + sys.argv[0])
tun = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH", b"tun0", IFF_TUN | IFF_NO_PI))
for c in ["ip link set lo up", "ip addr add 10.0.0.2/24 dev tun0", "ip link set tun0 up"]:
    subprocess.check_call(c.split())
LOCAL = socket.inet_aton("10.0.0.2"); PEER = socket.inet_aton("10.0.0.1")
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b)//2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
FL = {"F":1,"S":2,"R":4,"P":8,".":16,"U":32}
def send(sport, dport, seq, ack, flags, data=b"", opts=b"", win=65535):
    fl = sum(FL[c] for c in flags)
    off = (20 + len(opts)) // 4
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff, off << 4, fl, win, 0, 0) + opts + data
    ph = PEER + LOCAL + struct.pack("!BBH", 0, 6, len(tcp))
    c = csum(ph + tcp); tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, PEER, LOCAL)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    os.write(tun, ip + tcp)
def fmt_flags(f):
    s = "".join(c for c, b in [("F",1),("S",2),("R",4),("P",8)] if f & b) + ("." if f & 16 else "")
    return s or "none"
KEEP=[]
def recv(timeout=0.3):
    out = []
    end = time.time() + timeout
    while True:
        r, _, _ = select.select([tun], [], [], max(0, end - time.time()))
        if not r: return out
        p = os.read(tun, 65536)
        if p[0] >> 4 != 4 or p[9] != 6: continue
        ihl = (p[0] & 15) * 4; t = p[ihl:]
        sport, dport, seq, ack, off, fl, win = struct.unpack("!HHIIBBH", t[:16])
        hl = (off >> 4) * 4
        if dport != port[0] and sport != port[0]: continue
        out.append(dict(sport=sport, dport=dport, seq=seq, ack=ack, flags=fmt_flags(fl), win=win, opts=t[20:hl].hex(), len=len(t) - hl))
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
