#!/usr/bin/env bash
# The seed-0 lecture experiment on the real Linux kernel, inside a network
# namespace this script creates and deletes: a server on 9090 with backlog 2
# that does not accept; four clients connect and send "1111"; after a while
# the server accepts. Prints ss snapshots and the tcpdump trace.
# Usage: sudo bash scripts/lecture-linux.sh [OUTDIR]
set -euo pipefail
out=${1:-/tmp/lecture-linux}
mkdir -p "$out"
ns=sockstack-lecture-$$
cleanup() { ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true; ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" timeout 60 tcpdump -nn -i lo -w "$out/trace.pcap" port 9090 2>/dev/null &
sleep 1
cat > "$out/server.py" <<'PY'
import socket, time, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9090)); s.listen(2)
time.sleep(float(sys.argv[1]))
for i in range(4):
    s.settimeout(3)
    try:
        c, a = s.accept(); c.settimeout(1)
        try: d = c.recv(100)
        except Exception as e: d = repr(e)
        print("accepted", a[1], d, flush=True)
    except Exception as e:
        print("accept", repr(e), flush=True)
PY
cat > "$out/client.py" <<'PY'
import socket, sys, time
c = socket.socket(); c.settimeout(40)
t0 = time.time()
try:
    c.connect(("127.0.0.1", 9090)); c.send(b"1111")
    print(sys.argv[1], "connected", round(time.time() - t0, 2), flush=True)
except Exception as e:
    print(sys.argv[1], repr(e), flush=True)
time.sleep(30)
PY
ip netns exec "$ns" python3 "$out/server.py" 12 > "$out/server.txt" 2>&1 &
sleep 0.5
for i in 1 2 3 4; do ip netns exec "$ns" python3 "$out/client.py" c$i > "$out/client$i.txt" 2>&1 & sleep 0.2; done
sleep 2
ip netns exec "$ns" ss -tanoi > "$out/ss-before-accept.txt"
ip netns exec "$ns" nstat -az TcpExtListenOverflows TcpExtListenDrops > "$out/nstat.txt" || true
sleep 12
ip netns exec "$ns" ss -tanoi > "$out/ss-after-accept.txt"
sleep 3
kill %1 2>/dev/null || true
wait 2>/dev/null || true
tcpdump -nn -tt -r "$out/trace.pcap" > "$out/trace.txt" 2>/dev/null || true
cat "$out"/client*.txt "$out/server.txt"
