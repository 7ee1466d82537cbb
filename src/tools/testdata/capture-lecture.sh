#!/bin/sh
# Captures what the real tools print for the seed-0 lecture situation (A1–A4,
# B2) on the Linux kernel, inside two private network namespaces joined by a
# veth pair (server 10.0.0.2, client 10.0.0.1) — no other address is used.
# Output: lecture-*.txt next to this script. Run as root:
#   sh src/tools/testdata/capture-lecture.sh
# Steps: (1) server listens on 9090 with backlog 2 and does not accept;
# (2) four clients connect and each sends "1111"; (3) the server accepts and
# reads every connection.
set -eu
D=$(cd "$(dirname "$0")" && pwd)
S=ssobs-srv-$$
C=ssobs-cli-$$
W=$(mktemp -d)
cleanup() {
  for p in $(cat "$W"/pids 2>/dev/null); do kill "$p" 2>/dev/null || true; done
  ip netns del "$S" 2>/dev/null || true
  ip netns del "$C" 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
ip netns add "$S"; ip netns add "$C"
ip link add vo$$ type veth peer name vi$$
ip link set vo$$ netns "$S" name eth0; ip link set vi$$ netns "$C" name eth0
ip -n "$S" addr add 10.0.0.2/24 dev eth0; ip -n "$C" addr add 10.0.0.1/24 dev eth0
for n in "$S" "$C"; do ip -n "$n" link set lo up; ip -n "$n" link set eth0 up; done
# Offloads off so the captured segments are the real ones.
for n in "$S" "$C"; do ip netns exec "$n" ethtool -K eth0 tso off gso off gro off >/dev/null 2>&1 || true; done

cat > "$W"/server.py <<'PY'
import ctypes, os, socket, sys, time
ctypes.CDLL(None).prctl(15, b"server", 0, 0, 0)   # comm = "server" (what ss -p / lsof show)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("0.0.0.0", 9090))
s.listen(2)
open(sys.argv[1] + "/listening", "w").close()
while not os.path.exists(sys.argv[1] + "/go"):   # "blocked on stdin" before the accept loop
    time.sleep(0.05)
conns = []
while len(conns) < 4:
    c, a = s.accept()
    conns.append(c)
    c.recv(100)
open(sys.argv[1] + "/accepted", "w").close()
time.sleep(3600)
PY
cat > "$W"/client.py <<'PY'
import ctypes, socket, time
ctypes.CDLL(None).prctl(15, b"client", 0, 0, 0)
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.connect(("10.0.0.2", 9090))
c.send(b"1111")
time.sleep(3600)
PY
ip netns exec "$S" python3 "$W"/server.py "$W" & echo $! >> "$W"/pids
while [ ! -e "$W"/listening ]; do sleep 0.05; done
snap() { # $1 = step name
  ip netns exec "$S" ss -tanpoi > "$D/lecture-$1-ss-tanpoi.txt"
  ip netns exec "$S" ss -tlnp > "$D/lecture-$1-ss-tlnp.txt"
  ip netns exec "$S" ss -tnoe > "$D/lecture-$1-ss-tnoe.txt" || true
  ip netns exec "$S" ss -s > "$D/lecture-$1-ss-s.txt"
  ip netns exec "$S" netstat -natp > "$D/lecture-$1-netstat-natp.txt" 2>&1
  ip netns exec "$S" lsof -nP -i > "$D/lecture-$1-lsof-i.txt" 2>&1 || true
  ip netns exec "$S" lsof -nP -p "$(pgrep -n -x server)" -a -d '0-999' > "$D/lecture-$1-lsof-p.txt" 2>&1 || true
  ip netns exec "$C" ss -tanpoi > "$D/lecture-$1-client-ss-tanpoi.txt"
}
ip netns exec "$S" nstat -n >/dev/null   # reset nstat's history
snap 1-listen
for i in 1 2 3 4; do ip netns exec "$C" python3 "$W"/client.py & echo $! >> "$W"/pids; sleep 0.2; done
sleep 0.5
snap 2-connected
ip netns exec "$S" nstat > "$D/lecture-2-nstat.txt"
ip netns exec "$S" nstat -az > "$D/lecture-2-nstat-az.txt"
ip netns exec "$S" netstat -s > "$D/lecture-2-netstat-s.txt"
touch "$W"/go
while [ ! -e "$W"/accepted ]; do sleep 0.05; done
sleep 0.2
snap 3-accepted
ip netns exec "$S" nstat > "$D/lecture-3-nstat.txt"
echo done
