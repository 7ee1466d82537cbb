#!/bin/sh
# Regenerates ipv6-veth.pcap / ipv6-linkup.pcap and their tcpdump texts:
# two network namespaces joined by a veth pair (s6a 02:00:00:00:00:01,
# s6b 02:00:00:00:00:02, 2001:db8::1/64 and ::2/64); the link coming up
# (DAD, MLDv2 reports, router solicitations), then ICMPv6 echo through a
# raw socket, UDP to a closed port (port unreachable), a 3000-byte UDP
# datagram (source fragmentation), UDP to a link-local address, and the
# neighbour probes that follow. Needs root; deletes what it creates.
# ipv6-inet-ntop.json is glibc's inet_pton/inet_ntop on a list of texts
# (python3 socket.inet_pton/inet_ntop call them).
set -eu
out=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
cleanup() { ip netns del s6na 2>/dev/null || true; ip netns del s6nb 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
ip netns add s6na; ip netns add s6nb
ip link add s6a type veth peer name s6b
ip link set s6a netns s6na; ip link set s6b netns s6nb
ip -n s6na link set s6a address 02:00:00:00:00:01
ip -n s6nb link set s6b address 02:00:00:00:00:02
ip -n s6na link set lo up; ip -n s6nb link set lo up
ip netns exec s6na timeout 8 tcpdump -i s6a -w "$tmp/up.pcap" -U 2>/dev/null &
sleep 1
ip -n s6na link set s6a up; ip -n s6nb link set s6b up
wait
ip -n s6na addr add 2001:db8::1/64 dev s6a; ip -n s6nb addr add 2001:db8::2/64 dev s6b
sleep 3
ip netns exec s6na timeout 9 tcpdump -i s6a -w "$tmp/veth.pcap" -U 2>/dev/null &
sleep 1
ip netns exec s6na python3 -c "
import socket,time
s=socket.socket(socket.AF_INET6,socket.SOCK_RAW,socket.IPPROTO_ICMPV6)
for i in range(2):
  s.sendto(b'\x80\x00\x00\x00\x12\x34\x00'+bytes([i+1])+b'abcdefgh',('2001:db8::2',0))
  while s.recvfrom(100)[0][0]!=129: pass
u=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM)
u.sendto(b'hello',('2001:db8::2',9999))
u.sendto(b'x'*3000,('2001:db8::2',9999))
time.sleep(0.3)
u.sendto(b'hi',('fe80::ff:fe00:2%s6a',7777))
"
wait
cp "$tmp/veth.pcap" "$out/ipv6-veth.pcap"; cp "$tmp/up.pcap" "$out/ipv6-linkup.pcap"
tcpdump -nn -r "$out/ipv6-veth.pcap" 2>/dev/null > "$out/ipv6-veth.tcpdump.txt"
tcpdump -nn -v -r "$out/ipv6-veth.pcap" 2>/dev/null > "$out/ipv6-veth.tcpdump-v.txt"
tcpdump -nn -r "$out/ipv6-linkup.pcap" 2>/dev/null > "$out/ipv6-linkup.tcpdump.txt"
