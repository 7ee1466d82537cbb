#!/bin/sh
# Regenerates ethernet-arp.pcap and ethernet-arp.tshark.tsv (and the tcpdump
# texts in src/tools/testdata/ethernet-arp.*.txt) from this machine's kernel:
# a veth pair between two network namespaces (eth19-a 10.219.0.1,
# eth19-b 10.219.0.2), a UDP datagram to a neighbour (ARP request, reply,
# IPv4), one to an absent address (three broadcast requests, then FAILED;
# the fourth after a new send), the peer's unicast PROBE, and two frames
# sent through an AF_PACKET socket: an 802.1Q-tagged ARP request (VID 7,
# PCP 3) and an IEEE 802.3 length frame (LLC, STP). Run as root.
set -eu
cd "$(dirname "$0")"
T=$(mktemp -d)
trap 'ip netns del eth19-a 2>/dev/null; ip netns del eth19-b 2>/dev/null; rm -rf "$T"' EXIT
ip netns add eth19-a; ip netns add eth19-b
ip link add eth19-va netns eth19-a type veth peer name eth19-vb netns eth19-b
ip -n eth19-a link set eth19-va address 02:00:00:00:19:01
ip -n eth19-b link set eth19-vb address 02:00:00:00:19:02
ip -n eth19-a addr add 10.219.0.1/24 dev eth19-va
ip -n eth19-b addr add 10.219.0.2/24 dev eth19-vb
for n in a b; do
  ip netns exec eth19-$n sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  ip -n eth19-$n link set lo up
done
ip -n eth19-a link set eth19-va up; ip -n eth19-b link set eth19-vb up
ip netns exec eth19-a sysctl -qw net.ipv4.neigh.eth19-va.base_reachable_time_ms=2000
ip netns exec eth19-b sysctl -qw net.ipv4.neigh.eth19-vb.base_reachable_time_ms=2000
cat > "$T/gen.py" <<'PY'
import socket, struct, sys, time
if sys.argv[1] == "udp":
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"hello", (sys.argv[2], 9))
elif sys.argv[1] == "absent":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("10.219.0.9", 9)); s.send(b"x" * 100); s.send(b"y" * 100)
    time.sleep(5); s.send(b"z")
else:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(("eth19-va", 0))
    src = bytes.fromhex("020000001901")
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, src, socket.inet_aton("10.219.7.1"), bytes(6), socket.inet_aton("10.219.7.2"))
    s.send(b"\xff" * 6 + src + struct.pack("!HHH", 0x8100, (3 << 13) | 7, 0x0806) + arp)
    llc = bytes([0x42, 0x42, 0x03]) + bytes(35)
    s.send(bytes.fromhex("0180c2000000") + src + struct.pack("!H", len(llc)) + llc)
PY
ip netns exec eth19-a timeout 15 tcpdump -i eth19-va -w "$T/cap.pcap" -U 2>/dev/null &
sleep 1
ip netns exec eth19-a python3 "$T/gen.py" udp 10.219.0.2
ip netns exec eth19-a python3 "$T/gen.py" absent
sleep 1
ip netns exec eth19-a python3 "$T/gen.py" raw
wait
cp "$T/cap.pcap" ethernet-arp.pcap
tshark -r ethernet-arp.pcap -T fields -E header=y -e frame.number -e eth.dst -e eth.src -e eth.type -e eth.len -e vlan.id -e vlan.priority -e vlan.etype -e arp.opcode -e arp.src.hw_mac -e arp.src.proto_ipv4 -e arp.dst.hw_mac -e arp.dst.proto_ipv4 > ethernet-arp.tshark.tsv
tcpdump -entr ethernet-arp.pcap > ../../tools/testdata/ethernet-arp.tcpdump-ent.txt
tcpdump -ntr ethernet-arp.pcap > ../../tools/testdata/ethernet-arp.tcpdump-nt.txt
