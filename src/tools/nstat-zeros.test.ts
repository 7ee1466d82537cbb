// nstat -z on a fresh host: Linux's /proc files list every counter at 0 (the
// per-type IcmpMsg/Icmp6 ones aside), so `nstat -az NAME` prints it with 0.
// Expected text recorded on Linux 6.18 (iproute2 nstat) in a fresh
// `unshare -n` namespace.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../sim/network.js";
import { snapshot } from "./snapshot.js";
import { nstat } from "./nstat.js";

function freshHost() {
  const net = new Network({ seed: 7 });
  return net.addHost("h");
}

test("nstat -az NAME prints a counter never incremented, with 0, as Linux does", () => {
  const s = snapshot(freshHost());
  assert.equal(nstat(null, s, "-az TcpExtTCPMTUPSuccess"), "#kernel\nTcpExtTCPMTUPSuccess            0                  0.0\n",
    "a never-incremented TcpExt counter is missing from nstat -az");
  assert.equal(nstat(null, s, "-azj TcpExtTCPMTUPSuccess"), '{"kernel":{"TcpExtTCPMTUPSuccess":0}}\n', "nstat -azj leaves out the zero counter");
  assert.equal(nstat(null, s, "-a TcpExtTCPMTUPSuccess"), "#kernel\n", "nstat -a without -z printed a zero counter");
});

test("nstat -az prints every modelled Linux counter at 0, in Linux's group order (snmp, snmp6, then netstat)", () => {
  const s = snapshot(freshHost());
  const linux = [
    "TcpActiveOpens", "Ip6InReceives", "Udp6InDatagrams", "TcpExtPAWSTimewait", "TcpExtTCPFastOpenActive", "TcpExtTCPFastOpenActiveFail",
    "TcpExtTCPFastOpenPassive", "TcpExtTCPFastOpenPassiveFail", "TcpExtTCPFastOpenListenOverflow", "TcpExtTCPFastOpenCookieReqd",
    "TcpExtTCPFastOpenBlackhole", "TcpExtTCPMTUPSuccess", "TcpExtTCPFastOpenPassiveAltKey", "IpExtInOctets",
  ];
  const text = nstat(null, s, ["-az", "TcpExtTCPMTUPSuccess", "TcpExtPAWSTimewait", "TcpExtTCPFastOpen*", "Ip6InReceives", "Udp6InDatagrams", "IpExtInOctets", "TcpActiveOpens"]);
  assert.deepEqual(text.split("\n").slice(1, -1).map((l) => l.split(/ +/)[0]), linux, "counter names or their order differ from Linux's nstat -az");
  for (const l of text.split("\n").slice(1, -1)) assert.match(l, /^\S+ +0 +0\.0$/, `not a zero line: ${l}`);
  assert.equal(nstat(null, s, ["-az", "*Type*", "IcmpMsg*"]), "#kernel\n", "per-type ICMP counters exist only once non-zero on Linux");
  assert.equal(nstat(null, s, ["-az", "TcpExtTCPRcvOutOfWindow"]), "#kernel\n", "TCPRcvOutOfWindow is not a Linux 6.18 /proc name");
});
