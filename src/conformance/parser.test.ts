import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScript } from "./parser.js";
import type { Event, PacketEvent, Script, ScriptParseError, SyscallEvent } from "./ast.js";

function parse(src: string, defines: Record<string, string> = {}): Script {
  const r = parseScript(src, { defines });
  if (!r.ok) assert.fail(`unexpected parse error ${r.error.line}:${r.error.column}: ${r.error.message}`);
  return r.script;
}

function one(src: string, defines: Record<string, string> = {}): Event {
  const s = parse(src, defines);
  assert.equal(s.events.length, 1);
  return s.events[0]!;
}

function packet(src: string): PacketEvent {
  const e = one(src);
  assert.equal(e.type, "packet");
  return e as PacketEvent;
}

function syscall(src: string): SyscallEvent {
  const e = one(src);
  assert.equal(e.type, "syscall");
  return e as SyscallEvent;
}

function fail(src: string, defines: Record<string, string> = {}): ScriptParseError {
  const r = parseScript(src, { defines });
  if (r.ok) assert.fail("expected a parse error");
  return r.error;
}

const NO_IP = null;

// ------------------------------------------------------------------ options

test("options: raw key/values, bare flags, repeats, last one wins", () => {
  const s = parse("--tolerance_usecs=75000\n--ip_version=ipv4\n--mtu=9000\n--strict_segments\n--tolerance_usecs=10000\n0 close(3) = 0\n");
  assert.deepEqual(s.options, { tolerance_usecs: "10000", ip_version: "ipv4", mtu: "9000", strict_segments: "" });
  assert.deepEqual(s.optionList, [
    { name: "tolerance_usecs", value: "75000", line: 1 },
    { name: "ip_version", value: "ipv4", line: 2 },
    { name: "mtu", value: "9000", line: 3 },
    { name: "strict_segments", value: "", line: 4 },
    { name: "tolerance_usecs", value: "10000", line: 5 },
  ]);
  assert.equal(s.events.length, 1);
});

test("--define substitutes later words and is visible to #ifdef", () => {
  const s = parse("--define=PORT=8080\n--define=LINUX\n#ifdef LINUX\n0 bind(3, {sin_port=htons(PORT)}, 16) = 0\n#endif\n");
  assert.deepEqual(s.defines, { PORT: "8080", LINUX: "" });
  const e = s.events[0] as SyscallEvent;
  assert.deepEqual(e.args[1], {
    kind: "struct",
    line: 4,
    fields: [
      { name: "sin_port", args: null, line: 4, value: { kind: "call", name: "htons", line: 4, args: [{ kind: "int", value: 8080, text: "8080", line: 4 }] } },
    ],
  });
});

test("caller defines select #ifdef branches (FreeBSD scripts)", () => {
  const src = "0 close(3) = 0\n#ifdef STANDARD\n+0 > R. 2:2(0) ack 2 win 0\n#endif\n#ifdef FreeBSD\n+0 > S. ...(0) ack 65537 win 65535\n#endif\n";
  assert.equal(parse(src).events.length, 1);
  const s = parse(src, { FreeBSD: "" });
  assert.equal(s.events.length, 2);
  assert.equal(s.events[1]!.line, 6);
  assert.deepEqual((s.events[1] as PacketEvent).packet, {
    protocol: "tcp",
    ports: null,
    flags: "S.",
    seq: { start: null, end: null, len: 0, absolute: false },
    ack: 65537,
    win: 65535,
    urg: null,
    options: [],
    udpEncap: null,
  });
});

// -------------------------------------------------------------------- times

test("time specs: absolute, relative, any, ranges — exact µs from decimal text", () => {
  const s = parse(
    [
      "0.100 close(3) = 0",
      "+.1 close(3) = 0",
      "+ 0.00 close(3) = 0",
      "1 close(3) = 0",
      "+0.000001 close(3) = 0",
      "* > S 0:0(0) <...>",
      "+.1~+1.1 > S. 0:0(0) ack 1 <...>",
      "0.5~0.6 > . 1:1(0) ack 1",
    ].join("\n"),
  );
  assert.deepEqual(
    s.events.map((e) => e.time),
    [
      { kind: "absolute", us: 100000 },
      { kind: "relative", us: 100000 },
      { kind: "relative", us: 0 },
      { kind: "absolute", us: 1000000 },
      { kind: "relative", us: 1 },
      { kind: "any" },
      { kind: "range", relative: true, startUs: 100000, endUs: 1100000 },
      { kind: "range", relative: false, startUs: 500000, endUs: 600000 },
    ],
  );
  assert.deepEqual(s.events.map((e) => e.line), [1, 2, 3, 4, 5, 6, 7, 8]);
});

test("blocking syscalls: +t1...t2 gives the end time in µs", () => {
  const e = syscall("+.1...0.200 accept(3, ..., ...) = 4");
  assert.deepEqual(e.time, { kind: "relative", us: 100000 });
  assert.equal(e.endUs, 200000);
  assert.equal(syscall("0.100...0.300 read(4, ..., 10) = 10").endUs, 300000);
  assert.equal(syscall("+0...30 connect(3, ..., ...) = -1 ETIMEDOUT (Connection timed out)").endUs, 30000000);
  assert.equal(syscall("0 close(3) = 0").endUs, null);
});

// ------------------------------------------------------------------ packets

test("TCP SYN with options (FreeBSD order)", () => {
  const p = packet("+0.00 > S  0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>");
  assert.deepEqual(p, {
    type: "packet",
    line: 1,
    time: { kind: "relative", us: 0 },
    direction: "outbound",
    ip: NO_IP,
    packet: {
      protocol: "tcp",
      ports: null,
      flags: "S",
      seq: { start: 0, end: 0, len: 0, absolute: false },
      ack: null,
      win: 65535,
      urg: null,
      options: [
        { kind: "mss", mss: 1460 },
        { kind: "nop" },
        { kind: "wscale", shift: 6 },
        { kind: "sack-permitted" },
        { kind: "timestamp", val: 100, ecr: 0, ecrAbsolute: false },
      ],
      udpEncap: null,
    },
  });
});

test("TCP flags: . P. F. R R. SEW SE. SF and - (none)", () => {
  const flags = (line: string): string => {
    const p = packet(line).packet;
    assert.equal(p.protocol, "tcp");
    return p.protocol === "tcp" ? p.flags : "";
  };
  assert.equal(flags("0 > . 1:1(0) ack 1"), ".");
  assert.equal(flags("0 > P. 1:11(10) ack 1"), "P.");
  assert.equal(flags("0 > F. 1:1(0) ack 1"), "F.");
  assert.equal(flags("0 > R 1:1(0) win 0"), "R");
  assert.equal(flags("0 > R. 0:0(0) ack 2 win 0"), "R.");
  assert.equal(flags("0 > SEW 0:0(0) win 65535 <...>"), "SEW");
  assert.equal(flags("0 > SE. 0:0(0) ack 1 win 65535 <...>"), "SE.");
  assert.equal(flags("0 < SF 1:1(0) win 32767 <mss 1460,sackOK,eol,eol>"), "SF");
  assert.equal(flags("0 > - 1:1(0) win 0"), "");
});

test("TCP inbound data segment with ack, win, urg and SACK blocks", () => {
  const p = packet("+0.10 < . 1:1461(1460) ack 2921 win 32767 urg 5 <sack 4381:5841 5841:7301, nop, nop>");
  assert.deepEqual(p.packet, {
    protocol: "tcp",
    ports: null,
    flags: ".",
    seq: { start: 1, end: 1461, len: 1460, absolute: false },
    ack: 2921,
    win: 32767,
    urg: 5,
    options: [
      {
        kind: "sack",
        blocks: [
          [4381, 5841],
          [5841, 7301],
        ],
      },
      { kind: "nop" },
      { kind: "nop" },
    ],
    udpEncap: null,
  });
});

test("TCP: <...>, absolute seq '!', explicit ports, TS val ... / ecr N!, eol, FO, md5", () => {
  const a = packet("0 > S. 0:0(0) ack 1 <...>").packet;
  assert.equal(a.protocol === "tcp" && a.options, "any");
  const b = packet("0 > R. 0:0(0)! ack 2 win 0").packet;
  assert.deepEqual(b.protocol === "tcp" && b.seq, { start: 0, end: 0, len: 0, absolute: true });
  const c = packet("0 < 1234 > 8080 S 0:0(0) win 1000 <TS val 5 ecr 7!,eol,FO 0011aabb,FO,md5 valid,FOEXP 12345678>").packet;
  assert.deepEqual(c.protocol === "tcp" && [c.ports, c.options], [
    { src: 1234, dst: 8080 },
    [
      { kind: "timestamp", val: 5, ecr: 7, ecrAbsolute: true },
      { kind: "eol" },
      { kind: "fastopen", cookie: "0011aabb", experimental: false },
      { kind: "fastopen", cookie: "", experimental: false },
      { kind: "md5", key: "valid" },
      { kind: "fastopen", cookie: "12345678", experimental: true },
    ],
  ]);
  const d = packet("0 > . 1:1(0) ack 1 <nop,nop,TS val ... ecr 100>").packet;
  assert.deepEqual(d.protocol === "tcp" && d.options[2], { kind: "timestamp", val: null, ecr: 100, ecrAbsolute: false });
});

test("IP annotations: (tos 0x20), [noecn], [ect0], (ecn ce, ttl 64, dscp cs1)", () => {
  assert.deepEqual(packet("0 > (tos 0x20) R 0:0(0) win 0/udp(9811 > 1)").ip, { tos: 0x20, dscp: null, ecn: null, ttl: null, flowLabel: null });
  const p = packet("0 > (tos 0xe0) R. 0:0(0)! ack 2 win 0/udp(9811 > 1)");
  assert.deepEqual(p.packet.protocol === "tcp" && p.packet.udpEncap, { src: 9811, dst: 1 });
  assert.deepEqual(packet("0 <[noecn] . 1:1(0) ack 1 win 65535").ip, { tos: null, dscp: null, ecn: "noecn", ttl: null, flowLabel: null });
  assert.deepEqual(packet("0 > [ect0] P. 1:11(10) ack 1").ip, { tos: null, dscp: null, ecn: "ect0", ttl: null, flowLabel: null });
  assert.deepEqual(packet("0 > (ecn ce, ttl 64, dscp cs1) . 1:1(0) ack 1").ip, { tos: null, dscp: 8, ecn: "ce", ttl: 64, flowLabel: null });
  assert.deepEqual(packet("0 > [dscp af41, ect01] . 1:1(0) ack 1").ip, { tos: null, dscp: 34, ecn: "ect01", ttl: null, flowLabel: null });
});

test("UDP and ICMP packets", () => {
  assert.deepEqual(packet("0 < udp (10)").packet, { protocol: "udp", ports: null, len: 10 });
  assert.deepEqual(packet("0 > udp 53 > 4000 (100)").packet, { protocol: "udp", ports: { src: 53, dst: 4000 }, len: 100 });
  assert.deepEqual(packet("+0.10 < icmp unreachable port_unreachable [4294967295:4294967295(0)]").packet, {
    protocol: "icmp",
    icmpType: "unreachable",
    icmpCode: "port_unreachable",
    mtu: null,
    id: null,
    echoed: { protocol: "tcp", seq: { start: 4294967295, end: 4294967295, len: 0, absolute: false }, udpEncap: null },
  });
  assert.deepEqual(packet("0 < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]").packet, {
    protocol: "icmp",
    icmpType: "unreachable",
    icmpCode: "frag_needed",
    mtu: 1200,
    id: null,
    echoed: { protocol: "tcp", seq: { start: 1, end: 1461, len: 1460, absolute: false }, udpEncap: null },
  });
  assert.deepEqual(packet("0 > icmp unreachable port_unreachable [udp (10)]").packet, {
    protocol: "icmp",
    icmpType: "unreachable",
    icmpCode: "port_unreachable",
    mtu: null,
    id: null,
    echoed: { protocol: "udp", len: 10 },
  });
  assert.deepEqual(packet("0 > icmp echo_reply id 7").packet, { protocol: "icmp", icmpType: "echo_reply", icmpCode: null, mtu: null, id: 7, echoed: null });
});

// ----------------------------------------------------------------- syscalls

test("syscall: ellipsis args, words, return value, errno with text", () => {
  assert.deepEqual(syscall("+0.00 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)"), {
    type: "syscall",
    line: 1,
    time: { kind: "relative", us: 0 },
    endUs: null,
    name: "connect",
    args: [
      { kind: "int", value: 3, text: "3", line: 1 },
      { kind: "ellipsis", line: 1 },
      { kind: "ellipsis", line: 1 },
    ],
    result: { kind: "int", value: -1, text: "-1", line: 1 },
    errno: { name: "EINPROGRESS", text: "Operation now in progress" },
    note: null,
  });
  const e = syscall("0 accept(3, ..., ...) = -1 EWOULDBLOCK (operation would block)");
  assert.deepEqual(e.errno, { name: "EWOULDBLOCK", text: "operation would block" });
  assert.deepEqual(syscall("0 read(3, ..., 4) = -1 EAGAIN").errno, { name: "EAGAIN", text: null });
  assert.deepEqual(syscall("0 foo() = ...").result, { kind: "ellipsis", line: 1 });
  assert.deepEqual(syscall("0 foo() = 0").args, []);
});

test("syscall: hex return with a note, '|' expressions with and without blanks", () => {
  const e = syscall("+0.00 fcntl(3, F_GETFL) = 0x02 (flags O_RDWR)");
  assert.deepEqual(e.result, { kind: "int", value: 2, text: "0x02", line: 1 });
  assert.equal(e.note, "flags O_RDWR");
  assert.equal(e.errno, null);
  const f = syscall("0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0");
  assert.deepEqual(f.args[2], {
    kind: "binary",
    op: "|",
    line: 1,
    lhs: { kind: "word", name: "O_RDWR", line: 1 },
    rhs: { kind: "word", name: "O_NONBLOCK", line: 1 },
  });
  const g = syscall("0 epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLOUT|EPOLLIN|EPOLLET, fd=4}) = 0");
  const ev = g.args[3]!;
  assert.equal(ev.kind, "struct");
  if (ev.kind === "struct") {
    assert.deepEqual(ev.fields[0]!.value, {
      kind: "binary",
      op: "|",
      line: 1,
      lhs: { kind: "binary", op: "|", line: 1, lhs: { kind: "word", name: "EPOLLOUT", line: 1 }, rhs: { kind: "word", name: "EPOLLIN", line: 1 } },
      rhs: { kind: "word", name: "EPOLLET", line: 1 },
    });
  }
});

test("syscall: [int] arrays, symbolic array members, linger struct", () => {
  const e = syscall("0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0");
  assert.deepEqual(e.args.slice(3), [
    { kind: "array", line: 1, items: [{ kind: "word", name: "ECONNREFUSED", line: 1 }] },
    { kind: "array", line: 1, items: [{ kind: "int", value: 4, text: "4", line: 1 }] },
  ]);
  const l = syscall("0 setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, 8) = 0");
  assert.deepEqual(l.args[3], {
    kind: "struct",
    line: 1,
    fields: [
      { name: "l_onoff", args: null, line: 1, value: { kind: "int", value: 1, text: "1", line: 1 } },
      { name: "l_linger", args: null, line: 1, value: { kind: "int", value: 0, text: "0", line: 1 } },
    ],
  });
  assert.deepEqual(syscall("0 pipe([5, 6]) = 0").args[0], {
    kind: "array",
    line: 1,
    items: [
      { kind: "int", value: 5, text: "5", line: 1 },
      { kind: "int", value: 6, text: "6", line: 1 },
    ],
  });
});

test("syscall: sockaddr with htons() and inet_addr(\"…\")", () => {
  const e = syscall('0 connect(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("192.0.2.1")}, 16) = 0');
  assert.deepEqual(e.args[1], {
    kind: "struct",
    line: 1,
    fields: [
      { name: "sa_family", args: null, line: 1, value: { kind: "word", name: "AF_INET", line: 1 } },
      { name: "sin_port", args: null, line: 1, value: { kind: "call", name: "htons", line: 1, args: [{ kind: "int", value: 8080, text: "8080", line: 1 }] } },
      {
        name: "sin_addr",
        args: null,
        line: 1,
        value: { kind: "call", name: "inet_addr", line: 1, args: [{ kind: "string", value: "192.0.2.1", open: false, line: 1 }] },
      },
    ],
  });
});

test("syscall: pollfd arrays and a multi-line msghdr with iovecs (lines kept per node)", () => {
  const p = syscall("0 poll([{fd=4, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 0) = 1");
  const arr = p.args[0]!;
  assert.equal(arr.kind === "array" && arr.items[0]!.kind, "struct");
  const src = ["0 sendmsg(4, {msg_name(...)=...,", "             msg_iov(2)=[{..., 600},{...,400}],", "             msg_flags=0}, MSG_MORE) = 1000"].join("\n");
  const m = syscall(src);
  assert.equal(m.line, 1);
  assert.deepEqual(m.args[1], {
    kind: "struct",
    line: 1,
    fields: [
      { name: "msg_name", args: [{ kind: "ellipsis", line: 1 }], line: 1, value: { kind: "ellipsis", line: 1 } },
      {
        name: "msg_iov",
        args: [{ kind: "int", value: 2, text: "2", line: 2 }],
        line: 2,
        value: {
          kind: "array",
          line: 2,
          items: [
            {
              kind: "struct",
              line: 2,
              fields: [
                { name: null, args: null, line: 2, value: { kind: "ellipsis", line: 2 } },
                { name: null, args: null, line: 2, value: { kind: "int", value: 600, text: "600", line: 2 } },
              ],
            },
            {
              kind: "struct",
              line: 2,
              fields: [
                { name: null, args: null, line: 2, value: { kind: "ellipsis", line: 2 } },
                { name: null, args: null, line: 2, value: { kind: "int", value: 400, text: "400", line: 2 } },
              ],
            },
          ],
        },
      },
      { name: "msg_flags", args: null, line: 3, value: { kind: "int", value: 0, text: "0", line: 3 } },
    ],
  });
  assert.deepEqual(m.result, { kind: "int", value: 1000, text: "1000", line: 3 });
});

test("syscall: strings (concatenated, open-ended), NULL, negative array members", () => {
  const e = syscall('0 write(4, "ab" "cd"..., 4) = 4');
  assert.deepEqual(e.args[1], { kind: "string", value: "abcd", open: true, line: 1 });
  assert.deepEqual(syscall("0 recv(4, NULL, 1000, 0) = -1 EFAULT (Bad address)").args[1], { kind: "word", name: "NULL", line: 1 });
  assert.deepEqual(syscall("0 setsockopt(3, SOL_SOCKET, SO_X, [-1], 4) = 0").args[3], {
    kind: "array",
    line: 1,
    items: [{ kind: "int", value: -1, text: "-1", line: 1 }],
  });
});

// ------------------------------------------------------ commands and code

test("shell commands, init and cleanup commands", () => {
  const s = parse("`../common/defaults.sh`\n0 `sysctl -w net.inet.tcp.rfc1323=1`\n+0 close(3) = 0\n`/tmp/restore.sh`\n");
  assert.deepEqual(s.initCommand, { command: "../common/defaults.sh", line: 1 });
  assert.deepEqual(s.cleanupCommand, { command: "/tmp/restore.sh", line: 4 });
  assert.deepEqual(s.events[0], { type: "shell", line: 2, time: { kind: "absolute", us: 0 }, command: "sysctl -w net.inet.tcp.rfc1323=1" });
  const e = fail("0 close(3) = 0\n`cleanup`\n+0 close(4) = 0\n");
  assert.deepEqual(e, { line: 2, column: 1, message: "a command without a time is allowed only before the first event or after the last one" });
});

test("%{ }% code blocks keep raw text and its first line", () => {
  const s = parse("+0.00 %{ assert tcpi_state == TCPI_ESTABLISHED }%\n+.005 %{\nassert tcpi_snd_cwnd == 10, tcpi_snd_cwnd\n}%\n");
  assert.deepEqual(s.events, [
    { type: "code", line: 1, time: { kind: "relative", us: 0 }, text: " assert tcpi_state == TCPI_ESTABLISHED ", textLine: 1 },
    { type: "code", line: 2, time: { kind: "relative", us: 5000 }, text: "\nassert tcpi_snd_cwnd == 10, tcpi_snd_cwnd\n", textLine: 2 },
  ]);
});

test("an event may span lines; the next one starts at the next time", () => {
  const s = parse("0 > S.\n   0:0(0) ack 1\n   <mss 1460>\n+0 close(3)\n  = 0");
  assert.equal(s.events.length, 2);
  assert.deepEqual(s.events.map((e) => e.line), [1, 4]);
});

// ------------------------------------------------------------------- errors

test("errors: syntax errors carry line, column and a clear message", () => {
  assert.deepEqual(fail("0 close(3) = 0\n+0.1 > S 0:1(0) win 1"), { line: 2, column: 10, message: "inconsistent TCP sequence numbers and payload size: 0:1(0)" });
  assert.deepEqual(fail("0 < S 0:0(0) <mss 1460>"), { line: 1, column: 3, message: "window must be specified for inbound packets ('win N')" });
  assert.deepEqual(fail("0 < . 1:1(0) ack 1 win 100 <...>"), { line: 1, column: 28, message: "<...> for TCP options can only be used with outbound packets" });
  assert.deepEqual(fail("* close(3) = 0"), { line: 1, column: 1, message: "time '*' can only be used with outbound packets" });
  assert.deepEqual(fail("0.2~0.1 > . 1:1(0) ack 1"), { line: 1, column: 4, message: "time range is backwards" });
  assert.deepEqual(fail("+0.1~0.2 > . 1:1(0) ack 1"), { line: 1, column: 6, message: "a relative range is written '+a~+b'" });
  assert.deepEqual(fail("0 > Z 1:1(0)"), { line: 1, column: 5, message: "invalid TCP flag 'Z' in 'Z' (valid: .FSRPEWAU)" });
  assert.deepEqual(fail("0 > . 1:1(0) ack 1 <mss 1460, bogus 3>"), { line: 1, column: 31, message: "unknown TCP option 'bogus'" });
  assert.deepEqual(fail("0 > . 1:1(0) ack 1 <mss 70000>"), { line: 1, column: 25, message: "mss 70000 out of range (0..65535)" });
  assert.deepEqual(fail("0 close(3) 0"), { line: 1, column: 12, message: "expected '=' after close(…) (the expected return value, e.g. '= 0'), found '0'" });
  assert.deepEqual(fail("0 close(3 = 0"), { line: 1, column: 11, message: "expected ',' or ')', found '='" });
  assert.deepEqual(fail("close(3) = 0"), {
    line: 1,
    column: 1,
    message: "expected a time ('0.1', '+0.1', '*'), an option or a `command`, found 'close'",
  });
  assert.deepEqual(fail("0 = 1"), {
    line: 1,
    column: 3,
    message: "expected a packet ('<' or '>'), a system call, a `command` or a %{ code }% block after the time, found '='",
  });
  assert.deepEqual(fail("0...1 > . 1:1(0) ack 1"), { line: 1, column: 2, message: "only a system call can block (T1...T2)" });
  assert.deepEqual(fail("0 read(3, ..., 0.5) = 0"), { line: 1, column: 16, message: "a number with a fraction (0.5) is not a valid argument or return value" });
  assert.deepEqual(fail("0 > (tos 0x20, tos 0x10) . 1:1(0) ack 1"), { line: 1, column: 16, message: "tos given twice" });
  assert.deepEqual(fail("0 > ipv4 1.2.3.4 > 5.6.7.8: . 1:1(0)").message, "encapsulated packets ('ipv4 …' prefixes: IP-in-IP, GRE, MPLS, PSP) are not supported");
  assert.deepEqual(fail("0 > . 1:1(0) ack 1\n\n   <mss"), { line: 3, column: 8, message: "expected mss (an integer), found end of file" });
  assert.deepEqual(fail("--define=1X=2\n"), { line: 1, column: 1, message: "--define needs NAME=VALUE, got '1X=2'" });
  assert.deepEqual(fail('0 write(3, "abc) = 3\n'), { line: 1, column: 12, message: "unterminated string" });
});

test("errors: a define that does not fit shows up where it is used", () => {
  assert.deepEqual(fail("0 > S. 0:0(0) ack 1 <mss MSS>"), { line: 1, column: 26, message: "expected mss (an integer), found 'MSS'" });
  assert.equal(parse("0 > S. 0:0(0) ack 1 <mss MSS>", { MSS: "1000" }).events.length, 1);
});
