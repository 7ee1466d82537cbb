#!/usr/bin/env python3
"""The Linux side of src/tcp/input-states.test.ts and test/tcp/hostile.test.ts.

Plays the peer against this machine's kernel with the same segments the
tests inject: a TUN device tun0 (10.0.0.2/24) in a PRIVATE network
namespace, the kernel listening on 10.0.0.2:8080, this script as 10.0.0.1.
Prints each case's replies with relative numbers (host ISN 0, peer ISN 0).
Run as root:  unshare -n python3 test/tcp/linux-input-states-probe.py
It refuses to run outside a fresh namespace (tun_peer.py sets it up).
"""
import os, socket, subprocess, time, sys
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

def synrecv(opts=OPTS):
    port[0] += 1; pp = port[0]
    send(pp, 8080, PISN, 0, "S", opts=opts); sa = recv(); return pp, sa[0]["seq"]
def accepted():
    lst.settimeout(0.2)
    try: c, _ = lst.accept(); KEEP.append(c); return c
    except socket.timeout: return None
    finally: lst.settimeout(2)
def tcpstate(c):
    return {1: "ESTABLISHED", 4: "FIN-WAIT-1", 5: "FIN-WAIT-2", 6: "TIME-WAIT", 7: "CLOSE", 8: "CLOSE-WAIT", 9: "LAST-ACK", 11: "CLOSING"}.get(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0])
def A2():
    pp, iss = synrecv()
    send(pp, 8080, PISN + 5, iss + 1, "."); show("A2 SYN-RECV in-window ACK seq irs+5 ->", recv(), iss)
    c = accepted(); print("A2 accepted", c is not None, c and tcpstate(c))
def A3():
    pp, iss = synrecv()
    send(pp, 8080, PISN + 5, iss + 1, "P.", b"x"); show("A3 SYN-RECV in-window data seq irs+5 ->", recv(), iss)
    c = accepted(); print("A3 accepted", c is not None, c and tcpstate(c))
def A4():
    pp, iss = synrecv()
    send(pp, 8080, PISN + 0x40000000, iss + 1, "."); send(pp, 8080, PISN + 0x40000000, iss + 1, ".")
    show("A4 SYN-RECV two oow ACKs ->", recv(), iss)
    send(pp, 8080, PISN + 0x40000000, iss + 1, "P.", b"x"); send(pp, 8080, PISN + 0x40000000, iss + 1, "P.", b"x")
    show("A4 SYN-RECV two oow data ->", recv(), iss)
    send(pp, 8080, PISN, iss + 1, "."); show("A4 SYN-RECV ACK at seq irs ->", recv(), iss)
    send(pp, 8080, PISN + 1 + 64240, iss + 1, "."); show("A4 SYN-RECV ACK at right edge ->", recv(), iss)
    c = accepted(); print("A4 accepted", c is not None, c and tcpstate(c))
def A5():
    pp, iss = synrecv()
    send(pp, 8080, PISN + 0x40000000, iss + 100, "."); show("A5 SYN-RECV bad ack and oow seq ->", recv(), iss)
    send(pp, 8080, PISN + 100, 0, "S", opts=OPTS); show("A5 SYN-RECV SYN other isn in window ->", recv(), iss)
    send(pp, 8080, PISN + 1, iss + 1, "."); show("A5 then the right ACK ->", recv(), iss)
    c = accepted(); print("A5 accepted", c is not None)
def A6():
    pp, iss = synrecv()
    send(pp, 8080, PISN + 0x40000000, 0, "S", opts=OPTS); show("A6 SYN-RECV SYN other isn oow ->", recv(), iss)
    send(pp, 8080, PISN + 1, iss + 1, "F."); show("A6 SYN-RECV FIN ->", recv(0.6), iss)
    c = accepted(); print("A6 accepted", c is not None, c and tcpstate(c))
def G2():
    pp, iss, c, _ = established()
    send(pp, 8080, PISN + 5, iss + 1, "FP.", b"ef"); show("G2 ooo data+FIN ->", recv(), iss)
    send(pp, 8080, PISN + 1, iss + 1, "P.", b"abcd"); show("G2 fill ->", recv(), iss); print("G2", tcpstate(c))
def G3():
    pp, iss, c, _ = established()
    send(pp, 8080, PISN + 5, iss + 1, "F."); show("G3 ooo FIN ->", recv(), iss)
    send(pp, 8080, PISN + 5, iss + 1, "F."); show("G3 ooo FIN again ->", recv(), iss)
    send(pp, 8080, PISN + 1, iss + 1, "P.", b"abcd"); show("G3 fill ->", recv(), iss); print("G3", tcpstate(c))
def G4():
    port[0] += 1; pp = port[0]
    send(pp, 8080, PISN, 0, "S", opts=bytes([2,4,0x05,0xb4, 1,3,3,7])); sa = recv(); iss = sa[0]["seq"]
    send(pp, 8080, PISN + 1, iss + 1, "."); c, _ = lst.accept(); KEEP.append(c)
    send(pp, 8080, PISN + 5, iss + 1, "F."); show("G4 nosack ooo FIN ->", recv(), iss)
    send(pp, 8080, PISN + 1, iss + 1, "P.", b"abcd"); show("G4 nosack fill ->", recv(), iss); print("G4", tcpstate(c))
def G5():
    pp, iss, c, _ = established()
    send(pp, 8080, PISN + 5, iss + 1, "P.", b"ef"); show("G5 ooo data ->", recv(), iss)
    send(pp, 8080, PISN + 7, iss + 1, "F."); show("G5 ooo FIN after ooo data ->", recv(), iss)
    send(pp, 8080, PISN + 1, iss + 1, "P.", b"abcd"); show("G5 fill ->", recv(), iss); print("G5", tcpstate(c))
def G6():
    pp, iss, c, _ = established()
    send(pp, 8080, PISN + 5, iss + 1, "F."); show("G6 ooo FIN at 5 ->", recv(), iss)
    send(pp, 8080, PISN + 5, iss + 1, "P.", b"ef"); show("G6 data at 5 (past the FIN) ->", recv(), iss)
    send(pp, 8080, PISN + 1, iss + 1, "P.", b"abcd"); show("G6 fill ->", recv(), iss); print("G6", tcpstate(c))
def D2():
    pp, iss, c, _ = established()
    send(pp, 8080, PISN + 1, iss + 1, "F."); recv(0.6)
    send(pp, 8080, PISN + 1, iss + 1, "P.", b"xy"); show("D2 CLOSE-WAIT data across the FIN ->", recv(), iss); print("D2", tcpstate(c), "so_error", c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
def D3():
    pp, iss, c, _ = established()
    c.shutdown(socket.SHUT_WR); recv(); send(pp, 8080, PISN + 1, iss + 1, "F."); recv()
    send(pp, 8080, PISN + 2, iss + 1, "P.", b"x"); show("D3 CLOSING new data ->", recv(), iss); print("D3", tcpstate(c))
    send(pp, 8080, PISN + 2, iss + 1, "F."); show("D3 CLOSING new FIN ->", recv(), iss); print("D3", tcpstate(c))
def D4():
    pp, iss, c, _ = established()
    send(pp, 8080, PISN + 1, iss + 1, "F."); recv(0.6); c.shutdown(socket.SHUT_WR); recv()
    send(pp, 8080, PISN + 2, iss + 1, "P.", b"x"); show("D4 LAST-ACK new data ->", recv(), iss); print("D4", tcpstate(c))
    send(pp, 8080, PISN + 2, iss + 2, "P.", b"x"); show("D4 LAST-ACK new data acking our FIN ->", recv(), iss); print("D4", tcpstate(c))
def D5():
    pp, iss, c, _ = established()
    send(pp, 8080, PISN + 1, iss + 1, "F."); recv(0.6)
    send(pp, 8080, PISN + 2, iss + 1, "F."); show("D5 CLOSE-WAIT new FIN ->", recv(), iss)
    send(pp, 8080, PISN + 5, iss + 1, "P.", b"x"); show("D5 CLOSE-WAIT new data in window ->", recv(), iss)
def F2():
    pp, iss, c, _ = established()
    c.close(); show("F2 fin", recv(), iss)
    send(pp, 8080, PISN + 1, iss + 1, "P.", b"late"); show("F2 FW1-orphan data acking nothing ->", recv(), iss)
def F3():
    pp, iss, c, _ = established()
    c.shutdown(socket.SHUT_RDWR); recv(); send(pp, 8080, PISN + 1, iss + 2, "."); recv()
    send(pp, 8080, PISN + 1, iss + 2, "P.", b"late"); show("F3 FW2 SHUT_RDWR (not closed) data ->", recv(), iss); print("F3", tcpstate(c), "so_error", c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
def F4():
    pp, iss, c, _ = established()
    c.shutdown(socket.SHUT_RD)
    send(pp, 8080, PISN + 1, iss + 1, "P.", b"data"); show("F4 ESTAB SHUT_RD data ->", recv(0.6), iss); print("F4", tcpstate(c))
def F5():
    pp, iss, c, _ = established()
    c.shutdown(socket.SHUT_RDWR); recv()
    send(pp, 8080, PISN + 1, iss + 1, "FP.", b"late"); show("F5 FW1 SHUT_RDWR data+FIN ->", recv(), iss); print("F5", tcpstate(c))
def F6():
    pp, iss, c, _ = established()
    c.close(); recv()
    send(pp, 8080, PISN + 1, iss + 2, "F."); show("F6 FW1-orphan FIN acking ours ->", recv(), iss)
    send(pp, 8080, PISN + 5, iss + 2, "P.", b"x"); show("F6 TW data ->", recv(), iss)

def D6():
    pp, iss, c, _ = established()
    send(pp, 8080, PISN + 1, iss + 1, "FP.", b"ab"); recv(0.6)
    send(pp, 8080, PISN + 1, iss + 1, "F."); show("D6 CLOSE-WAIT FIN-only inside old data ->", recv(), iss)
    time.sleep(0.6)
    send(pp, 8080, PISN + 3, iss + 1, "F."); show("D6 CLOSE-WAIT FIN retransmitted ->", recv(), iss)
    send(pp, 8080, PISN + 1, iss + 1, "FP.", b"ab"); show("D6 CLOSE-WAIT data+FIN retransmitted ->", recv(), iss)
    send(pp, 8080, PISN + 1, iss + 1, "P.", b"ab"); show("D6 CLOSE-WAIT data retransmitted ->", recv(), iss)

def A7():
    pp, iss = synrecv()
    send(pp, 8080, PISN + 0x40000000, 0, "F"); show("A7 SYN-RECV FIN without ACK out of window ->", recv(), iss)
    send(pp, 8080, PISN + 1, 0, "P", b"x"); show("A7 SYN-RECV data without ACK in window ->", recv(), iss)
    send(pp, 8080, PISN + 1, iss + 1, "."); c = accepted(); print("A7 accepted", c is not None)

def R2():
    pp, iss, c, _ = established()
    c.shutdown(socket.SHUT_WR); recv()
    send(pp, 8080, PISN + 1, iss + 2, "F."); recv()
    send(pp, 8080, PISN + 100, iss + 2, "."); send(pp, 8080, PISN + 100, iss + 2, "."); show("R2 TW two bare ACKs elsewhere ->", recv(), iss)
    time.sleep(0.6)
    send(pp, 8080, PISN + 1, iss + 2, "F."); send(pp, 8080, PISN + 1, iss + 2, "F."); show("R2 TW FIN twice ->", recv(), iss)
    send(pp, 8080, PISN + 100, iss + 2, "P.", b"x"); send(pp, 8080, PISN + 100, iss + 2, "P.", b"x"); show("R2 TW data twice ->", recv(), iss)
    send(pp, 8080, PISN, 0, "S", opts=OPTS); send(pp, 8080, PISN, 0, "S", opts=OPTS); show("R2 TW old SYN twice ->", recv(), iss)

NAMES = {"A": "SYN-RECV out-of-window ACK", "B": "ESTABLISHED ACK of unsent data", "C": "FIN-WAIT-1 ACK of unsent data",
         "D": "CLOSE-WAIT new data", "E": "CLOSE-WAIT ACK of unsent data", "F": "orphan FIN-WAIT-2 data",
         "G": "FIN-only segment beyond a hole", "H": "SYN-ACK options", "I": "TIME-WAIT new SYN ISN",
         "K": "LAST-ACK RST errno", "L": "CLOSING RST errno", "M": "ACK of a FIN", "N": "CLOSE-WAIT RST errno",
         "O": "FIN-WAIT-1 old duplicate / far data", "P": "SYN-SENT", "Q": "SYN-RECV SYN retransmit, bad ACK",
         "R": "TIME-WAIT old SYN, RST, FIN", "S": "LISTEN bare FIN/data/RST", "T": "ESTABLISHED RST/SYN in window, RST outside",
         "U": "challenge ACK rate limit for blind data",
         "A2": "SYN-RECV in-window ACK, seq irs+5", "A3": "SYN-RECV in-window data, seq irs+5",
         "A4": "SYN-RECV out-of-window rate limit, edges", "A5": "SYN-RECV bad ACK out of window, SYN in window",
         "A6": "SYN-RECV SYN out of window, FIN", "G2": "data+FIN beyond a hole", "G3": "FIN-only beyond a hole, twice",
         "G4": "FIN-only beyond a hole, no SACK", "G5": "FIN after out-of-order data", "G6": "data past an out-of-order FIN",
         "D2": "CLOSE-WAIT data across the FIN", "D3": "CLOSING new data, new FIN", "D4": "LAST-ACK new data",
         "D5": "CLOSE-WAIT new FIN, data in window", "F2": "orphan FIN-WAIT-1 data", "F3": "FIN-WAIT-2 after SHUT_RDWR data",
         "F4": "ESTABLISHED after SHUT_RD data", "F5": "FIN-WAIT-1 after SHUT_RDWR data+FIN", "F6": "orphan FIN-WAIT-1 FIN, then data in TIME-WAIT",
         "D6": "CLOSE-WAIT old segments: FIN, data+FIN, data",
         "A7": "SYN-RECV segments without ACK",
         "R2": "TIME-WAIT out-of-window ACK rate limit"}
ONLY = sys.argv[1:]
for n in NAMES:
    if ONLY and n not in ONLY: continue
    print("==", n, NAMES[n], flush=True)
    case(n, globals()[n])
