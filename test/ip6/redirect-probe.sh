#!/bin/sh
# Linux 6.18's ICMPv6 redirects, for redirect.test.ts: a host h (2001:db8::5,
# default route via fe80::1) and two routers r1 (fe80::1) and r2 (fe80::2,
# 2001:db8:2::2 on lo) on one bridge; r1 routes 2001:db8:2::/64 via fe80::2,
# so h's packets to that prefix leave r1 by the interface they came in on.
# Prints JSON: what h's tcpdump saw of each redirect (length, target,
# destination, whether it carries r2's link-layer address), which
# destinations h then routes via fe80::2 (a UDP datagram's redirect is not
# taken; a ping's is), and the counters. (A TCP SYN's is taken through the
# socket's cached route, when it is still valid: not pinned here.)
# Needs root; makes and deletes namespaces rdh, rdr1, rdr2, rdsw.
#   sh test/ip6/redirect-probe.sh > test/ip6/redirect-linux.json
# It also leaves h's capture as redirect-linux.pcap and its `tcpdump -nn` text
# (timestamps cut) as redirect-linux.tcpdump.txt next to itself.
set -eu
cleanup() { for n in rdh rdr1 rdr2 rdsw; do ip netns del $n 2>/dev/null || true; done; rm -f /tmp/redirect-probe.pcap; }
trap cleanup EXIT
cleanup
for n in rdh rdr1 rdr2 rdsw; do ip netns add $n; ip -n $n link set lo up; done
ip -n rdsw link add br0 type bridge; ip -n rdsw link set br0 up
for n in rdh rdr1 rdr2; do
  ip link add e-$n type veth peer name p-$n
  ip link set e-$n netns $n; ip link set p-$n netns rdsw
  ip -n rdsw link set p-$n master br0; ip -n rdsw link set p-$n up
  ip netns exec $n sysctl -qw net.ipv6.conf.e-$n.addr_gen_mode=1
done
ip netns exec rdr1 sysctl -qw net.ipv6.conf.all.forwarding=1
ip netns exec rdr2 sysctl -qw net.ipv6.conf.all.forwarding=1
ip netns exec rdh sysctl -qw net.ipv4.ping_group_range="0 0"
ip -n rdh addr add fe80::5/64 dev e-rdh nodad; ip -n rdh addr add 2001:db8::5/64 dev e-rdh nodad
ip -n rdr1 addr add fe80::1/64 dev e-rdr1 nodad; ip -n rdr1 addr add 2001:db8::1/64 dev e-rdr1 nodad
ip -n rdr2 addr add fe80::2/64 dev e-rdr2 nodad; ip -n rdr2 addr add 2001:db8::2/64 dev e-rdr2 nodad
ip -n rdr2 addr add 2001:db8:2::2/64 dev lo
for n in rdh rdr1 rdr2; do ip -n $n link set e-$n up; done
ip -n rdh -6 route add default via fe80::1 dev e-rdh
ip -n rdr1 -6 route add 2001:db8:2::/64 via fe80::2 dev e-rdr1
sleep 2
ip netns exec rdh tcpdump -Z root -i e-rdh -w /tmp/redirect-probe.pcap -U icmp6 2>/dev/null &
sleep 1
ip netns exec rdh nstat -n; ip netns exec rdr1 nstat -n
ip netns exec rdh python3 -c "
import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for i in range(3):
    s.sendto(b'hello%d' % i, ('2001:db8:2::3', 9)); time.sleep(0.2)
p = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, socket.IPPROTO_ICMPV6)
p.sendto(b'\x80\0\0\0\0\0\0\1ping', ('2001:db8:2::2', 0)); time.sleep(0.3)
"
sleep 1; kill $! 2>/dev/null || true; sleep 0.5
via() { ip -n rdh -6 route get "$1" | sed -n 's/.* via \([^ ]*\) .*/\1/p'; }
hn=$(ip netns exec rdh nstat -a | awk '/Icmp6InRedirects/ {print $2}')
rn=$(ip netns exec rdr1 nstat -a | awk '/Icmp6OutRedirects/ {print $2}')
fw=$(ip netns exec rdr1 nstat -a | awk '/Ip6OutForwDatagrams/ {print $2}')
cache=$(ip -n rdh -6 route show cache | head -1)
here=$(cd "$(dirname "$0")" && pwd)
cp /tmp/redirect-probe.pcap "$here/redirect-linux.pcap"
tcpdump -nn -r "$here/redirect-linux.pcap" 2>/dev/null | cut -c17- > "$here/redirect-linux.tcpdump.txt"
reds=$(tcpdump -nn -v -r /tmp/redirect-probe.pcap 2>/dev/null | python3 -c "
import sys, json, re
out, cur = [], None
for l in sys.stdin:
    if not l[:1].isspace():
        m = re.search(r'ICMP6, redirect, length (\d+), (\S+) to (\S+)', l)
        cur = {'length': int(m.group(1)), 'dest': m.group(2), 'target': m.group(3), 'tllao': False} if m else None
        if cur: out.append(cur)
    elif cur and 'destination link-address option' in l: cur['tllao'] = True
print(json.dumps(out))")
cat <<JSON
{
 "kernel": "$(uname -r)",
 "redirects seen by h": $reds,
 "via after: udp 2001:db8:2::3": "$(via 2001:db8:2::3)",
 "via after: ping 2001:db8:2::2": "$(via 2001:db8:2::2)",
 "route show cache (first line)": "$cache",
 "h Icmp6InRedirects": $hn,
 "r1 Icmp6OutRedirects": $rn,
 "r1 Ip6OutForwDatagrams": $fw
}
JSON
