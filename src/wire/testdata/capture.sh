#!/bin/sh
# Regenerates golden.ts from real Linux traffic (needs root, tcpdump, tshark, python3).
# Everything runs in private network namespaces (unshare -n): only their own
# loopback and a TUN device are used; nothing leaves the machine.
#   sh src/wire/testdata/capture.sh
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
cp "$HERE/lo-traffic.py" "$HERE/tun-peer.py" "$HERE/extract.py" "$W/"
cd "$W"
unshare -n sh -c '
  ip link set lo up; ip link set lo mtu 1500
  tcpdump -i lo -U -w lo.pcap 2>/dev/null & TP=$!
  sleep 1; python3 lo-traffic.py; sleep 0.5
  kill $TP; wait $TP || true'
timeout 30 unshare -n python3 tun-peer.py
python3 extract.py "$HERE/golden.ts"
echo "wrote $HERE/golden.ts (captures kept in $W)"
