/**
 * `sockstack tun`: a sockstack host talking to the Linux kernel through a
 * TUN device inside a network namespace (issue 7; docs/interop.md).
 *
 * ```
 * sockstack tun up --netns NAME [--addr 198.18.0.2/24] [--peer 198.18.0.1] [--mtu N] [--ttl SEC]
 * sockstack tun serve echo|http|discard PORT [--udp] [--netns NAME] [--timeout SEC] [--ss] [--tcpdump]
 * sockstack tun connect HOST PORT [--udp] [--netns NAME] [--timeout SEC] [--tcpdump]
 * sockstack tun ping HOST [-c COUNT] [--netns NAME]
 * sockstack tun status
 * sockstack tun down [--netns NAME]
 * ```
 *
 * `serve`, `connect` and `ping` re-run themselves inside the namespace
 * (`ip netns exec`) when started outside it. Only one of them can be
 * attached to a bridge at a time (they share its UDP port).
 */
import { spawn } from "node:child_process";
import { parseArgs, UsageError } from "./args.js";
import { ms } from "../core/time.js";
import { ping } from "../host/ping.js";
import { startDiscardServer } from "../node/apps/discard-server.js";
import { startEchoServer } from "../node/apps/echo-server.js";
import { startHttpServer } from "../node/apps/http-server.js";
import { sendAll, type ServerHandle } from "../node/apps/app-server.js";
import { checkInteropAddress, currentNetns, interopUnavailableReason } from "../node/netns.js";
import { packetLine } from "../node/packet-line.js";
import { formatSocketTable, udpSocketRows } from "../node/socket-table.js";
import { attachTunHost, type TunHost } from "../node/tun-host.js";
import { listSessions, readSession, tunDown, tunUp, type TunSession } from "../node/tun-session.js";

const USAGE = [
  "usage: sockstack tun up --netns NAME [--addr 198.18.0.2/24] [--peer 198.18.0.1] [--mtu N] [--ttl SEC]",
  "       sockstack tun serve echo|http|discard PORT [--udp] [--netns NAME] [--timeout SEC] [--ss] [--tcpdump]",
  "       sockstack tun connect HOST PORT [--udp] [--netns NAME] [--timeout SEC] [--tcpdump]",
  "       sockstack tun ping HOST [-c COUNT] [--netns NAME]",
  "       sockstack tun status",
  "       sockstack tun down [--netns NAME]",
];

const SPEC = {
  netns: { kind: "string", metavar: "NAME" },
  addr: { kind: "string", metavar: "CIDR" },
  peer: { kind: "string", metavar: "ADDR" },
  mtu: { kind: "int", min: 576, max: 65535 },
  ttl: { kind: "int", min: 1, max: 86400, metavar: "SEC" },
  timeout: { kind: "int", min: 1, max: 86400, metavar: "SEC" },
  udp: { kind: "flag" },
  ss: { kind: "flag" },
  tcpdump: { kind: "flag" },
  count: { kind: "int", short: "c", min: 1, max: 100000 },
  help: { kind: "flag", short: "h" },
} as const;

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
    for (const l of USAGE) out(l);
    out("");
    out("Everything happens inside the network namespace `tun up` creates (only lo and the TUN");
    out("device, no route out, IPv6 off, addresses in 198.18.0.0/15); `tun down` removes it, and");
    out("it removes itself after --ttl seconds (default 3600). Needs root, ip and socat.");
    return 0;
  }
  try {
    switch (sub) {
      case "up": {
        if (!o.netns) return usage("tun up needs --netns NAME");
        if (pos.length) return usage(`unexpected argument ${pos[0]}`);
        const s = await tunUp({ netns: o.netns, addr: o.addr, peer: o.peer, mtu: o.mtu, ttlSeconds: o.ttl });
        out(`namespace ${s.netns}: kernel ${s.peer} on ${s.tunName} ⇄ socat ⇄ sockstack ${s.addr} (mtu ${s.mtu})`);
        out(`the bridge stops by itself at ${new Date(s.expires).toISOString()}; sockstack tun down --netns ${s.netns} stops it now`);
        out(`try: sockstack tun serve http 80 --netns ${s.netns} &  ip netns exec ${s.netns} curl http://${s.addr.split("/")[0]}/`);
        return 0;
      }
      case "down": {
        const ns = o.netns ?? soleSession()?.netns;
        if (!ns) return usage("tun down needs --netns NAME (no single bridge is up)");
        const did = tunDown(ns);
        out(did.length ? did.join("; ") : `nothing to do: no bridge or namespace ${ns}`);
        return 0;
      }
      case "status": {
        const all = listSessions();
        if (!all.length) out("no TUN bridge is up");
        for (const s of all) out(`${s.netns}: sockstack ${s.addr} ⇄ kernel ${s.peer} on ${s.tunName}, mtu ${s.mtu}, expires ${new Date(s.expires).toISOString()}`);
        return 0;
      }
      case "serve": {
        const [kind, portText] = pos;
        if (kind !== "echo" && kind !== "http" && kind !== "discard") return usage("tun serve needs echo, http or discard");
        const port = parsePort(portText);
        if (port === null) return usage(`bad port ${JSON.stringify(portText)}`);
        if (kind === "http" && o.udp) return usage("http runs over TCP only");
        return await inNamespace(o.netns, args, (s) => serve(s, kind, port, o.udp, o.timeout ?? 600, o.ss, o.tcpdump));
      }
      case "connect": {
        const [hostText, portText] = pos;
        if (!hostText) return usage("tun connect needs HOST PORT");
        const port = parsePort(portText);
        if (port === null || port === 0) return usage(`bad port ${JSON.stringify(portText)}`);
        checkInteropAddress(hostText, "HOST");
        return await inNamespace(o.netns, args, (s) => connect(s, hostText, port, o.udp, o.timeout ?? 60, o.tcpdump));
      }
      case "ping": {
        const [hostText] = pos;
        if (!hostText) return usage("tun ping needs HOST");
        checkInteropAddress(hostText, "HOST");
        return await inNamespace(o.netns, args, (s) => pingCmd(s, hostText, o.count ?? 4));
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

async function attach(s: TunSession, tcpdump: boolean): Promise<TunHost> {
  const th = await attachTunHost({ startSocat: false, addr: s.addr, peer: s.peer, tunName: s.tunName, nodePort: s.nodePort, socatPort: s.socatPort, mtu: s.mtu });
  if (tcpdump) {
    th.device.taps.push((p, dir, now) => {
      const b = p.bytes();
      err(`${(now / 1e6).toFixed(6)} ${th.device.name} ${packetLine(b, dir)}`);
    });
  }
  return th;
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

async function serve(s: TunSession, kind: "echo" | "http" | "discard", port: number, udp: boolean, timeout: number, ss: boolean, tcpdump: boolean): Promise<number> {
  const th = await attach(s, tcpdump);
  let srv: ServerHandle | null = null;
  let ticker: ReturnType<typeof setInterval> | null = null;
  try {
    const proto = udp ? "udp" : "tcp";
    srv = kind === "http" ? startHttpServer(th.host, { port }) : kind === "echo" ? startEchoServer(th.host, { port, proto }) : startDiscardServer(th.host, { port, proto });
    out(`sockstack ${th.addr}: ${kind} server on ${proto} port ${port} (kernel side: ${s.peer}, namespace ${s.netns}); Ctrl-C stops it`);
    const snapshot = () => {
      const st = srv!.stats;
      out(`-- ${kind}/${proto}:${port}: ${st.connections} ${udp ? "datagrams" : "connections"} (${st.active} active), in ${st.bytesIn} B, out ${st.bytesOut} B`);
      out(formatSocketTable(udpSocketRows(th.host)));
    };
    if (ss) ticker = setInterval(snapshot, 5000);
    const why = await untilStopped(timeout).promise;
    out(`stopping: ${why}`);
    if (ss) snapshot();
    return 0;
  } finally {
    if (ticker) clearInterval(ticker);
    await srv?.stop();
    await th.close();
  }
}

async function connect(s: TunSession, host: string, port: number, udp: boolean, timeout: number, tcpdump: boolean): Promise<number> {
  const th = await attach(s, tcpdump);
  const p = th.host.createProcess("connect");
  const stopper = untilStopped(timeout);
  const stop = stopper.promise.then((why) => {
    throw new Error(why);
  });
  stop.catch(() => {});
  try {
    const fd = p.socket("AF_INET", udp ? "SOCK_DGRAM" : "SOCK_STREAM");
    await Promise.race([p.connect(fd, [host, port]), stop]);
    err(`connected ${JSON.stringify(p.getsockname(fd))} → ${host}:${port}`);
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
    await th.close();
    process.stdin.destroy();
  }
}

async function pingCmd(s: TunSession, host: string, count: number): Promise<number> {
  const th = await attach(s, false);
  try {
    const r = await ping(th.host, host, { count, interval: ms(1000), print: out });
    return r.received > 0 ? 0 : 1;
  } finally {
    await th.close();
  }
}
