#!/bin/sh
# Captures what lsof, ss and netstat print on Linux for one process holding
# every kind of fd sockstack has: TCP (listening, connecting, accepted) and
# UDP (bound, connected) sockets on 127.0.0.1, an epoll instance, AF_UNIX
# stream (path listener, client, accepted), datagram (bound, unbound),
# abstract listener, stream and datagram socketpairs, and an autobound
# datagram socket. Output: fd-kinds-*.txt next to this script (sockets of
# the process only). The CLI's `fd-kinds` view scenario makes the same fds;
# src/cli/views.test.ts compares the two. Run: sh capture-fd-kinds.sh
set -eu
D=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
trap 'kill "$P" 2>/dev/null || true; rm -rf "$W"' EXIT
cat > "$W"/fds.py <<'PY'
import socket, select, os, time
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); ls.bind(("127.0.0.1", 9191)); ls.listen(2)
c = socket.create_connection(("127.0.0.1", 9191)); a, _ = ls.accept()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", 9192))
uc = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); uc.connect(("127.0.0.1", 9192))
ep = select.epoll(); ep.register(ls.fileno(), select.EPOLLIN)
for p in ["/tmp/ux.sock", "/tmp/ud.sock"]:
    if os.path.exists(p): os.unlink(p)
xs = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); xs.bind("/tmp/ux.sock"); xs.listen(2)
xc = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); xc.connect("/tmp/ux.sock"); xa, _ = xs.accept()
xd = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); xd.bind("/tmp/ud.sock")
xdu = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
xab = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); xab.bind("\0abstract"); xab.listen(1)
sp = socket.socketpair()
dp = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
xauto = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); xauto.bind("")
print("ready", flush=True)
time.sleep(600)
PY
python3 "$W"/fds.py > "$W"/out &
P=$!
while ! grep -q ready "$W"/out; do sleep 0.1; done
lsof -n -P -p "$P" | grep -E "COMMAND| [0-9]+[urw] " | grep -v "/dev/null\|FIFO\|REG" > "$D"/fd-kinds-lsof-p.txt
ss -xanp | grep -E "^Netid|pid=$P," > "$D"/fd-kinds-ss-xanp.txt
netstat -anpx | grep -E "^Proto|^Active|$P/" > "$D"/fd-kinds-netstat-anpx.txt
