#!/usr/bin/env python3
"""The Linux side of test/tcp/pmtu-retransmit.test.ts: what does this kernel retransmit when an
ICMP fragmentation needed lowers the path MTU of an established connection (tcp_v4_mtu_reduced →
tcp_simple_retransmit)?

Plays the peer over a TUN device (tun_peer.py, mss 1000, SACK, no timestamps) in a PRIVATE network
namespace: handshake with a ~100 ms RTT, the accepted socket (TCP_NODELAY) writes 3000 then 500
bytes (two skbs); 10 ms later the peer sends ICMP fragmentation needed, MTU 900, quoting 1:1001.
The kernel's segments (seconds after the first write, sequence relative to the ISN, length),
tcp_info after the ICMP and the TcpExt counters that moved are printed.
With the argument small: only 500 bytes are in flight (nothing longer than the new MSS).
Run as root:  unshare -n python3 test/tcp/linux-pmtu-probe.py [small]
Linux 6.18.44: 1:1001 . 1001:2001 P. 2001:3001 P. 3001:3501 P. at 0.000 (skbs 1:2001, 2001:3001,
3001:3501); after the ICMP at 0.011: 1:861, 861:1721, 1721:2001(280), 2001:2861, 2861:3001(140),
ca_state 4 (Loss), snd_mss 860, lost 5, cwnd 10, ssthresh unchanged, TCPSlowStartRetrans 5,
RetransSegs 5, TCPLostRetransmit 0. small: nothing resent, ca_state 0.
"""
import os, socket, struct, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tun_peer
from tun_peer import send, csum


def recv(timeout):
    """The kernel's TCP segments for `timeout` seconds: (time, flags, seq, payload length, raw IP)."""
    return [(g["time"], "".join(c for c, b in tun_peer.FL.items() if g["bits"] & b), g["seq"], g["len"], g["raw"])
            for g in tun_peer.segments(timeout)]


def frag_needed(quoted_ip, mtu):
    """ICMP type 3 code 4 from the peer quoting the kernel's IP header and first 8 TCP bytes."""
    ihl = (quoted_ip[0] & 15) * 4
    body = struct.pack("!BBHHH", 3, 4, 0, 0, mtu) + quoted_ip[:ihl + 8]
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 2, 0, 64, 1, 0, tun_peer.PEER, tun_peer.LOCAL)
    os.write(tun_peer.tun, ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + body)


def info(c):
    i = tun_peer.tcp_info(c)
    return f"ca_state {i['ca_state']} snd_mss {i['snd_mss']} unacked {i['unacked']} lost {i['lost']} retrans {i['retrans']} ssthresh {i['ssthresh']} cwnd {i['cwnd']}"


KEEP = ("TcpExtTCPLostRetransmit", "TcpExtTCPSlowStartRetrans", "TcpExtTCPFastRetrans", "TcpExtTCPLossUndo", "TcpRetransSegs")


def nstat():
    return tun_peer.nstat(KEEP)


subprocess.check_call(["sysctl", "-qw", "net.ipv4.tcp_early_retrans=0"])
subprocess.run(["nstat", "-n"], check=True)  # counters from here
srv, c, isn = tun_peer.accept_crafted()
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
t0 = time.time()


def show(segs):
    for t, f, s, n, _ in segs:
        print(f"{t - t0:7.3f} {f:3} {(s - isn) & 0xffffffff}:{((s - isn) & 0xffffffff) + n}({n})")


small = len(sys.argv) > 1 and sys.argv[1] == "small"
if not small:
    c.send(b"x" * 3000)
c.send(b"y" * 500)
segs = recv(0.01)
show(segs)
print("before the ICMP:", info(c))
frag_needed(segs[0][4], 900)
segs = recv(0.05)
show(segs)
print("after the ICMP:", info(c))
print(nstat())
