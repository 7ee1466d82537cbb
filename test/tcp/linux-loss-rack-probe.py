#!/usr/bin/env python3
"""The Linux side of test/pkt/linux/loss-rack-lost-retransmit.pkt: after an RTO, does this kernel
retransmit again a retransmission RACK finds lost while in Loss?

Plays the peer over a TUN device (tun_peer.py, mss 1000, SACK, no timestamps) in a PRIVATE network
namespace, with tail loss probes off (tcp_early_retrans=0) so that the RTO comes first: handshake
with a ~100 ms RTT, the accepted socket writes 10000 bytes (10 segments) that the peer "loses";
the RTO resends 1:1001; 150 ms later the peer acknowledges it; the two retransmissions that the
grown cwnd allows (1001:2001, 2001:3001) leave; 150 ms later the peer SACKs only the second. The
kernel's segments (seconds after the write, sequence relative to the ISN, length), tcp_info's
ca_state / cwnd / ssthresh / retrans / lost after each step, and the TcpExt counters that moved
are printed.
With the argument dsack-undo: 2000 bytes, the RTO resends 1:1001, and the peer's ACK of 2001
carries a D-SACK of it (only the ACKs were lost): is the timeout undone?
Run as root:  unshare -n python3 test/tcp/linux-loss-rack-probe.py [dsack-undo]
Linux 6.18.44: the data at 0.000, 1:1001 again at 0.304 (RTO, ca_state 4 Loss, cwnd 1); after
the ACK of 1001: 1001:2001 and 2001:3001 (cwnd 2); after the SACK of 2001:3001: 1001:2001 again,
ca_state 3 (Recovery), TCPLostRetransmit 1, TCPSackRecovery 1, TCPSlowStartRetrans 2.
dsack-undo on 6.18.44: ca_state 0, cwnd 10, ssthresh infinite again, TCPLossUndo 1.
"""
import os, socket, struct, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tun_peer
from tun_peer import send

subprocess.check_call(["sysctl", "-qw", "net.ipv4.tcp_early_retrans=0"])


def recv(timeout):
    """The kernel's TCP segments for `timeout` seconds: (time, flags, seq, ack, payload length)."""
    return tun_peer.recv(timeout, with_len=True)


def info(c):
    i = tun_peer.tcp_info(c)
    return f"ca_state {i['ca_state']} unacked {i['unacked']} lost {i['lost']} retrans {i['retrans']} ssthresh {i['ssthresh']} cwnd {i['cwnd']}"


KEEP = ("TcpExtTCPLostRetransmit", "TcpExtTCPSackRecovery", "TcpExtTCPSlowStartRetrans", "TcpExtTCPTimeouts",
        "TcpExtTCPFastRetrans", "TcpExtTCPLossUndo", "TcpRetransSegs", "TcpExtTCPSpuriousRTOs", "TcpExtTCPSpuriousRtxHostQueues")


def nstat():
    return tun_peer.nstat(KEEP)


subprocess.run(["nstat", "-n"], check=True)  # counters from here
srv, c, isn = tun_peer.accept_crafted()
t0 = time.time()


def show(segs):
    for t, f, s, a, n in segs:
        print(f"{t - t0:7.3f} {f:3} {(s - isn) & 0xffffffff}:{((s - isn) & 0xffffffff) + n}({n})")


if len(sys.argv) > 1 and sys.argv[1] == "dsack-undo":
    # Only the ACKs were lost: 2 segments, the RTO resends 1:1001, the peer's ACK of 2001 D-SACKs it.
    c.send(b"x" * 2000)
    segs = []
    while len(segs) < 3:
        segs += recv(0.05)
    show(segs)
    print("after the RTO:", info(c))
    time.sleep(0.1)
    send(40000, 1, isn + 2001, ".", sack=[(isn + 1, isn + 1001)])
    time.sleep(0.05)
    print("after ACK 2001 with D-SACK 1:1001:", info(c))
    print(nstat())
    sys.exit(0)

if len(sys.argv) > 1 and sys.argv[1].startswith("frto"):
    # F-RTO: 4000 bytes, the RTO resends 1:1001, 3000 more written during Loss; the ACK of 1001 150 ms
    # later; then (frto) a SACK of the new data only, or (frto-spurious) the ACK of 3001.
    c.send(b"x" * 4000)
    segs = []
    while len(segs) < 5:
        segs += recv(0.05)
    show(segs)
    print("after the RTO:", info(c))
    c.send(b"y" * 3000)
    show(recv(0.02))
    time.sleep(max(0, segs[-1][0] + 0.15 - time.time()))
    send(40000, 1, isn + 1001, ".")
    segs = recv(0.15)
    show(segs)
    print("after ACK 1001:", info(c))
    if sys.argv[1] == "frto-spurious":
        send(40000, 1, isn + 3001, ".")
        segs = recv(0.005)
        print("just after ACK 3001:", info(c))
        show(segs + recv(0.1))
        print("after ACK 3001:", info(c))
    else:
        send(40000, 1, isn + 1001, ".", sack=[(isn + 4001, isn + 6001)])
        show(recv(0.1))
        print("after SACK 4001:6001:", info(c))
    print(nstat())
    sys.exit(0)

# The flight, then its RTO retransmission of 1:1001.
c.send(b"x" * 10000)
segs = []
while not any((s - isn) & 0xffffffff == 1 for _, _, s, _, _ in segs[10:]):
    segs += recv(0.05)
    if time.time() - t0 > 3:
        raise SystemExit("no RTO retransmission")
show(segs)
rto_at = segs[-1][0]
print("after the RTO:", info(c))
time.sleep(max(0, rto_at + 0.15 - time.time()))
send(40000, 1, isn + 1001, ".")
segs = recv(0.15)
show(segs)
print("after ACK 1001:", info(c))
send(40000, 1, isn + 1001, ".", sack=[(isn + 2001, isn + 3001)])
segs = recv(0.1)
show(segs)
print("after SACK 2001:3001:", info(c))
print(nstat())
