/**
 * `sockstack tun`: a sockstack host talking to the Linux kernel through a
 * TUN device inside a network namespace (issue 7; docs/interop.md).
 *
 * ```
 * sockstack tun up --netns NAME [--addr 198.18.0.2/24] [--peer 198.18.0.1]
 *                  [--addr6 2001:2::2/64] [--peer6 2001:2::1] [--no-ipv6] [--mtu N] [--ttl SEC]
 * sockstack tun serve echo|http|discard PORT [--udp] [--ss] [--tcpdump] [COMMON]
 * sockstack tun connect HOST PORT [--udp] [--tcpdump] [COMMON]
 * sockstack tun ping HOST [-c COUNT] [COMMON]
 * sockstack tun status
 * sockstack tun down [--netns NAME]
 * COMMON: [--netns NAME] [--timeout SEC] [--seed N] [--loss P] [--delay T] [--jitter T]
 *         [--reorder P] [--duplicate P] [--corrupt P] [--rate R] [--aqm N]
 * ```
 *
 * `serve`, `connect` and `ping` re-run themselves inside the namespace
 * (`ip netns exec`) when started outside it. Several can use one bridge at
 * once: each is a host of its own (198.18.0.2, .3, …; see
 * node/tun-session.ts), in both families unless `tun up --no-ipv6`
 * (2001:2::2, ::3, …; HOST may be an IPv6 address). Each draws a random seed unless given `--seed`,
 * and prints it.
 */
import { spawn } from "node:child_process";
import { parseArgs, UsageError } from "./args.js";
import { describeLinkConfig, linkConfigFromArgs } from "./link-args.js";
import { ms } from "../core/time.js";
import { ping } from "../host/ping.js";
import type { LinkConfigInput } from "../sim/impairments.js";
import { snapshot } from "../tools/snapshot.js";
import { ss } from "../tools/ss.js";
import { formatTcpdumpTime, TcpdumpFormatter } from "../tools/tcpdump.js";
import { startDiscardServer } from "../node/apps/discard-server.js";
import { startEchoServer } from "../node/apps/echo-server.js";
import { startHttpServer } from "../node/apps/http-server.js";
import { sendAll, type ServerHandle } from "../node/apps/app-server.js";
import { checkInteropAddress, currentNetns, interopUnavailableReason } from "../node/netns.js";
import { attachToSession, checkSessionAddresses, listSessions, readSession, tunDown, tunUp, type SessionHost, type TunSession } from "../node/tun-session.js";
import { sockaddrIn6 } from "../socket/sockaddr.js";

const COMMON = "[--netns NAME] [--timeout SEC] [--seed N] [IMPAIRMENTS]";
const USAGE = [
  "usage: sockstack tun up --netns NAME [--addr 198.18.0.2/24] [--peer 198.18.0.1]",
  "                        [--addr6 2001:2::2/64] [--peer6 2001:2::1] [--no-ipv6] [--mtu N] [--ttl SEC]",
  `       sockstack tun serve echo|http|discard PORT [--udp] [--ss] [--tcpdump] ${COMMON}`,
  `       sockstack tun connect HOST PORT [--udp] [--tcpdump] ${COMMON}`,
  `       sockstack tun ping HOST [-c COUNT] ${COMMON}`,
  "       sockstack tun status",
  "       sockstack tun down [--netns NAME]",
  "IMPAIRMENTS (sockstack side, each direction): [--loss P] [--delay T] [--jitter T] [--reorder P] [--duplicate P] [--corrupt P] [--rate R] [--aqm N]",
];

const HELP = [
  "",
  "Everything happens inside the network namespace `tun up` creates (only lo and the TUN",
  "device, no route out, addresses in 198.18.0.0/15 and 2001:2::/48); `tun down` removes",
  "it, and it removes itself after --ttl seconds (default 3600). Needs root, ip and socat.",
  "IPv6 is on for the bridge's TUN devices alone (no link-local address, no router",
  "solicitations; --no-ipv6: IPv4 only). HOST may be either family: tun ping 2001:2::1.",
  "",
  "serve, connect and ping attach a real-time sockstack host to the bridge. Several may run",
  "at once: the first is 198.18.0.2 on sstun0, each further one the next address on a TUN",
  "device of its own (sstun1, sstun2, …), and 2001:2::2, ::3, … in IPv6; the kernel is",
  "198.18.0.1 and 2001:2::1 on all of them. serve listens on [::] (IPv4 clients too).",
  "`tun down` stops them too (SIGTERM, then SIGKILL), and every process of the bridge.",
  "",
  "  --seed N        seed of the host's random choices (ephemeral ports, …); default: random,",
  "                  printed. ISNs and TCP timestamps follow the real clocks, as on Linux.",
  "  --timeout SEC   serve stops after SEC (default 600), connect after SEC (default 60)",
  "  --ss            serve: print `ss -tuanp` of the sockstack host every 5 s and at the end",
  "  --tcpdump       print a tcpdump -nn line per packet of the sockstack side (stderr)",
  "  --loss P        drop packets with probability P: 0.02 or 2%",
  "  --delay T       one-way delay: 10ms, 1.5s, 200us (a bare number is ms)",
  "  --jitter T      delay variation, uniform in ±T (never reorders by itself)",
  "  --reorder P     hold a packet back by the delay (at least 1 ms) so later ones overtake it",
  "  --duplicate P   deliver a packet twice",
  "  --corrupt P     flip one bit of a packet (the receiver's checksum drops it)",
  "  --rate R        transmit rate: 10mbit, 500kbit, 1gbit, 2mbps (bytes/s), bare number = bit/s",
  "  --aqm N         with --rate: a packet that finds N or more queued is marked CE when ECN-capable",
  "                  (ECT), dropped otherwise (a step AQM, like tc red … ecn)",
  "Impairments use the simulator's link model on the sockstack side of the bridge, in each",
  "direction (so --delay 10ms adds 20 ms to the round trip).",
  "",
  "examples:",
  "  sockstack tun up --netns ss1",
  "  sockstack tun serve http 80 --netns ss1 --loss 2% --delay 20ms &",
  "  ip netns exec ss1 curl http://198.18.0.2/bytes/100000 | wc -c",
  "  ip netns exec ss1 curl -6 -g 'http://[2001:2::2]/bytes/100000' | wc -c",
  "  ip netns exec ss1 ping -6 -c 3 2001:2::2",
  "  sockstack tun ping 2001:2::1 --netns ss1 -c 3",
  "  sockstack tun connect 198.18.0.1 5000 --netns ss1 --seed 7",
  "  sockstack tun down --netns ss1",
];

const SPEC = {
  netns: { kind: "string", metavar: "NAME" },
  addr: { kind: "string", metavar: "CIDR" },
  peer: { kind: "string", metavar: "ADDR" },
  addr6: { kind: "string", metavar: "CIDR" },
  peer6: { kind: "string", metavar: "ADDR" },
  "no-ipv6": { kind: "flag" },
  mtu: { kind: "int", min: 576, max: 65535 },
  ttl: { kind: "int", min: 1, max: 86400, metavar: "SEC" },
  timeout: { kind: "int", min: 1, max: 86400, metavar: "SEC" },
  udp: { kind: "flag" },
  ss: { kind: "flag" },
  tcpdump: { kind: "flag" },
  count: { kind: "int", short: "c", min: 1, max: 100000 },
  seed: { kind: "int", min: 0, max: 4294967295, metavar: "N" },
  loss: { kind: "string", metavar: "P" },
  delay: { kind: "string", metavar: "T" },
  jitter: { kind: "string", metavar: "T" },
  reorder: { kind: "string", metavar: "P" },
  duplicate: { kind: "string", metavar: "P" },
  corrupt: { kind: "string", metavar: "P" },
  rate: { kind: "string", metavar: "R" },
  aqm: { kind: "string", metavar: "N" },
  help: { kind: "flag", short: "h" },
} as const;

/** What serve, connect and ping share: the seed and the impairments. */
interface AttachOptions {
  seed: number | undefined;
  impair: LinkConfigInput | null;
  tcpdump: boolean;
  /** Bound of a secondary client's own socat, seconds. */
  ttl: number;
}

const out = (l: string) => void process.stdout.write(`${l}\n`);
const err = (l: string) => void process.stderr.write(`${l}\n`);

/**
 * Runs `sockstack tun …` with the arguments after `tun`; resolves to the exit status
 * (0 ok, 1 failed, 2 bad command line).
 * @example process.exitCode = await tunCommand(["up", "--netns", "ss1"]);
 */
export async function tunCommand(args: string[]): Promise<number> {
  let a: ReturnType<typeof parseArgs<typeof SPEC>>;
  try {
    a = parseArgs(args, SPEC);
  } catch (e) {
    if (e instanceof UsageError) return usage(e.message);
    throw e;
  }
  const o = a.options;
  const [sub, ...pos] = a.positionals;
  if (o.help || sub === "help") {
    for (const l of [...USAGE, ...HELP]) out(l);
    return 0;
  }
  let impair: LinkConfigInput | null;
  try {
    impair = linkConfigFromArgs({ loss: o.loss, delay: o.delay, jitter: o.jitter, reorder: o.reorder, duplicate: o.duplicate, corrupt: o.corrupt, rate: o.rate, aqm: o.aqm });
  } catch (e) {
    if (e instanceof UsageError) return usage(e.message);
    throw e;
  }
  const attachOpts = (timeout: number): AttachOptions => ({ seed: o.seed, impair, tcpdump: o.tcpdump, ttl: timeout + 60 });
  try {
    switch (sub) {
      case "up": {
        if (!o.netns) return usage("tun up needs --netns NAME");
        if (pos.length) return usage(`unexpected argument ${pos[0]}`);
        const addrs = { addr: o.addr, peer: o.peer, ipv6: !o["no-ipv6"], addr6: o.addr6, peer6: o.peer6 };
        try {
          checkSessionAddresses(addrs);
        } catch (e) {
          return usage((e as Error).message);
        }
        const s = await tunUp({ netns: o.netns, ...addrs, mtu: o.mtu, ttlSeconds: o.ttl });
        out(`namespace ${s.netns}: kernel ${s.peer} on ${s.tunName} ⇄ socat ⇄ sockstack ${s.addr} (mtu ${s.mtu})`);
        if (s.addr6) out(`IPv6: kernel ${s.peer6} ⇄ sockstack ${s.addr6}`);
        out(`the bridge stops by itself at ${new Date(s.expires).toISOString()}; sockstack tun down --netns ${s.netns} stops it now`);
        out(`try: sockstack tun serve http 80 --netns ${s.netns} &  ip netns exec ${s.netns} curl http://${s.addr.split("/")[0]}/`);
        return 0;
      }
      case "down": {
        const ns = o.netns ?? soleSession()?.netns;
        if (!ns) return usage("tun down needs --netns NAME (no single bridge is up)");
        const did = await tunDown(ns);
        out(did.length ? did.join("; ") : `nothing to do: no bridge or namespace ${ns}`);
        return 0;
      }
      case "status": {
        const all = listSessions();
        if (!all.length) out("no TUN bridge is up");
        for (const s of all) out(`${s.netns}: sockstack ${s.addr}${s.addr6 ? ` ${s.addr6}` : ""} ⇄ kernel ${s.peer}${s.peer6 ? ` ${s.peer6}` : ""} on ${s.tunName}, mtu ${s.mtu}, expires ${new Date(s.expires).toISOString()}`);
        return 0;
      }
      case "serve": {
        const [kind, portText] = pos;
        if (kind !== "echo" && kind !== "http" && kind !== "discard") return usage("tun serve needs echo, http or discard");
        const port = parsePort(portText);
        if (port === null) return usage(`bad port ${JSON.stringify(portText)}`);
        if (kind === "http" && o.udp) return usage("http runs over TCP only");
        const timeout = o.timeout ?? 600;
        return await inNamespace(o.netns, args, (s) => serve(s, kind, port, o.udp, timeout, o.ss, attachOpts(timeout)));
      }
      case "connect": {
        const [hostText, portText] = pos;
        if (!hostText) return usage("tun connect needs HOST PORT");
        const port = parsePort(portText);
        if (port === null || port === 0) return usage(`bad port ${JSON.stringify(portText)}`);
        const bad = badHost(hostText);
        if (bad) return usage(bad);
        const timeout = o.timeout ?? 60;
        return await inNamespace(o.netns, args, (s) => connect(s, hostText, port, o.udp, timeout, attachOpts(timeout)));
      }
      case "ping": {
        const [hostText] = pos;
        if (!hostText) return usage("tun ping needs HOST");
        const bad = badHost(hostText);
        if (bad) return usage(bad);
        const count = o.count ?? 4;
        return await inNamespace(o.netns, args, (s) => pingCmd(s, hostText, count, attachOpts(o.timeout ?? count + 60)));
      }
      case undefined:
        return usage("tun needs a subcommand");
      default:
        return usage(`unknown subcommand ${sub}`);
    }
  } catch (e) {
    err(`sockstack tun ${sub}: ${(e as Error).message}`);
    return 1;
  }
}

function usage(msg: string): number {
  err(`sockstack tun: ${msg}`);
  for (const l of USAGE) err(l);
  return 2;
}

/** Why HOST cannot be a peer on the bridge (one line), or null: an address of either family in the benchmark ranges. */
function badHost(h: string): string | null {
  if (h.includes("/")) return `HOST ${h}: an address, without a prefix`;
  try {
    checkInteropAddress(h, "HOST");
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Throws when `host` is IPv6 and the session runs IPv4 only. */
function needFamily(s: TunSession, host: string): void {
  if (host.includes(":") && !s.peer6) throw new Error(`${host}: the bridge in namespace ${s.netns} runs IPv4 only (started with --no-ipv6)`);
}

function parsePort(t: string | undefined): number | null {
  if (t === undefined || !/^\d{1,5}$/.test(t)) return null;
  const n = Number(t);
  return n <= 65535 ? n : null;
}

function soleSession(): TunSession | undefined {
  const all = listSessions();
  return all.length === 1 ? all[0] : undefined;
}

/**
 * Runs `body` inside the session's namespace: directly when this process
 * is already there, else by re-running this command under `ip netns exec`.
 */
async function inNamespace(ns: string | undefined, args: string[], body: (s: TunSession) => Promise<number>): Promise<number> {
  const why = interopUnavailableReason();
  if (why) throw new Error(`cannot attach to a TUN bridge: ${why}`);
  const s = readSession(ns);
  if (currentNetns() === s.netns) return body(s);
  const script = process.argv[1];
  if (!script) throw new Error("cannot re-run inside the namespace: unknown entry script");
  const child = spawn("ip", ["netns", "exec", s.netns, process.execPath, ...process.execArgv, script, "tun", ...args, "--netns", s.netns], { stdio: "inherit" });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
  process.off("SIGINT", forward);
  process.off("SIGTERM", forward);
  return code;
}

/**
 * Attaches a host to the bridge (the first free client slot) and says on
 * stderr who it is: address, device, seed, impairments.
 */
async function attach(s: TunSession, o: AttachOptions): Promise<SessionHost> {
  const th = await attachToSession(s, { seed: o.seed, impair: o.impair ? { toKernel: o.impair, fromKernel: o.impair } : undefined, ttlSeconds: o.ttl });
  const slot = th.slot === 0 ? "" : ` (client ${th.slot + 1} of the bridge: ${s.addr.split("/")[0]} is taken)`;
  const v6 = th.addr6 !== null ? ` (IPv6 ${th.addr6} ⇄ ${th.peer6})` : "";
  err(`sockstack ${th.addr} on ${th.tunName} ⇄ kernel ${th.peer}${slot}${v6}; seed ${th.seed}${o.impair ? `; impairments each way: ${describeLinkConfig(o.impair)}` : ""}`);
  if (o.tcpdump) {
    // `tcpdump -nn -i any` of the sockstack side: wall-clock time of day, device, direction.
    const fmt = new TcpdumpFormatter();
    const wall0 = Math.round((performance.timeOrigin + performance.now()) * 1000) - th.driver.now();
    const tzMicros = new Date().getTimezoneOffset() * 60e6;
    th.device.taps.push((p, dir, now) => {
      err(`${formatTcpdumpTime(wall0 + now - tzMicros)} ${th.device.name} ${dir === "in" ? "In " : "Out"} ${fmt.format(p)}`);
    });
  }
  return th;
}

/** Closes the host gracefully (connections finish their close handshake) and reports what did not finish. */
async function detach(th: SessionHost): Promise<void> {
  const left = await th.close();
  if (left) err(`sockstack tun: ${left} connection${left > 1 ? "s" : ""} had not finished closing when the bridge was released`);
}

/** Resolves on SIGINT/SIGTERM or after `seconds`; `cancel()` removes the timer and handlers. */
function untilStopped(seconds: number): { promise: Promise<string>; cancel(): void } {
  let cancel = () => {};
  const promise = new Promise<string>((resolve) => {
    const done = (why: string) => {
      cancel();
      resolve(why);
    };
    const onInt = () => done("interrupted");
    const onTerm = () => done("terminated");
    const t = setTimeout(() => done(`--timeout ${seconds}s reached`), seconds * 1000);
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    cancel = () => {
      clearTimeout(t);
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    };
  });
  return { promise, cancel };
}

async function serve(s: TunSession, kind: "echo" | "http" | "discard", port: number, udp: boolean, timeout: number, showSs: boolean, ao: AttachOptions): Promise<number> {
  const th = await attach(s, ao);
  let srv: ServerHandle | null = null;
  let ticker: ReturnType<typeof setInterval> | null = null;
  try {
    const proto = udp ? "udp" : "tcp";
    // With IPv6: one dual-stack socket on [::] (IPV6_V6ONLY off, as Linux's default), IPv4 clients arrive as ::ffff:a.b.c.d.
    const family = th.addr6 !== null ? "AF_INET6" : "AF_INET";
    srv = kind === "http" ? startHttpServer(th.host, { port, family }) : kind === "echo" ? startEchoServer(th.host, { port, proto, family }) : startDiscardServer(th.host, { port, proto, family });
    const at = th.addr6 !== null ? `${th.addr} and [${th.addr6}]` : th.addr;
    const kern = th.peer6 !== null ? `${s.peer}, ${th.peer6}` : s.peer;
    out(`sockstack ${at}: ${kind} server on ${proto} port ${port} (kernel side: ${kern}, namespace ${s.netns}); Ctrl-C stops it`);
    const show = () => {
      const st = srv!.stats;
      out(`-- ${kind}/${proto}:${port}: ${st.connections} ${udp ? "datagrams" : "connections"} (${st.active} active), in ${st.bytesIn} B, out ${st.bytesOut} B`);
      out(ss(snapshot(th.host), "-tuanp").trimEnd());
    };
    if (showSs) ticker = setInterval(show, 5000);
    const why = await untilStopped(timeout).promise;
    out(`stopping: ${why}`);
    if (showSs) show();
    return 0;
  } finally {
    if (ticker) clearInterval(ticker);
    await srv?.stop();
    await detach(th);
  }
}

async function connect(s: TunSession, host: string, port: number, udp: boolean, timeout: number, ao: AttachOptions): Promise<number> {
  needFamily(s, host);
  const th = await attach(s, ao);
  const p = th.host.createProcess("connect");
  const stopper = untilStopped(timeout);
  const stop = stopper.promise.then((why) => {
    throw new Error(why);
  });
  stop.catch(() => {});
  try {
    const v6 = host.includes(":");
    const fd = p.socket(v6 ? "AF_INET6" : "AF_INET", udp ? "SOCK_DGRAM" : "SOCK_STREAM");
    await Promise.race([p.connect(fd, v6 ? sockaddrIn6(host, port) : [host, port]), stop]);
    err(`connected ${JSON.stringify(p.getsockname(fd))} → ${v6 ? `[${host}]` : host}:${port}`);
    const reading = (async () => {
      for (;;) {
        const d = await p.recv(fd, 65536);
        if (d.length === 0 && !udp) return;
        process.stdout.write(d);
      }
    })();
    const writing = (async () => {
      for await (const chunk of process.stdin) {
        const b = chunk as Buffer;
        await sendAll(p, fd, new Uint8Array(b.buffer, b.byteOffset, b.length));
      }
      if (!udp) p.shutdown(fd, "SHUT_WR"); // half-close: the peer sees EOF, we keep reading
    })();
    // TCP: done when both directions ended. UDP: stdin ended, then one more second for late replies.
    const finished = udp ? writing.then(() => Promise.race([reading, new Promise((r) => setTimeout(r, 1000))])) : Promise.all([reading, writing]);
    await Promise.race([finished, stop]);
    await p.close(fd);
    return 0;
  } finally {
    stopper.cancel();
    await p.exit(0);
    await detach(th);
    process.stdin.destroy();
  }
}

async function pingCmd(s: TunSession, host: string, count: number, ao: AttachOptions): Promise<number> {
  needFamily(s, host);
  const th = await attach(s, ao);
  try {
    const r = await ping(th.host, host, { count, interval: ms(1000), print: out });
    return r.received > 0 ? 0 : 1;
  } finally {
    await detach(th);
  }
}
