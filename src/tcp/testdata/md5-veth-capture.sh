#!/bin/sh
# A Linux 6.18 client sends 20000 bytes to a server over a veth pair (two fresh
# namespaces), both with TCP_MD5SIG key "secret"; writes md5-veth.tcpdump.txt
# (tcpdump -nn of the client side, timestamps cut, digests shortened to "md5").
# GSO is off with a key: 1440-byte segments, PSH on the last (test/tcp/md5sig.test.ts).
D=$(mktemp -d)
cat > $D/vsrv.py <<'PY'
import socket, struct
def md5(addr, key):
    b = struct.pack('<H', 2) + struct.pack('!H', 0) + socket.inet_aton(addr)
    return b.ljust(128, b'\0') + struct.pack('=BBHi', 0, 0, len(key), 0) + key.ljust(80, b'\0')
l = socket.socket(); l.setsockopt(6, 14, md5('10.0.0.1', b'secret')); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); l.bind(('10.0.0.2', 179)); l.listen()
l.settimeout(8)
c, _ = l.accept()
n = 0
while True:
    d = c.recv(65536)
    if not d: break
    n += len(d)
c.close()
PY
cat > $D/vcli.py <<'PY'
import socket, struct, time
def md5(addr, key):
    b = struct.pack('<H', 2) + struct.pack('!H', 0) + socket.inet_aton(addr)
    return b.ljust(128, b'\0') + struct.pack('=BBHi', 0, 0, len(key), 0) + key.ljust(80, b'\0')
c = socket.socket(); c.setsockopt(6, 14, md5('10.0.0.2', b'secret')); c.connect(('10.0.0.2', 179))
c.sendall(bytes(20000))
time.sleep(0.3)
c.close()
time.sleep(0.3)
PY
A=md5ta$$; B=md5tb$$
cleanup() { ip netns del $A 2>/dev/null || true; ip netns del $B 2>/dev/null || true; }
trap cleanup EXIT
ip netns add $A; ip netns add $B
ip link add va type veth peer name vb
ip link set va netns $A; ip link set vb netns $B
ip -n $A addr add 10.0.0.1/24 dev va; ip -n $B addr add 10.0.0.2/24 dev vb
ip -n $A link set va up; ip -n $B link set vb up; ip -n $A link set lo up; ip -n $B link set lo up
ip netns exec $B python3 $D/vsrv.py &
sleep 0.5
ip netns exec $A timeout 10 tcpdump -i va -w $D/veth.pcap -U tcp 2>/dev/null &
sleep 1
ip netns exec $A python3 $D/vcli.py
sleep 1
kill %2 2>/dev/null || true
wait
tcpdump -r $D/veth.pcap -nn 2>/dev/null | cut -c17- | sed "s/md5 shared secret not supplied with -M, can.t check - [0-9a-f]*/md5/" > "$(dirname "$0")/md5-veth.tcpdump.txt"
rm -rf $D
