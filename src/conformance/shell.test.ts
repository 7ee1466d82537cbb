// The backquoted-command interpreter: Google's helper scripts (defaults.sh,
// set_sysctls.py) read from a tree and interpreted, sysctl as procps runs
// it, tc/ip/ethtool/nstat/grep, redirections and exit statuses; and the
// packetdrill configuration (command line over header).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../sim/network.js";
import type { Host } from "../host/host.js";
import { arith, runShellCommand, shellEnv, type ShellEnv } from "./shell.js";
import { finalizeConfig, parsePacketdrillArgs, RUN_ALL_IPV4_ARGS } from "./config.js";
import { runScript } from "./runner.js";

function host(): Host {
  return new Network({ seed: 1 }).addHost("h");
}

/** A tiny Google-layout tree: tcp/common/defaults.sh and set_sysctls.py. */
const TREE: Record<string, string> = {
  "/g/tcp/common/defaults.sh": [
    "#!/bin/bash",
    "# comment",
    "ip tcp_metrics flush all > /dev/null 2>&1",
    'sysctl -q net.ipv4.tcp_rmem="4096 540000 $((15*1024*1024))"',
    "sysctl -q net.ipv4.tcp_wmem=\"4096 $((256*1024)) 4194304\"",
    "sysctl -q net.ipv4.tcp_frto=2",
    "echo 1 > /sys/module/tcp_cubic/parameters/hystart_detect",
    "sysctl -q net.ipv4.tcp_early_retrans=4 net.ipv4.tcp_recovery=1",
    "sysctl -q net.ipv4.tcp_fastopen=0x70403",
    "tc qdisc add dev tun0 root pfifo",
    "",
  ].join("\n"),
  "/g/tcp/common/set_sysctls.py": "#!/usr/bin/env python3\n# sets sysctls\n",
};

function env(init: Partial<ShellEnv> = {}): ShellEnv {
  return shellEnv({ cwd: "/g/tcp/x", readFile: (p) => TREE[p] ?? null, ...init });
}

test("defaults.sh by relative path: multi-value keys with $((…)), unmodelled knobs noted, tc last", () => {
  const h = host();
  const e = env();
  assert.deepEqual(runShellCommand(h, "../common/defaults.sh", e), { status: "ok" });
  assert.deepEqual(h.sysctl.tcp_rmem, [4096, 540000, 15 * 1024 * 1024]);
  assert.deepEqual(h.sysctl.tcp_wmem, [4096, 262144, 4194304]);
  assert.equal(e.qdisc?.kind, "pfifo");
  // Knobs sockstack lacks, set by a helper: noted, not refused.
  assert.ok(e.notes.some((n) => n.includes("hystart_detect")), "HyStart's ACK-train detector is not modelled: noted");
  assert.equal(h.sysctl.tcp_mtu_probing, 0, "MTU probing is modelled (tcp/mtu-probe.ts); defaults.sh leaves it alone");
  assert.equal(h.sysctl.tcp_frto, 2, "F-RTO is modelled (tcp/loss.ts): set, not noted");
  assert.equal(h.sysctl.tcp_recovery, 1); // RACK-TLP's knobs are modelled: set, not noted
  assert.equal(h.sysctl.tcp_early_retrans, 4);
  assert.ok(!e.notes.some((n) => n.startsWith("tcp_fastopen=")), "tcp_fastopen is modelled (tcp/fastopen.ts): no note");
  // A second `tc qdisc add` fails as on Linux (a root qdisc exists): the status is the last command's.
  const r = runShellCommand(h, "../common/defaults.sh", e);
  assert.equal(r.status, "failed");
  assert.match((r as { reason: string }).reason, /exited with status 2: Error: Exclusivity flag on/);
});

test("a knob sockstack lacks, set by the script itself, is unsupported with the reason", () => {
  const r = runShellCommand(host(), "sysctl -q net.ipv4.tcp_ecn=4", env());
  assert.equal(r.status, "unsupported");
  assert.match((r as { reason: string }).reason, /Accurate ECN/);
});

test("tcp_rmem set from a script line (it used to be refused)", async () => {
  const h = host();
  assert.deepEqual(runShellCommand(h, 'sysctl -q net.ipv4.tcp_rmem="4096 65536 1048576"'), { status: "ok" });
  assert.deepEqual(h.sysctl.tcp_rmem, [4096, 65536, 1048576]);
  const s = await runScript("`sysctl -q net.ipv4.tcp_rmem=\"4096 65536 1048576\"`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [65536], [4]) = 0\n");
  assert.equal(s.status, "passed", s.reason ?? "");
});

test("sysctl as procps: bad values and unknown keys fail with status 1; every assignment is tried", () => {
  const h = host();
  const r = runShellCommand(h, "sysctl -q net.ipv4.tcp_syn_retries=500 net.ipv4.tcp_synack_retries=3", env());
  assert.equal(r.status, "failed");
  assert.match((r as { reason: string }).reason, /setting key "net.ipv4.tcp_syn_retries": Invalid argument/);
  assert.equal(h.sysctl.tcp_synack_retries, 3);
  const u = runShellCommand(h, "sysctl -q net.ipv4.no_such_knob=1", env());
  assert.equal(u.status, "unsupported");
  assert.match((u as { reason: string }).reason, /no_such_knob is not modelled/);
});

test("set_sysctls.py writes the restore script; running it restores the old values", () => {
  const h = host();
  const e = env();
  const cmd = "../common/set_sysctls.py /proc/sys/net/ipv4/tcp_timestamps=0 /proc/sys/net/ipv4/tcp_syn_retries=3";
  assert.deepEqual(runShellCommand(h, cmd, e), { status: "ok" });
  assert.equal(h.sysctl.tcp_timestamps, false);
  assert.equal(h.sysctl.tcp_syn_retries, 3);
  assert.equal(new TextDecoder().decode(h.fs.readFile("/tmp/sysctl_restore_4242.sh") as Uint8Array),
    '#!/bin/bash\necho "1" > /proc/sys/net/ipv4/tcp_timestamps\necho "6" > /proc/sys/net/ipv4/tcp_syn_retries\n');
  assert.deepEqual(runShellCommand(h, "/tmp/sysctl_restore_${PPID}.sh", e), { status: "ok" });
  assert.equal(h.sysctl.tcp_timestamps, true);
  assert.equal(h.sysctl.tcp_syn_retries, 6);
});

test("echo > /proc/sys, && and || short-circuit, ; runs on, a missing helper is status 127", () => {
  const h = host();
  const e = env();
  assert.deepEqual(runShellCommand(h, "echo 4 > /proc/sys/net/ipv4/tcp_keepalive_probes && echo 7 > /proc/sys/net/ipv4/tcp_syn_retries", e), { status: "ok" });
  assert.equal(h.sysctl.tcp_keepalive_probes, 4);
  assert.equal(h.sysctl.tcp_syn_retries, 7);
  assert.deepEqual(runShellCommand(h, "false || echo 5 > /proc/sys/net/ipv4/tcp_syn_retries", e), { status: "ok" });
  assert.equal(h.sysctl.tcp_syn_retries, 5);
  assert.deepEqual(runShellCommand(h, "false && echo 9 > /proc/sys/net/ipv4/tcp_syn_retries; true", e), { status: "ok" });
  assert.equal(h.sysctl.tcp_syn_retries, 5);
  const r = runShellCommand(h, "../common/missing.sh", e);
  assert.equal(r.status, "failed");
  assert.match((r as { reason: string }).reason, /status 127/);
});

test("without a file reader, helper files are unsupported (never assumed)", () => {
  const r = runShellCommand(host(), "../common/defaults.sh");
  assert.equal(r.status, "unsupported");
  assert.match((r as { reason: string }).reason, /no file reader/);
});

test("unknown commands are unsupported with the command shown; nothing reaches a real shell", () => {
  for (const cmd of ["wget http://x/", "ls | wc -l", "echo $(id)", "sleep 1 &"]) {
    const r = runShellCommand(host(), cmd, env());
    assert.equal(r.status, "unsupported", cmd);
  }
  const r = runShellCommand(host(), "curl -s http://192.0.2.1/", env());
  assert.match((r as { reason: string }).reason, /`curl -s http:\/\/192.0.2.1\/`/);
});

test("tc qdisc: pfifo limit 0 drops, delete then add; fq is unsupported", () => {
  const h = host();
  const seen: (number | null)[] = [];
  const e = env({ onQdisc: (q) => seen.push(q ? q.limit : null) });
  assert.deepEqual(runShellCommand(h, "tc qdisc delete dev tun0 root 2>/dev/null ; tc qdisc add dev tun0 root pfifo limit 0", e), { status: "ok" });
  assert.deepEqual(seen, [0]);
  assert.deepEqual(runShellCommand(h, "tc qdisc replace dev tun0 root pfifo", e), { status: "ok" });
  assert.deepEqual(seen, [0, 500]);
  assert.equal(runShellCommand(h, "tc qdisc replace dev tun0 root fq", e).status, "unsupported");
  assert.equal(runShellCommand(h, "tc qdisc add dev eth9 root pfifo", e).status, "failed");
});

test("nstat history and grep over /proc/net/tcp", () => {
  const h = host();
  const e = env();
  assert.deepEqual(runShellCommand(h, "nstat > /dev/null", e), { status: "ok" });
  // Nothing changed since: grep finds nothing, status 1.
  assert.equal(runShellCommand(h, "nstat | grep TcpExtOutOfWindowIcmps > /dev/null", e).status, "failed");
  // `! pipeline` negates its status (sh).
  assert.deepEqual(runShellCommand(h, "nstat -s | grep -q TcpExtOutOfWindowIcmps", e).status, "failed", "nothing counted yet");
  assert.deepEqual(runShellCommand(h, "! nstat -s | grep -q TcpExtOutOfWindowIcmps", e), { status: "ok" }, "`!` turns status 1 into 0");
  assert.equal(runShellCommand(h, "! true", e).status, "failed", "`!` turns status 0 into 1");
  h.counters.TcpExt["OutOfWindowIcmps"] = (h.counters.TcpExt["OutOfWindowIcmps"] ?? 0) + 1;
  assert.deepEqual(runShellCommand(h, "nstat | grep TcpExtOutOfWindowIcmps > /dev/null", e), { status: "ok" });
  const p = h.createProcess("p");
  const fd = p.socket("AF_INET", "SOCK_STREAM");
  p.bind(fd, ["0.0.0.0", 8080]);
  assert.equal(runShellCommand(h, 'grep " 0A " /proc/net/tcp /proc/net/tcp6 | grep ":1F90"', e).status, "failed");
  p.listen(fd, 1);
  assert.deepEqual(runShellCommand(h, 'grep " 0A " /proc/net/tcp /proc/net/tcp6 | grep ":1F90"', e), { status: "ok" });
  assert.equal(runShellCommand(h, 'grep " 0A " /proc/net/tcp6', e).status, "failed", "an AF_INET listener is not in tcp6");
});

test("/proc/net/tcp6 lists AF_INET6 sockets, v4-mapped ones too, in Linux's word order", () => {
  const h = host();
  const e = env();
  const p = h.createProcess("p");
  const fd = p.socket("AF_INET6", "SOCK_STREAM");
  p.bind(fd, ["::ffff:127.0.0.1", 8080]);
  p.listen(fd, 1);
  // ::ffff:127.0.0.1 as four little-endian words: 0, 0, 0xffff0000, 0x0100007f.
  assert.deepEqual(runShellCommand(h, 'grep -q "0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000" /proc/net/tcp6', e), { status: "ok" }, "the mapped listener's line");
  assert.equal(runShellCommand(h, 'grep -q ":1F90" /proc/net/tcp', e).status, "failed", "not in the IPv4 table");
});

test("shell arithmetic", () => {
  assert.equal(arith("15*1024*1024"), 15728640);
  assert.equal(arith("256*1024"), 262144);
  assert.equal(arith("(1 << 4) + 0x10 - 010 % 3"), 30);
  assert.equal(arith("-7 / 2"), -3);
});

test("packetdrill options: the command line overrides the header; -D beats --define", () => {
  const cli = parsePacketdrillArgs(["--local_ip=192.168.0.1", "--tolerance_usecs", "7000", "-D", "X=cli", "-DY=2"]);
  const r = finalizeConfig([
    { name: "local_ip", value: "192.168.9.9", line: 2 },
    { name: "tolerance_usecs", value: "10000", line: 3 },
    { name: "mss", value: "1000", line: 4 },
    { name: "define", value: "X=header", line: 5 },
  ], cli);
  assert.ok(r.ok);
  assert.equal(r.config.localIp, "192.168.0.1");
  assert.equal(r.config.toleranceUsecs, 7000);
  assert.equal(r.config.defines["X"], "cli");
  assert.equal(r.config.defines["Y"], "2");
  const v6 = finalizeConfig([], parsePacketdrillArgs(["--ip_version=ipv7"]));
  assert.ok(!v6.ok && /expected ipv4, ipv4-mapped-ipv6 or ipv6/.test(v6.reason), "an unknown ip version is refused");
  assert.throws(() => parsePacketdrillArgs(["--no_such_option=1"]), /unrecognized option/);
  assert.throws(() => parsePacketdrillArgs(["--mtu"]), /requires an argument/);
  const wire = finalizeConfig([{ name: "wire_client", value: "", line: 1 }], parsePacketdrillArgs([]));
  assert.ok(!wire.ok && wire.line === 1);
});

test("a -D define from the command line replaces the symbol in the script, over a header --define", async () => {
  const text = "--define=FD=5\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 close(FD) = -1 EBADF (Bad file descriptor)\n";
  const header = await runScript(text, { args: [] });
  assert.equal(header.status, "passed", header.reason ?? "");
  const cli = await runScript(text, { args: ["-D", "FD=3"] });
  assert.equal(cli.status, "failed");
  assert.match(cli.reason ?? "", /expected -1 EBADF, got 0/);
});

test("run_all.py's ipv4 arguments parse", () => {
  const a = parsePacketdrillArgs(RUN_ALL_IPV4_ARGS);
  assert.equal(a.defines["CMSG_LEVEL_IP"], "SOL_IP");
  const r = finalizeConfig([], a);
  assert.ok(r.ok && r.config.prefixLen === 16 && r.config.remoteIp === "192.0.2.1");
});
