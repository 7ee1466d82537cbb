#!/usr/bin/env python3
"""The Linux side of src/tcp/input-states.test.ts and test/tcp/hostile.test.ts.

Plays the peer against this machine's kernel with the same segments the
tests inject: a TUN device tun0 (10.0.0.2/24) in a PRIVATE network
namespace, the kernel listening on 10.0.0.2:8080, this script as 10.0.0.1.
Prints each case's replies with relative numbers (host ISN 0, peer ISN 0).
Run as root:  unshare -n python3 test/tcp/linux-input-states-probe.py
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
def established():
    port[0] += 1; pp = port[0]
    send(pp, 8080, PISN, 0, "S", opts=OPTS)
    sa = recv(0.5)
    if not sa or sa[0]["flags"] != "S.": print("  no synack", sa); 
    iss = sa[0]["seq"]
    send(pp, 8080, PISN + 1, iss + 1, ".")
    c, _ = lst.accept(); KEEP.append(c)
    return pp, iss, c, sa
def case(name, fn):
    try: fn()
    except Exception as e: print(name, "ERROR", e, flush=True)
def A():
    port[0] += 1; pp = port[0]
    send(pp, 8080, PISN, 0, "S", opts=OPTS); sa = recv(); iss = sa[0]["seq"]; show("A synack", sa, iss)
    send(pp, 8080, PISN + 0x40000000, iss + 1, "."); show("A SYN-RECV oow ACK ->", recv(), iss)
def B():
    pp, iss, c, _ = established()
    send(pp, 8080, PISN + 1, iss + 1000, "."); show("B ESTAB ack unsent ->", recv(), iss)
def C():
    pp, iss, c, _ = established()
    c.shutdown(socket.SHUT_WR); show("C FW1 fin", recv(), iss)
    send(pp, 8080, PISN + 1, iss + 1000, "."); show("C FW1 ack unsent ->", recv(), iss)
def D():
    pp, iss, c, _ = established()
    send(pp, 8080, PISN + 1, iss + 1, "F."); t0 = time.time(); show("D fin ack", recv(0.5), iss); 
    send(pp, 8080, PISN + 2, iss + 1, "P.", b"x"); show("D CLOSE-WAIT new data ->", recv(), iss)
    print("D so_error", c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
def E():
    pp, iss, c, _ = established()
    send(pp, 8080, PISN + 1, iss + 1, "F."); recv(0.5)
    send(pp, 8080, PISN + 2, iss + 1000, "."); show("E CLOSE-WAIT ack unsent ->", recv(), iss)
def F():
    pp, iss, c, _ = established()
    c.close(); show("F fin", recv(), iss)
    send(pp, 8080, PISN + 1, iss + 2, "."); show("F ack fin", recv(), iss)
    send(pp, 8080, PISN + 1, iss + 2, "P.", b"late"); show("F FW2-orphan data ->", recv(), iss)
def G():
    pp, iss, c, _ = established()
    send(pp, 8080, PISN + 5, iss + 1, "F."); show("G ooo FIN ->", recv(), iss)
    send(pp, 8080, PISN + 1, iss + 1, "P.", b"abcd"); show("G fill ->", recv(), iss)
def H():
    pp, iss, c, sa = established(); show("H synack", sa, iss)
def I():
    pp, iss, c, _ = established()
    c.shutdown(socket.SHUT_WR); recv()
    send(pp, 8080, PISN + 1, iss + 2, "F."); show("I tw ack", recv(), iss)
    send(pp, 8080, PISN + 1000, 0, "S", opts=OPTS); r = recv(); show("I new SYN ->", r, iss)
    if r: print("I new isn - (old iss+2) =", (r[0]["seq"] - (iss + 2)) & 0xffffffff)
def K():
    pp, iss, c, _ = established()
    send(pp, 8080, PISN + 1, iss + 1, "F."); recv(0.5); c.shutdown(socket.SHUT_WR); show("K lastack fin", recv(), iss)
    send(pp, 8080, PISN + 2, 0, "R"); show("K rst ->", recv(), iss)
    print("K so_error", c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
def L():
    pp, iss, c, _ = established()
    c.shutdown(socket.SHUT_WR); recv(); send(pp, 8080, PISN + 1, iss + 1, "F."); show("L closing ack", recv(), iss)
    send(pp, 8080, PISN + 2, 0, "R"); recv()
    print("L CLOSING so_error", c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
def M():
    pp, iss, c, _ = established()
    send(pp, 8080, PISN + 1, iss + 1, "F."); t0 = time.time(); r = recv(0.5); print("M fin-ack delay ms", round((time.time()-t0)*1000) if r else None)
    show("M", r, iss)
def N():
    pp, iss, c, _ = established()
    send(pp, 8080, PISN + 1, iss + 1, "F."); recv(0.5)
    send(pp, 8080, PISN + 2, 0, "R"); show("N cw rst ->", recv(), iss); print("N CLOSE-WAIT so_error", c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
def O():
    pp, iss, c, _ = established()
    c.shutdown(socket.SHUT_WR); recv()
    send(pp, 8080, PISN - 3, iss + 2, "P.", b"old"); show("O FW1 old dup ->", recv(), iss)
    send(pp, 8080, PISN + 1 + 0x40000000, iss + 2, "P.", b"late"); show("O FW1 far data ->", recv(), iss)
def P():
    port[0] += 1; pp = port[0]
    s = socket.socket(); s.setblocking(False); s.bind(("10.0.0.2", pp)); KEEP.append(s)
    try: s.connect(("10.0.0.1", 40000))
    except BlockingIOError: pass
    syn = recv(); 
    if not syn: print("P no syn"); return
    iss = syn[0]["seq"]; show("P syn", syn, iss)
    # replies go to dport 40000; filter changes:
    pass
    send(40000, pp, PISN, iss + 1000, "S.", opts=OPTS); show("P SYN-SENT bad synack ->", recv(), iss)
    send(40000, pp, PISN, 0, "R"); show("P rst noack ->", recv(), iss)
    send(40000, pp, PISN, iss + 5, "R."); show("P rst badack ->", recv(), iss)
    send(40000, pp, PISN, 0, "S", opts=OPTS); show("P simultaneous SYN ->", recv(), iss)
    port[0] = pp
def Q():
    port[0] += 1; pp = port[0]
    send(pp, 8080, PISN, 0, "S", opts=OPTS); sa = recv(); iss = sa[0]["seq"]
    send(pp, 8080, PISN, 0, "S", opts=OPTS); show("Q SYN-RECV syn rtx ->", recv(), iss)
    send(pp, 8080, PISN + 1, iss + 100, "."); show("Q SYN-RECV bad ack ->", recv(), iss)
    send(pp, 8080, PISN + 1, iss + 1, "."); c, _ = lst.accept(); KEEP.append(c); print("Q accepted")
def R():
    pp, iss, c, _ = established()
    c.shutdown(socket.SHUT_WR); recv()
    send(pp, 8080, PISN + 1, iss + 2, "F."); recv()
    send(pp, 8080, PISN, 0, "S", opts=OPTS); show("R TW old SYN ->", recv(), iss)
    time.sleep(0.6)
    send(pp, 8080, PISN + 100, 0, "R"); show("R TW rst elsewhere ->", recv(), iss)
    send(pp, 8080, PISN + 1, iss + 2, "F."); show("R TW fin rtx ->", recv(), iss)
def S():
    port[0] += 1; pp = port[0]
    send(pp, 8080, PISN, 0, "F"); send(pp, 8080, PISN, 0, "P", b"x"); send(pp, 8080, PISN, 0, "R"); show("S LISTEN bare fin/data/rst ->", recv())
def T():
    pp, iss, c, _ = established()
    for name, seq, fl in [("rst-inwin", PISN + 101, "R"), ("syn-inwin", PISN + 11, "S")]:
        pass
    send(pp, 8080, PISN + 101, 0, "R"); show("T ESTAB rst in window ->", recv(), iss)
    time.sleep(0.6)
    send(pp, 8080, PISN + 11, 0, "S"); show("T ESTAB syn in window ->", recv(), iss)
    time.sleep(0.6)
    send(pp, 8080, PISN + 1 + 0x40000000, 0, "R"); show("T ESTAB rst oow ->", recv(), iss)
def U():
    pp, iss, c, _ = established()
    send(pp, 8080, PISN + 101, 0, "R"); show("U rst in window ->", recv(0.1), iss)
    send(pp, 8080, PISN + 1, iss + 1 - 0x40000000, "P.", b"EVIL"); show("U blind data old ack (within 500ms) ->", recv(0.1), iss)
    time.sleep(0.6)
    send(pp, 8080, PISN + 1, iss + 1 - 0x40000000, "P.", b"EVIL"); show("U blind data old ack (after 500ms) ->", recv(0.1), iss)
    print("U nstat", subprocess.run(["nstat", "-az", "TcpExtTCPACKSkippedChallenge", "TcpExtTCPChallengeACK"], capture_output=True, text=True).stdout)

NAMES = {"A": "SYN-RECV out-of-window ACK", "B": "ESTABLISHED ACK of unsent data", "C": "FIN-WAIT-1 ACK of unsent data",
         "D": "CLOSE-WAIT new data", "E": "CLOSE-WAIT ACK of unsent data", "F": "orphan FIN-WAIT-2 data",
         "G": "FIN-only segment beyond a hole", "H": "SYN-ACK options", "I": "TIME-WAIT new SYN ISN",
         "K": "LAST-ACK RST errno", "L": "CLOSING RST errno", "M": "ACK of a FIN", "N": "CLOSE-WAIT RST errno",
         "O": "FIN-WAIT-1 old duplicate / far data", "P": "SYN-SENT", "Q": "SYN-RECV SYN retransmit, bad ACK",
         "R": "TIME-WAIT old SYN, RST, FIN", "S": "LISTEN bare FIN/data/RST", "T": "ESTABLISHED RST/SYN in window, RST outside",
         "U": "challenge ACK rate limit for blind data"}
for n in NAMES:
    print("==", n, NAMES[n], flush=True)
    case(n, globals()[n])
