"""A peer for Linux probes: a TUN device tun0 (10.0.0.2/24, the kernel's side) in the
calling PRIVATE network namespace, crafted IPv4/TCP segments from 10.0.0.1 (SYNs carry mss
1000, SACK-permitted, no timestamps; other segments may carry SACK blocks) and the kernel's
segments read back. `send`/`recv` are the short forms (to port 8080; tuples back);
`inject`/`segments` take every field (ports, options, window, the IP ECN field) and give
dicts. Used by every test/tcp/linux-*-probe.py (run them with `unshare -n`).
"""
import os, fcntl, struct, select, socket, subprocess, time
TUNSETIFF = 0x400454ca; IFF_TUN = 0x0001; IFF_NO_PI = 0x1000
if subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout.count("\n") != 1:
    raise SystemExit("fresh namespace please")
tun = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH", b"tun0", IFF_TUN | IFF_NO_PI))
for c in ["ip link set lo up", "ip addr add 10.0.0.2/24 dev tun0", "ip link set tun0 up"]:
    subprocess.check_call(c.split())
def sysctl(k, v):
    """Sets net.ipv4.K in this namespace."""
    subprocess.check_call(["sysctl", "-qw", f"net.ipv4.{k}={v}"])
sysctl("tcp_timestamps", 0)  # the probes' default; a probe that wants Linux's default sets it back to 1
LOCAL = socket.inet_aton("10.0.0.2"); PEER = socket.inet_aton("10.0.0.1")
FL = {"F": 1, "S": 2, "R": 4, "P": 8, ".": 16}
BITS = {**FL, "U": 32, "E": 64, "W": 128}  # every flag letter inject() takes (E: ECE, W: CWR)
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b)//2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
def inject(sport, dport, seq, ack, flags, data=b"", opts=b"", win=65535, ecn=0):
    """Writes one IPv4/TCP segment from 10.0.0.1 to the kernel: flags as letters of BITS, opts raw
    bytes (a multiple of 4), ecn the IP header's ECN field (0 Not-ECT, 2 ECT(0), 3 CE)."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff, (20 + len(opts)) // 4 << 4,
                      sum(BITS[c] for c in flags), win, 0, 0) + opts + data
    tcp = tcp[:16] + struct.pack("!H", csum(PEER + LOCAL + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, ecn, 20 + len(tcp), 1, 0x4000, 64, 6, 0, PEER, LOCAL)
    os.write(tun, ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + tcp)
def segments(timeout):
    """The kernel's IPv4/TCP segments within `timeout` s, as dicts: time, sport, dport, seq, ack,
    bits (the flag byte), win, opts (hex), len (payload bytes), ecn (the IP ECN field), raw (the IP packet)."""
    out, end = [], time.time() + timeout
    while True:
        r, _, _ = select.select([tun], [], [], max(0, end - time.time()))
        if not r: return out
        ip = os.read(tun, 65535)
        if ip[0] >> 4 != 4 or ip[9] != 6: continue
        ihl = (ip[0] & 15) * 4; t = ip[ihl:]
        sport, dport, seq, ack, off, fl, win = struct.unpack("!HHIIBBH", t[:16])
        hl = (off >> 4) * 4
        out.append(dict(time=time.time(), sport=sport, dport=dport, seq=seq, ack=ack, bits=fl, win=win,
                        opts=t[20:hl].hex(), len=len(ip) - ihl - hl, ecn=ip[1] & 3, raw=ip))
def send(sport, seq, ack, flags, data=b"", win=32792, sack=()):
    """A segment to port 8080; a SYN carries mss 1000 and SACK-permitted; `sack` gives SACK blocks."""
    opts = bytes([2, 4, 3, 0xe8, 4, 2, 1, 1]) if "S" in flags else b""
    if sack:  # nop, nop, SACK with the (start, end) blocks given as absolute sequence numbers
        opts += bytes([1, 1, 5, 2 + 8 * len(sack)]) + b"".join(struct.pack("!II", s & 0xffffffff, e & 0xffffffff) for s, e in sack)
    inject(sport, 8080, seq, ack, flags, data, opts, win)
def recv(timeout, with_len=False):
    """The kernel's TCP segments within `timeout` s: (time, flags, seq, ack[, payload length])."""
    out = []
    for g in segments(timeout):
        rec = (g["time"], "".join(c for c, b in FL.items() if g["bits"] & b), g["seq"], g["ack"])
        out.append(rec + (g["len"],) if with_len else rec)
    return out
def tcp_info(c):
    """Fields of the socket's tcp_info the probes print: ca_state, snd_mss, unacked, lost, retrans, ssthresh, cwnd."""
    u = struct.unpack("=8B19I", c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)[:8 + 19 * 4])
    return dict(ca_state=u[1], snd_mss=u[8 + 2], unacked=u[8 + 4], lost=u[8 + 6], retrans=u[8 + 7], ssthresh=u[8 + 17], cwnd=u[8 + 18])
def nstat(keep):
    """`NAME=value` for each counter of `keep` (`nstat -az`: values since the namespace began)."""
    out = subprocess.run(["nstat", "-az"], capture_output=True, text=True).stdout
    return " ".join(f"{l.split()[0]}={l.split()[1]}" for l in out.splitlines() if l.split() and l.split()[0] in keep)
def accept_crafted(port=40000, cc=b"cubic"):
    """The kernel listens on 10.0.0.2:8080 (congestion control `cc`: the host's default may be bbr;
    sockstack's is cubic); a crafted handshake from 10.0.0.1:`port`. Returns (listener, accepted
    socket, the kernel's ISN)."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, cc)
    srv.bind(("10.0.0.2", 8080))
    srv.listen(1)
    send(port, 0, 0, "S")
    isn = recv(0.1)[0][2]
    send(port, 1, isn + 1, ".")
    c, _ = srv.accept()
    return srv, c, isn
