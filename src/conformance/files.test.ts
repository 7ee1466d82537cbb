// Files in packetdrill scripts: the shell's rm and dd on the host's
// in-memory filesystem (never the real one), and the open, pipe, sendfile
// and splice syscalls with packetdrill's argument forms.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../sim/network.js";
import type { Host } from "../host/host.js";
import { runShellCommand, shellEnv } from "./shell.js";
import { runScript } from "./runner.js";

function host(): Host {
  return new Network({ seed: 1 }).addHost("h");
}

const text = (h: Host, path: string): string | string[] => {
  const b = h.fs.readFile(path);
  return typeof b === "string" ? b : [...b].map(String);
};

test("dd writes /dev/zero blocks into /tmp, rm -f removes them; statuses and messages are coreutils'", () => {
  const h = host();
  const env = shellEnv();
  assert.deepEqual(runShellCommand(h, "/bin/rm -f /tmp/testfile", env), { status: "ok" }, "rm -f of a missing file succeeds");
  assert.deepEqual(runShellCommand(h, "/bin/dd bs=1 count=5 if=/dev/zero of=/tmp/testfile status=none", env), { status: "ok" }, "dd succeeds");
  assert.deepEqual(text(h, "/tmp/testfile"), ["0", "0", "0", "0", "0"], "five zero bytes were written");
  assert.deepEqual(runShellCommand(h, "dd if=/dev/zero of=/tmp/testfile bs=2 count=2 conv=notrunc status=none", env), { status: "ok" }, "notrunc keeps the tail");
  assert.equal((h.fs.readFile("/tmp/testfile") as Uint8Array).length, 5, "conv=notrunc: the file keeps its 5 bytes");
  assert.deepEqual(runShellCommand(h, "echo hello > /tmp/a; dd if=/tmp/a of=/tmp/b bs=4 skip=1 status=none", env), { status: "ok" }, "dd between files");
  assert.equal(new TextDecoder().decode(h.fs.readFile("/tmp/b") as Uint8Array), "o\n", "skip=1 with bs=4 starts at byte 4");
  assert.deepEqual(runShellCommand(h, "dd if=/tmp/a bs=3 count=1 status=none > /tmp/c", env), { status: "ok" }, "dd to stdout, redirected");
  assert.equal(new TextDecoder().decode(h.fs.readFile("/tmp/c") as Uint8Array), "hel", "the first block went to stdout");
  const missing = runShellCommand(h, "dd if=/tmp/nope of=/tmp/x", env);
  assert.equal(missing.status, "failed", "a missing input fails");
  assert.match((missing as { reason: string }).reason, /status 1: dd: failed to open '\/tmp\/nope': No such file or directory/, "coreutils' message");
  const rm = runShellCommand(h, "rm /tmp/nope", env);
  assert.match((rm as { reason: string }).reason, /rm: cannot remove '\/tmp\/nope': No such file or directory/, "rm without -f reports a missing file");
  assert.deepEqual(runShellCommand(h, "rm -f /tmp/testfile /tmp/a", env), { status: "ok" }, "rm -f of existing files");
  assert.equal(h.fs.readFile("/tmp/testfile"), "ENOENT", "the file is gone");
  assert.equal(runShellCommand(h, "dd if=/dev/zero of=/tmp/x bs=1", env).status, "unsupported", "dd from /dev/zero without count never ends: unsupported");
  assert.equal(runShellCommand(h, "rm -f /etc/passwd", env).status, "unsupported", "rm outside /tmp is not interpreted");
  const summary = runShellCommand(h, "dd if=/dev/zero of=/tmp/y bs=512 count=3 2> /tmp/err", env);
  assert.deepEqual(summary, { status: "ok" }, "dd with its summary on stderr");
  assert.equal(new TextDecoder().decode(h.fs.readFile("/tmp/err") as Uint8Array), "3+0 records in\n3+0 records out\n1536 bytes copied\n", "dd's summary");
});

const SENDFILE = `
\`rm -f /tmp/testfile; dd bs=1 count=5 if=/dev/zero of=/tmp/testfile status=none\`
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
   +0 bind(3, ..., ...) = 0
   +0 listen(3, 1) = 0
   +0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 10>
   +0 > S. 0:0(0) ack 1 <...>
   +0 < . 1:1(0) ack 1 win 514
   +0 accept(3, ..., ...) = 4
   +0 open("/tmp/testfile", O_RDONLY) = 5
`;

test("packetdrill open and sendfile: the file dd wrote goes out as one PSH segment; a missing file is ENOENT", async () => {
  const ok = await runScript(`${SENDFILE}   +0 sendfile(4, 5, [0], 5) = 5\n   +0 > P. 1:6(5) ack 1\n   +0 < . 1:1(0) ack 6 win 514\n   +0 sendfile(4, 5, NULL, 10) = 5\n   +0 > P. 6:11(5) ack 1\n   +0 sendfile(4, 5, NULL, 10) = 0\n`, { path: "sendfile.pkt" });
  assert.equal(ok.status, "passed", `sendfile script: ${ok.reason}`);
  const wrong = await runScript(`${SENDFILE}   +0 sendfile(4, 5, [0], 5) = 5\n   +0 > P. 1:5(4) ack 1\n`, { path: "sendfile.pkt" });
  assert.equal(wrong.status, "failed", "a wrong segment length fails the script");
  const enoent = await runScript(`${SENDFILE.replace("/tmp/testfile\", O_RDONLY) = 5", "/tmp/other\", O_RDONLY) = -1 ENOENT (No such file or directory)")}`, { path: "sendfile.pkt" });
  assert.equal(enoent.status, "passed", `open of a missing file: ${enoent.reason}`);
  const creat = await runScript(`    0 open("/tmp/new", O_WRONLY|O_CREAT|O_EXCL, 0644) = 3\n   +0 write(3, ..., 7) = 7\n   +0 open("/tmp/new", O_WRONLY|O_CREAT|O_EXCL, 0644) = -1 EEXIST (File exists)\n   +0 close(3) = 0\n`, { path: "creat.pkt" });
  assert.equal(creat.status, "passed", `O_CREAT|O_EXCL: ${creat.reason}`);
});

const SPLICE = `
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
   +0 setsockopt(3, SOL_IP, IP_FREEBIND, [1], 4) = 0
   +0 getsockopt(3, SOL_IP, IP_FREEBIND, [1], [4]) = 0
   +0 bind(3, ..., ...) = 0
   +0 listen(3, 1) = 0
   +0 < S 0:0(0) win 32972 <mss 1460,nop,wscale 7>
   +0 > S. 0:0(0) ack 1 <...>
   +0 < . 1:1(0) ack 1 win 257
   +0 accept(3, ..., ...) = 4
   +0 pipe([5, 6]) = 0
`;

test("packetdrill pipe and splice: socket → pipe, pipe → socket, and the urgent byte's stop", async () => {
  const urgent = await runScript(`${SPLICE}   +0 < U. 1:101(100) ack 1 win 257 urg 100\n   +0 splice(4, NULL, 6, NULL, 99, 0) = 99\n   +0 splice(4, NULL, 6, NULL, 1, 0) = 0\n   +0 read(5, ..., 200) = 99\n`, { path: "splice.pkt" });
  assert.equal(urgent.status, "passed", `urgent: ${urgent.reason}`);
  const loops = await runScript(`${SPLICE}   +0 < U. 1:101(100) ack 1 win 257 urg 100\n   +0 splice(4, NULL, 6, NULL, 99, 0) = 99\n   +0 splice(4, NULL, 6, NULL, 1, 0) = 1\n`, { path: "splice.pkt" });
  assert.equal(loops.status, "failed", "splicing the urgent byte would be a different kernel: the script fails");
  const out = await runScript(`${SPLICE}   +0 < P. 1:11(10) ack 1 win 257\n   +0 > . 1:1(0) ack 11\n   +0 splice(4, NULL, 6, NULL, 100, SPLICE_F_NONBLOCK) = 10\n   +0 splice(5, NULL, 4, NULL, 100, 0) = 10\n   +0 > P. 1:11(10) ack 11\n   +0 < . 11:11(0) ack 11 win 257\n   +0 splice(5, NULL, 4, NULL, 100, SPLICE_F_NONBLOCK) = -1 EAGAIN (Resource temporarily unavailable)\n   +0 splice(4, [0], 6, NULL, 1, 0) = -1 EINVAL (Invalid argument)\n   +0 close(6) = 0\n   +0 splice(5, NULL, 4, NULL, 100, 0) = 0\n`, { path: "splice2.pkt" });
  assert.equal(out.status, "passed", `pipe → socket: ${out.reason}`);
});
