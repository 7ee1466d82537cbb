#!/bin/sh
# Regenerates ethernet-sim.tcpdump-ent.txt: the real tcpdump's -e text of the
# pcap that ethernet-scenario.ts captures (the test compares sockstack's text with it).
set -eu
cd "$(dirname "$0")/../../.."
T=$(mktemp -d --suffix=.sim)
cat > "$T/w.mts" <<TS
import { writeFileSync } from "node:fs";
import { ethernetScenario } from "$PWD/src/tools/testdata/ethernet-scenario.ts";
const { cap } = await ethernetScenario();
writeFileSync("$T/sim.pcap", cap.pcap());
TS
node --import tsx "$T/w.mts"
tcpdump -entr "$T/sim.pcap" > src/tools/testdata/ethernet-sim.tcpdump-ent.txt
rm -rf "$T"
