/**
 * The packetdrill-script runner: plays a parsed script against a fresh
 * sockstack host in virtual time and says whether the stack behaved as the
 * script expects.
 *
 * The set-up is packetdrill's: the host under test is 192.168.0.1 with one
 * "tun" interface ({@link PacketdrillTun}); the remote peer is 192.0.2.1;
 * `bind(…, ...)` means 192.168.0.1:8080 and `connect(…, ...)` means
 * 192.0.2.1:8080; remote ports are ephemeral. `--ip_version=ipv6` puts
 * IPv6 addresses there (fd3d:fa7b:d17d::1 and 2001:db8::1 by default) and
 * AF_INET6 sockets; `ipv4-mapped-ipv6` keeps IPv4 packets under AF_INET6
 * sockets bound and connected to `::ffff:` addresses. Events run at their script
 * times exactly (virtual time); outbound packets must appear within the
 * tolerance `max(tolerance_usecs, tolerance_percent · gap)`.
 *
 * Checks follow packetdrill: the stack's sequence numbers are relative to
 * its ISN (learned from its SYN or SYN-ACK); inbound `ack`, SACK edges and
 * `TS ecr` are translated into the stack's number space; flags, seq, ack,
 * length, window (when written), urgent pointer (when written) and options
 * (in order, after trailing EOL padding) must match; consecutive segments
 * may be merged into one expected segment unless `--strict_segments`.
 *
 * A script ends `passed`, `failed` (with the line and expected vs actual)
 * or `unsupported` (a syscall, option, sysctl or construct the runner does
 * not execute faithfully — never silently passed).
 *
 * @example
 * const r = await runScript("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n", { path: "x.pkt" });
 * r.status === "passed"
 */
import { AF_UNSPEC, MSG_FASTOPEN, MSG_PEEK, SOL_SOCKET } from "../socket/constants.js";
import { SCM_TIMESTAMPING } from "../socket/error-queue.js";
import { tcpdumpLine } from "../tools/tcpdump.js";
import type { Packet } from "../wire/packet.js";
import { errnoNumber, isErrnoCode } from "../core/errno.js";
import type { PersonalityName } from "../core/personality.js";
import { SysError } from "../core/sys-error.js";
import type { Micros } from "../core/time.js";
import type { Host } from "../host/host.js";
import { Network } from "../sim/network.js";
import type { Process } from "../sys/process.js";
import { findOption } from "../socket/options.js";
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from "../wire/tcp.js";
import type { TcpOption as WireOption } from "../wire/tcp-options.js";
import { ipv4 } from "../wire/ipv4-address.js";
import { ipv6 } from "../wire/ipv6-address.js";
import { WireError } from "../wire/wire-error.js";
import type { Event, Expr, PacketEvent, Script, SyscallEvent, TcpOption as ScriptOption, TcpPacketSpec } from "./ast.js";
import { runCodeBlock, UnsupportedCode } from "./code-block.js";
import { parseScript } from "./parser.js";
import { applyPersonality } from "./personality-apply.js";
import {
  decodeSegment, encodeIcmp, encodeSegment, flagBits, formatAddress, formatSegment, formatSpec, icmpTypeCode, sameAddress,
  scriptOptionToWire, type WireAddress, type WireSegment,
} from "./segment-codec.js";
import { finalizeConfig, parsePacketdrillArgs, type PacketdrillArgs, type PacketdrillConfig } from "./config.js";
import { runShellCommand, shellEnv, type ShellEnv } from "./shell.js";
import { evalInt, evalStruct, iovLengths, sockaddrArg, structFields, Unsupported, wordName } from "./syscall-args.js";
import { tcpInfoScope } from "./tcp-info-scope.js";
import { PacketdrillTun } from "./tun-device.js";

/** packetdrill's addresses and port. */
export const LOCAL_IP = "192.168.0.1";
export const REMOTE_IP = "192.0.2.1";
export const SCRIPT_PORT = 8080;
/** First ephemeral port the runner uses for the remote side. */
const REMOTE_PORT_BASE = 47000;
/** packetdrill MAX_WAIT_SECS: how long a non-blocking syscall waits for a blocking one still in progress. */
const AWAIT_IDLE_MAX: Micros = 1_000_000;

/** Outcome of one script. */
export type ScriptStatus = "passed" | "failed" | "unsupported";

/** The result of running one script. */
export interface ScriptResult {
  path: string;
  status: ScriptStatus;
  /** Script line of the failure / unsupported construct, null when passed. */
  line: number | null;
  /** Why it failed or is unsupported (expected vs actual), null when passed. */
  reason: string | null;
  /**
   * Knobs a helper script (defaults.sh) set that sockstack does not
   * honour (`tcp_mtu_probing=1 (MTU probing … not implemented)`): context for a failure.
   */
  notes?: string[];
}

/** Options of {@link runScript}. */
export interface RunScriptOptions {
  /** Shown in results (default `"<script>"`). */
  path?: string;
  /** Host personality (default linux). */
  personality?: PersonalityName;
  /** Default tolerance when the script sets none (packetdrill's default 4000 µs). */
  toleranceUsecs?: number;
  /** Symbols for `#ifdef` (default `{ Linux: "" }` or `{ FreeBSD: "" }` by personality). */
  defines?: Record<string, string>;
  /** Seed of the host's randomness (default 1). */
  seed?: number;
  /**
   * packetdrill's command line for this script (`--ip_version=ipv4`,
   * `-D TFO_COOKIE=…`, see config.ts); it overrides the script's header
   * options, as in packetdrill.
   */
  args?: readonly string[];
  /**
   * Reads a file of the script's tree by path (helper scripts such as
   * `../common/defaults.sh`, resolved against the script's folder). Without
   * it, commands that run files are unsupported.
   */
  readFile?: (path: string) => string | null;
}

/** A mismatch at a script line. */
class ScriptFailure extends Error {
  constructor(readonly line: number, message: string) {
    super(message);
  }
}

/** Something the runner does not execute, at a script line. */
class ScriptUnsupported extends Error {
  constructor(readonly line: number, message: string) {
    super(message);
  }
}

/** The runner's view of one connection of the script. */
interface Conn {
  fd: number | null;
  localPort: number | null;
  remotePort: number | null;
  /** The stack's ISN once seen in its SYN / SYN-ACK. */
  isn: number | null;
  /**
   * The seq the script wrote on that SYN / SYN-ACK (usually 0). As in
   * packetdrill (socket.h local_seq_script_to_live_offset), a SYN's
   * numbers map through live ISN − script ISN, every other segment's
   * through the live ISN alone: after `> S. 1234:1234(0)`, `ack 1` is ISN + 1.
   */
  scriptIsn?: number;
  /**
   * The peer's ISN: the seq of the script's last inbound SYN. As in
   * packetdrill, later inbound seqs and the acks of outbound non-SYN
   * segments are relative to it (a SYN's own seq and a SYN-ACK's ack are
   * written absolute).
   */
  remoteIsn?: number;
  /** Actual TS val minus the script's, once an outbound TS line gave a value. */
  tsOffset: number | null;
  listening: boolean;
}

/** What a script's local sequence numbers are relative to in a segment (SYN or not) of `c`: see {@link Conn.scriptIsn}. */
function localBase(c: Conn | null | undefined, syn: boolean): number {
  const isn = c?.isn ?? 0;
  return syn ? (isn - (c?.scriptIsn ?? 0)) >>> 0 : isn;
}

/** A syscall whose result is still to be checked. */
interface PendingCall {
  ev: SyscallEvent;
  /** Script time by which it must return (µs). */
  endAt: Micros;
  tolerance: Micros;
  done: boolean;
  at: Micros;
  value: unknown;
  error: unknown;
  /** Checks the returned value; throws ScriptFailure. */
  check: (value: unknown) => void;
}

const ECN_BITS: Record<string, number> = { noecn: 0, ect0: 2, ect1: 1, ce: 3 };

/**
 * Parses and runs one script. Never throws for script problems: parse
 * errors, mismatches and unsupported constructs are results.
 */
export async function runScript(text: string, opts: RunScriptOptions = {}): Promise<ScriptResult> {
  const path = opts.path ?? "<script>";
  const personality = opts.personality ?? "linux";
  const defines = opts.defines ?? (personality === "freebsd" ? { FreeBSD: "" } : { Linux: "" });
  let cli: PacketdrillArgs;
  try {
    cli = parsePacketdrillArgs(opts.args ?? []);
  } catch (e) {
    return { path, status: "unsupported", line: null, reason: `packetdrill arguments: ${(e as Error).message}` };
  }
  const parsed = parseScript(text, { defines, overrides: cli.defines });
  if (!parsed.ok) {
    return { path, status: "unsupported", line: parsed.error.line, reason: `parse error at column ${parsed.error.column}: ${parsed.error.message}` };
  }
  const cfg = finalizeConfig(parsed.script.optionList, cli, { toleranceUsecs: opts.toleranceUsecs, defines });
  if (!cfg.ok) return { path, status: "unsupported", line: cfg.line || null, reason: cfg.reason };
  if (cfg.config.dryRun) return { path, status: "passed", line: null, reason: null };
  let run: ScriptRun | null = null;
  const withNotes = (r: ScriptResult): ScriptResult => (run && run.shellEnv.notes.length ? { ...r, notes: [...run.shellEnv.notes] } : r);
  try {
    run = new ScriptRun(parsed.script, personality, cfg.config, opts);
    await run.run();
    return { path, status: "passed", line: null, reason: null };
  } catch (e) {
    if (e instanceof ScriptFailure) return withNotes({ path, status: "failed", line: e.line, reason: e.message });
    if (e instanceof ScriptUnsupported) return withNotes({ path, status: "unsupported", line: e.line, reason: e.message });
    return withNotes({ path, status: "failed", line: run?.currentLine ?? null, reason: `runner error: ${e instanceof Error ? e.stack ?? e.message : String(e)}` });
  } finally {
    run?.dispose();
  }
}

class ScriptRun {
  readonly net: Network;
  readonly host: Host;
  readonly tun: PacketdrillTun;
  readonly proc: Process;
  readonly #script: Script;
  readonly #tolUsecs: number;
  readonly #tolPercent: number;
  readonly #strict: boolean;
  readonly #nonFatalSyscall: boolean;
  readonly #nonFatalPacket: boolean;
  readonly #cfg: PacketdrillConfig;
  /** The host's and the peer's addresses on the wire (packetdrill's --local_ip / --remote_ip). */
  readonly #local: WireAddress;
  readonly #remote: WireAddress;
  readonly shellEnv: ShellEnv;
  #cur: Conn | null = null;
  readonly #byFd = new Map<number, Conn>();
  /** Script fd → live fd. */
  readonly #fdMap = new Map<number, number>();
  /** Connections named by explicit ports in the script, by remote port. */
  readonly #extra = new Map<number, Conn>();
  #nextRemotePort = REMOTE_PORT_BASE;
  #pending: PendingCall[] = [];
  /** A decoded segment that did not merge, to be compared next. */
  readonly #pushback: { seg: WireSegment; time: Micros; packet: Packet }[] = [];
  /** Script time of the previous event (µs). */
  #prevTime: Micros = 0;
  currentLine = 0;

  constructor(script: Script, personality: PersonalityName, cfg: PacketdrillConfig, opts: RunScriptOptions) {
    this.#script = script;
    this.#cfg = cfg;
    this.#nonFatalSyscall = cfg.nonFatalSyscall;
    this.#nonFatalPacket = cfg.nonFatalPacket;
    this.#tolUsecs = cfg.toleranceUsecs;
    this.#tolPercent = cfg.tolerancePercent;
    this.#strict = cfg.strictSegments;
    const v6 = cfg.wireFamily === 6;
    this.#local = v6 ? ipv6(cfg.localIp) : ipv4(cfg.localIp);
    this.#remote = v6 ? ipv6(cfg.remoteIp) : ipv4(cfg.remoteIp);
    this.net = new Network({ seed: opts.seed ?? 1, driver: { warn: () => {} } });
    this.host = this.net.addHost("packetdrill");
    applyPersonality(this.host, personality);
    this.tun = new PacketdrillTun(this.net.scheduler, cfg.mtu);
    if (v6) {
      // packetdrill's ipv6 set-up: the local address/48 on the tun, everything else routed out of it.
      this.host.addInterface(this.tun);
      this.host.enableIpv6();
      this.host.addAddress(this.tun.name, `${cfg.localIp}/${cfg.prefixLen}`);
      this.host.addRoute("::/0", undefined, this.tun.name);
      // packetdrill's route_traffic_to_device: `ip route add REMOTE dev tun0 via GATEWAY` (`ip -6 route change` needs it).
      this.host.addRoute(`${cfg.remoteIp}/128`, cfg.gatewayIp, this.tun.name);
    } else {
      this.host.addInterface(this.tun, `${cfg.localIp}/${cfg.prefixLen}`);
      this.host.addRoute("default", undefined, this.tun.name);
      this.host.addRoute(`${cfg.remoteIp}/32`, cfg.gatewayIp, this.tun.name);
    }
    this.proc = this.host.createProcess("packetdrill");
    const path = opts.path ?? "";
    const slash = path.lastIndexOf("/");
    this.shellEnv = shellEnv({
      cwd: slash < 0 ? (path ? "." : "") : path.slice(0, slash) || "/",
      readFile: opts.readFile ?? null,
      tunName: this.tun.name,
      onQdisc: (q) => { this.tun.qdiscLimit = q ? q.limit : null; },
    });
  }

  dispose(): void {
    this.host.tcp.shutdownTimers();
  }

  get #now(): Micros {
    return this.net.scheduler.now();
  }

  async run(): Promise<void> {
    const s = this.#script;
    for (const f of this.#cfg.initScripts) this.#shell(f, 0);
    if (s.initCommand) this.#shell(s.initCommand.command, s.initCommand.line);
    for (const ev of s.events) {
      this.currentLine = ev.line;
      try {
        await this.#event(ev);
      } catch (e) {
        // --non_fatal=packet: a packet mismatch is reported by packetdrill as a warning and the script goes on.
        if (!(e instanceof ScriptFailure && ev.type === "packet" && this.#nonFatalPacket)) throw e;
        if (ev.type === "packet") this.#prevTime = this.#scriptTime(ev);
      }
    }
    // Every blocking call must have returned in time.
    for (const p of this.#pending) {
      if (!p.done) await this.net.driver.runUntil(() => p.done, { timeout: Math.max(0, p.endAt + p.tolerance - this.#now) });
    }
    this.#checkPending(true);
    if (s.cleanupCommand) this.#shell(s.cleanupCommand.command, s.cleanupCommand.line);
  }

  // ---- time ------------------------------------------------------------

  #tolerance(at: Micros): Micros {
    return Math.max(this.#tolUsecs, Math.floor(((at - this.#prevTime) * this.#tolPercent) / 100));
  }

  /** Runs every event strictly before `t`, then moves the clock to `t`. */
  async #advanceTo(t: Micros): Promise<void> {
    if (t > this.#now) {
      await this.net.driver.run({ until: t - 1 });
      this.net.scheduler.setNow(t);
    }
  }

  /** Lets everything due now (timers, woken application code) run. */
  async #settle(): Promise<void> {
    await this.net.driver.run({ until: this.#now });
  }

  #scriptTime(ev: Event): Micros {
    const t = ev.time;
    switch (t.kind) {
      case "absolute": return t.us;
      case "relative": return this.#prevTime + t.us;
      case "range": return t.relative ? this.#prevTime + t.startUs : t.startUs;
      case "any": return this.#prevTime;
    }
  }

  // ---- events ----------------------------------------------------------

  async #event(ev: Event): Promise<void> {
    const at = this.#scriptTime(ev);
    if (ev.type === "packet" && ev.direction === "outbound") {
      await this.#outbound(ev, at);
      return;
    }
    await this.#advanceTo(at);
    this.#checkPending(false);
    switch (ev.type) {
      case "packet":
        this.#inbound(ev);
        await this.#settle();
        break;
      case "syscall":
        if (ev.endUs === null) await this.#awaitIdle();
        await this.#syscall(ev, at);
        break;
      case "shell":
        this.#shell(ev.command, ev.line);
        await this.#settle();
        break;
      case "code":
        this.#code(ev.text, ev.line);
        break;
    }
    this.#prevTime = at;
  }

  /**
   * packetdrill's await_idle_thread before a non-blocking syscall: a blocking
   * call still in progress gets up to 1 s to return first (a `close` due at
   * the instant a blocked `connect` times out runs after it).
   */
  async #awaitIdle(): Promise<void> {
    for (const p of this.#pending) {
      if (!p.done) await this.net.driver.runUntil(() => p.done, { timeout: AWAIT_IDLE_MAX });
    }
    this.#checkPending(false);
  }

  #checkPending(final: boolean): void {
    const keep: PendingCall[] = [];
    for (const p of this.#pending) {
      if (!p.done) {
        if (final || this.#now > p.endAt + p.tolerance) {
          this.#syscallFail(p.ev.line, `${p.ev.name}() did not return by ${fmtTime(p.endAt + p.tolerance)} (expected at ${fmtTime(p.endAt)})`);
          continue;
        }
        keep.push(p);
        continue;
      }
      this.#finish(p);
    }
    this.#pending = keep;
  }

  #finish(p: PendingCall): void {
    const { ev } = p;
    if (p.at < p.endAt - p.tolerance || p.at > p.endAt + p.tolerance) {
      this.#syscallFail(ev.line, `${ev.name}() returned at ${fmtTime(p.at)}, expected at ${fmtTime(p.endAt)} (tolerance ${p.tolerance} µs)`);
      return;
    }
    try {
      this.#checkResult(ev, p.error, p.value, p.check);
    } catch (e) {
      if (e instanceof ScriptFailure && this.#nonFatalSyscall) return;
      throw e;
    }
  }

  #syscallFail(line: number, msg: string): void {
    if (!this.#nonFatalSyscall) throw new ScriptFailure(line, msg);
  }

  // ---- syscalls --------------------------------------------------------

  async #syscall(ev: SyscallEvent, at: Micros): Promise<void> {
    const endAt = ev.endUs === null ? at : ev.time.kind === "absolute" ? ev.endUs : this.#prevTime + ev.endUs;
    let check: (v: unknown) => void = (v) => this.#expectInt(ev, v);
    let result: unknown;
    try {
      const r = this.#start(ev);
      result = r.value;
      if (r.check) check = r.check;
    } catch (e) {
      if (e instanceof Unsupported) throw new ScriptUnsupported(ev.line, `${ev.name}(): ${e.message}`);
      result = Promise.reject(e);
    }
    const p: PendingCall = { ev, endAt, tolerance: this.#tolerance(endAt), done: false, at: 0, value: undefined, error: undefined, check };
    Promise.resolve(result).then(
      (v) => { p.done = true; p.at = this.#now; p.value = v; },
      (e) => { p.done = true; p.at = this.#now; p.error = e; },
    );
    await this.#settle();
    if (p.done) this.#finish(p);
    else this.#pending.push(p);
  }

  #conn(fd: number): Conn {
    let c = this.#byFd.get(fd);
    if (!c) {
      c = { fd, localPort: null, remotePort: null, isn: null, tsOffset: null, listening: false };
      this.#byFd.set(fd, c);
    }
    return c;
  }

  /** Starts a syscall; returns its value (or a Promise) and, optionally, how to check it. */
  #start(ev: SyscallEvent): { value: unknown; check?: (v: unknown) => void } {
    const a = ev.args;
    const p = this.proc;
    const arg = (i: number): Expr => {
      const e = a[i];
      if (!e) throw new Unsupported(`missing argument ${i + 1}`);
      return e;
    };
    const fdArg = () => this.#liveFd(evalInt(arg(0)));
    switch (ev.name) {
      case "socket": {
        // `...` is the flavour's domain: AF_INET, or AF_INET6 in ipv6 and ipv4-mapped-ipv6.
        const fd = p.socket(evalInt(arg(0), this.#cfg.socketDomain), evalInt(arg(1)), evalInt(arg(2), 0));
        const c: Conn = { fd, localPort: null, remotePort: null, isn: null, tsOffset: null, listening: false };
        this.#byFd.set(fd, c);
        this.#cur = c;
        return { value: fd, check: (v) => this.#mapFd(ev, v) };
      }
      case "bind": {
        const fd = fdArg();
        // `...` is packetdrill's bind address; a sockaddr literal is taken as written.
        const sa = arg(1).kind === "ellipsis" ? null : sockaddrArg(arg(1));
        p.bind(fd, sa ?? [this.#cfg.bindIp, this.#cfg.bindPort]);
        this.#conn(fd).localPort = sa ? sa.port : this.#cfg.bindPort;
        return { value: 0 };
      }
      case "listen": {
        const fd = fdArg();
        p.listen(fd, evalInt(arg(1)));
        const c = this.#conn(fd);
        c.listening = true;
        this.#cur = c;
        return { value: 0 };
      }
      case "accept":
      case "accept4": {
        const fd = fdArg();
        const flags = ev.name === "accept4" ? evalInt(arg(3)) : 0;
        const value = (ev.name === "accept4" ? p.accept4(fd, flags) : p.accept(fd)).then((r) => {
          const cur = this.#cur;
          const rport = r.addr.family === 2 || r.addr.family === 10 ? r.addr.port : null;
          if (cur && !cur.listening && cur.fd === null && cur.remotePort === rport) {
            cur.fd = r.fd;
            this.#byFd.set(r.fd, cur);
          } else {
            const known = [...this.#byFd.values(), ...this.#extra.values()];
            const c = this.#conn(r.fd);
            c.localPort = this.#cfg.bindPort;
            c.remotePort = rport;
            const k = known.find((k) => k.remotePort === rport);
            c.isn = k?.isn ?? null;
            if (k?.scriptIsn !== undefined) c.scriptIsn = k.scriptIsn;
          }
          return r.fd;
        });
        return { value, check: (v) => this.#mapFd(ev, v) };
      }
      case "connect": {
        const fd = fdArg();
        const sa = arg(1).kind === "ellipsis" ? null : sockaddrArg(arg(1));
        const c = this.#conn(fd);
        c.remotePort = sa ? sa.port : this.#cfg.connectPort;
        this.#cur = c;
        const value = p.connect(fd, sa ?? [this.#cfg.connectIp, this.#cfg.connectPort]).then(() => 0);
        try {
          const name = p.getsockname(fd);
          if ((name.family === 2 || name.family === 10) && name.port) c.localPort = name.port;
        } catch {
          // learned from the SYN instead
        }
        return { value };
      }
      case "read":
      case "recv":
      case "recvfrom": {
        const fd = fdArg();
        const n = evalInt(arg(2));
        const flags = ev.name === "read" ? 0 : evalInt(arg(3), 0);
        const buf = arg(1);
        if (n > 0 && ((buf.kind === "word" && buf.name === "NULL") || (buf.kind === "int" && buf.value === 0))) {
          // A NULL buffer: Linux's tcp_recvmsg waits and checks as for any read, then the copy to the bad
          // address faults — EFAULT, nothing consumed (the bytes stay queued); no data (EOF, EAGAIN) is
          // reported as usual. sockstack's reads return bytes rather than fill memory, so the runner does
          // the same steps: a MSG_PEEK read of the same call, then EFAULT if it saw bytes.
          const peek = p.recv(fd, n, flags | MSG_PEEK).then((d) => {
            if (d.length > 0) throw new SysError("EFAULT", ev.name);
            return 0;
          });
          return { value: peek };
        }
        const value = ev.name === "read" ? p.read(fd, n) : p.recv(fd, n, flags);
        return { value: value.then((d) => d.length) };
      }
      case "write":
      case "send":
      case "sendto": {
        const fd = fdArg();
        const n = evalInt(arg(2));
        const flags = ev.name === "write" ? 0 : evalInt(arg(3), 0);
        // A NULL buffer with a length is a bad address (the kernel's copy faults: EFAULT); `...` is n zero bytes.
        const buf = arg(1);
        const isNull = (buf.kind === "word" && buf.name === "NULL") || (buf.kind === "int" && buf.value === 0);
        const data = (isNull && n > 0 ? null : new Uint8Array(n)) as Uint8Array;
        if (ev.name === "write") return { value: p.write(fd, data) };
        if (ev.name === "send") return { value: p.send(fd, data, flags) };
        if (arg(4).kind !== "ellipsis" && arg(4).kind !== "word") throw new Unsupported("sendto an explicit address");
        // packetdrill's `AF_UNSPEC` address: a sockaddr whose family is AF_UNSPEC.
        if (wordName(arg(4)) === "AF_UNSPEC") return { value: p.sendto(fd, data, flags, { family: AF_UNSPEC }) };
        // packetdrill fills a `...` address with the remote end (what MSG_FASTOPEN's implicit connect uses).
        return { value: this.#sendtoRemote(fd, data, flags, arg(4).kind === "ellipsis") };
      }
      case "sendmsg": {
        const fd = fdArg();
        const msg = structFields(arg(1));
        const ctl = msg.get("msg_control");
        if (ctl && !(ctl.value.kind === "ellipsis" || (ctl.value.kind === "array" && ctl.value.items.length === 0))) {
          throw new Unsupported("sendmsg with control messages");
        }
        const name = msg.get("msg_name");
        if (name && name.value.kind !== "ellipsis") throw new Unsupported("sendmsg to an explicit address");
        const iov = iovLengths(msg).map((n) => new Uint8Array(n));
        const sflags = evalInt(arg(2), 0);
        // packetdrill fills a `...` msg_name with the remote end: MSG_FASTOPEN connects to it.
        if (sflags & MSG_FASTOPEN) {
          const c = this.#conn(fd);
          c.remotePort = this.#cfg.connectPort;
          this.#cur = c;
          return { value: p.sendmsg(fd, { iov, name: [this.#cfg.connectIp, this.#cfg.connectPort] }, sflags) };
        }
        return { value: p.sendmsg(fd, { iov }, sflags) };
      }
      case "recvmsg": {
        const fd = fdArg();
        const msg = structFields(arg(1));
        const total = iovLengths(msg).reduce((a, b) => a + b, 0);
        const value = p.recvmsg(fd, total, evalInt(arg(2), 0));
        return { value, check: (v) => this.#checkRecvmsg(ev, msg, v as Awaited<typeof value>) };
      }
      case "ioctl": {
        const fd = fdArg();
        const req = wordName(arg(1));
        if (req !== "SIOCINQ" && req !== "SIOCOUTQ" && req !== "FIONREAD") throw new Unsupported(`ioctl ${req ?? "(number)"}`);
        const got = p.ioctl(fd, req);
        const want = arg(2);
        return {
          value: 0,
          check: (v) => {
            this.#expectInt(ev, v);
            if (want.kind !== "ellipsis" && evalInt(want) !== got) throw new ScriptFailure(ev.line, `ioctl(${req}): expected [${evalInt(want)}], got [${got}]`);
          },
        };
      }
      case "poll": {
        const list = arg(0);
        if (list.kind !== "array") throw new Unsupported("poll needs an array of pollfd");
        const wanted = list.items.map((it) => structFields(it));
        const fds = wanted.map((f) => ({ fd: this.#liveFd(evalInt(f.get("fd")?.value ?? arg(0))), events: evalInt(f.get("events")?.value ?? arg(0)), revents: 0 }));
        if (evalInt(arg(1)) !== fds.length) throw new Unsupported("poll nfds differs from the array length");
        const value = p.poll(fds, evalInt(arg(2)));
        return {
          value,
          check: (v) => {
            this.#expectInt(ev, v);
            wanted.forEach((f, i) => {
              const r = f.get("revents");
              if (r && r.value.kind !== "ellipsis" && evalInt(r.value) !== fds[i]!.revents) {
                throw new ScriptFailure(ev.line, `poll(): fd ${evalInt(f.get("fd")!.value)} expected revents ${evalInt(r.value)}, got ${fds[i]!.revents}`);
              }
            });
          },
        };
      }
      case "epoll_create":
      case "epoll_create1": {
        const fd = ev.name === "epoll_create" ? p.epoll_create(evalInt(arg(0))) : p.epoll_create1(evalInt(arg(0), 0));
        return { value: fd, check: (v) => this.#mapFd(ev, v) };
      }
      case "epoll_ctl": {
        const ep = fdArg();
        const target = this.#liveFd(evalInt(arg(2)));
        const e = arg(3);
        let event: { events: number; data: number } | null = null;
        if (e.kind === "struct") {
          const f = structFields(e);
          const data = f.get("fd") ?? f.get("u32") ?? f.get("u64") ?? f.get("ptr");
          event = { events: evalInt(f.get("events")?.value ?? e), data: data ? evalInt(data.value) : 0 };
        } else if (e.kind !== "word" || e.name !== "NULL") throw new Unsupported("epoll_ctl event must be {events=…, fd=…} or NULL");
        p.epoll_ctl(ep, evalInt(arg(1)), target, event);
        return { value: 0 };
      }
      case "epoll_wait": {
        const ep = fdArg();
        const want = arg(1);
        const value = p.epoll_wait<number>(ep, evalInt(arg(2)), evalInt(arg(3)));
        return {
          value: value.then((evs) => evs),
          check: (v) => {
            const evs = v as { events: number; data: number }[];
            this.#expectInt(ev, evs.length);
            if (want.kind !== "struct" || evs.length === 0) return;
            const f = structFields(want);
            const we = f.get("events");
            if (we && evalInt(we.value) !== evs[0]!.events) throw new ScriptFailure(ev.line, `epoll_wait(): expected events ${evalInt(we.value)}, got ${evs[0]!.events}`);
            const wd = f.get("fd") ?? f.get("u32") ?? f.get("u64") ?? f.get("ptr");
            if (wd && wd.value.kind !== "ellipsis" && evalInt(wd.value) !== evs[0]!.data) throw new ScriptFailure(ev.line, `epoll_wait(): expected data ${evalInt(wd.value)}, got ${evs[0]!.data}`);
          },
        };
      }
      case "open": {
        // open(path, flags[, mode]) on the host's in-memory filesystem (sys/fs.ts); the fd is mapped as socket's.
        const path = arg(0);
        if (path.kind !== "string") throw new Unsupported("open's path must be a string literal");
        const fd = p.open(path.value, evalInt(arg(1)), a.length > 2 ? evalInt(arg(2)) : 0o666);
        return { value: fd, check: (v) => this.#mapFd(ev, v) };
      }
      case "pipe":
      case "pipe2": {
        // pipe([R, W]): the script's two fds are mapped onto the live ones (packetdrill syscall_pipe).
        const fds = ev.name === "pipe" ? p.pipe() : p.pipe2(evalInt(arg(1), 0));
        const want = arg(0);
        return {
          value: 0,
          check: (v) => {
            this.#expectInt(ev, v);
            if (want.kind === "ellipsis") return;
            if (want.kind !== "array" || want.items.length !== 2) throw new ScriptUnsupported(ev.line, `${ev.name}(): the fd pair must be written [R, W]`);
            want.items.forEach((it, i) => {
              const w = evalInt(it);
              if (w >= 0) this.#fdMap.set(w, fds[i]!);
            });
          },
        };
      }
      case "sendfile":
        // sendfile(out, in, [offset] | NULL, count): a pointer's value is the starting offset.
        return { value: p.sendfile(fdArg(), this.#liveFd(evalInt(arg(1))), offsetArg(arg(2)), evalInt(arg(3))) };
      case "splice":
        return {
          value: p.splice(fdArg(), offsetArg(arg(1)), this.#liveFd(evalInt(arg(2))), offsetArg(arg(3)), evalInt(arg(4)), evalInt(arg(5), 0)),
        };
      case "close":
        return { value: p.close(fdArg()).then(() => 0) };
      case "shutdown":
        p.shutdown(fdArg(), evalInt(arg(1)));
        return { value: 0 };
      case "fcntl": {
        const fd = fdArg();
        return { value: p.fcntl(fd, evalInt(arg(1)), a.length > 2 ? evalInt(arg(2)) : 0) };
      }
      case "setsockopt": {
        const fd = fdArg();
        const { level, name } = this.#option(arg(1), arg(2));
        const v = arg(3);
        const value = v.kind === "struct" ? evalStruct(v) : evalInt(v);
        p.setsockopt(fd, level, name, value);
        return { value: 0 };
      }
      case "getsockopt": {
        const fd = fdArg();
        const { level, name } = this.#option(arg(1), arg(2));
        const got = p.getsockopt(fd, level, name);
        const want = arg(3);
        return {
          value: 0,
          check: (v) => {
            this.#expectInt(ev, v);
            if (want.kind === "ellipsis") return;
            if (want.kind === "struct") {
              const exp = evalStruct(want);
              for (const [k, x] of Object.entries(exp)) {
                const y = (got as Record<string, unknown>)[k];
                if (y !== x) throw new ScriptFailure(ev.line, `getsockopt(${name}): expected ${k}=${x}, got ${String(y)}`);
              }
              return;
            }
            const exp = evalInt(want);
            const actual = typeof got === "boolean" ? (got ? 1 : 0) : got;
            if (actual !== exp) throw new ScriptFailure(ev.line, `getsockopt(${name}): expected [${exp}], got [${String(actual)}]`);
          },
        };
      }
    }
    throw new Unsupported(`syscall ${ev.name} is not supported by the runner`);
  }

  /** The live fd behind a script fd (packetdrill maps the fds a script names onto the ones the kernel returned). */
  #liveFd(scriptFd: number): number {
    return this.#fdMap.get(scriptFd) ?? scriptFd;
  }

  /**
   * Checks an fd-returning call: packetdrill does not require the kernel to
   * return the number the script wrote; it maps the script's number onto
   * the live one (run_system_call.c, syscall_socket / accept).
   */
  #mapFd(ev: SyscallEvent, live: unknown): void {
    if (ev.result.kind === "ellipsis") return;
    const want = evalInt(ev.result);
    if (typeof live !== "number" || want < 0) {
      this.#expectInt(ev, live);
      return;
    }
    this.#fdMap.set(want, live);
  }

  /** recvmsg's checks: the byte count, msg_flags, and each expected control message (level, type, int data). */
  #checkRecvmsg(ev: SyscallEvent, msg: ReturnType<typeof structFields>, r: { data: Uint8Array; flags: number; control?: { level: number; type: number; data: number | Readonly<Record<string, number>> }[] }): void {
    this.#expectInt(ev, r.data.length);
    const fl = msg.get("msg_flags");
    if (fl && fl.value.kind !== "ellipsis" && evalInt(fl.value) !== r.flags) throw new ScriptFailure(ev.line, `recvmsg(): expected msg_flags ${evalInt(fl.value)}, got ${r.flags}`);
    const ctl = msg.get("msg_control");
    if (!ctl || ctl.value.kind === "ellipsis") return;
    if (ctl.value.kind !== "array") throw new ScriptUnsupported(ev.line, "recvmsg(): msg_control must be an array of cmsgs");
    const got = r.control ?? [];
    if (ctl.value.items.length !== got.length) throw new ScriptFailure(ev.line, `recvmsg(): expected ${ctl.value.items.length} control message(s), got ${got.length}`);
    ctl.value.items.forEach((it, i) => {
      const f = structFields(it);
      const g = got[i]!;
      const lv = f.get("cmsg_level");
      const ty = f.get("cmsg_type");
      const da = f.get("cmsg_data");
      if (lv && evalInt(lv.value) !== g.level) throw new ScriptFailure(ev.line, `recvmsg(): cmsg ${i + 1}: expected cmsg_level ${evalInt(lv.value)}, got ${g.level}`);
      if (ty && evalInt(ty.value) !== g.type) throw new ScriptFailure(ev.line, `recvmsg(): cmsg ${i + 1}: expected cmsg_type ${evalInt(ty.value)}, got ${g.type}`);
      if (da && da.value.kind !== "ellipsis") {
        if (da.value.kind === "array") throw new ScriptUnsupported(ev.line, "recvmsg(): cmsg_data as an array");
        const gd = g.data;
        if (da.value.kind === "struct" && g.level === SOL_SOCKET && g.type === SCM_TIMESTAMPING) {
          // packetdrill's scm_timestamping_expect_eq: a timestamp written as script time, compared within
          // tolerance_usecs of it; {0, 0} is not compared.
          const f2 = structFields(da.value);
          const sec = f2.get("scm_sec");
          const nsec = f2.get("scm_nsec");
          const want = (sec ? evalInt(sec.value) : 0) * 1e6 + Math.trunc((nsec ? evalInt(nsec.value) : 0) / 1000);
          const gd = g.data as Readonly<Record<string, number>>;
          const got = gd.scm_sec! * 1e6 + Math.trunc(gd.scm_nsec! / 1000);
          if (want !== 0 && Math.abs(want - got) > this.#tolUsecs) {
            throw new ScriptFailure(ev.line, `recvmsg(): cmsg ${i + 1}: expected a timestamp at ${(want / 1e6).toFixed(6)}s, got ${(got / 1e6).toFixed(6)}s (tolerance ${this.#tolUsecs} µs)`);
          }
        } else if (da.value.kind === "struct") {
          // A struct payload (IP_RECVERR's sock_extended_err): each field written is compared.
          for (const [name, fv] of structFields(da.value)) {
            if (typeof gd === "number" || !(name in gd)) throw new ScriptUnsupported(ev.line, `recvmsg(): cmsg_data field ${name} is not one sockstack reports`);
            if (fv.value.kind === "ellipsis") continue;
            if (evalInt(fv.value) !== gd[name]) throw new ScriptFailure(ev.line, `recvmsg(): cmsg ${i + 1}: expected ${name}=${evalInt(fv.value)}, got ${gd[name]}`);
          }
        } else if (typeof gd !== "number" || evalInt(da.value) !== gd) {
          throw new ScriptFailure(ev.line, `recvmsg(): cmsg ${i + 1}: expected cmsg_data ${evalInt(da.value)}, got ${typeof gd === "number" ? gd : JSON.stringify(gd)}`);
        }
      }
    });
  }

  #option(levelE: Expr, nameE: Expr): { level: number; name: string } {
    const level = evalInt(levelE);
    const name = wordName(nameE);
    if (name === null) throw new Unsupported("option given as a number");
    if (!findOption(level, name)) throw new Unsupported(`socket option ${name} is not known to sockstack`);
    return { level, name };
  }

  #expectInt(ev: SyscallEvent, v: unknown): void {
    if (ev.result.kind === "ellipsis") return;
    const exp = evalInt(ev.result);
    if (v !== exp) throw new ScriptFailure(ev.line, `${ev.name}(): expected ${exp}, got ${String(v)}`);
  }

  #checkResult(ev: SyscallEvent, error: unknown, value: unknown, check: (v: unknown) => void): void {
    if (error !== undefined) {
      if (error instanceof Unsupported) throw new ScriptUnsupported(ev.line, `${ev.name}(): ${error.message}`);
      if (!(error instanceof SysError)) throw error;
      if (!ev.errno) {
        // packetdrill (end_syscall): `= -1` without an errno accepts any errno.
        if (ev.result.kind !== "ellipsis" && evalInt(ev.result) === -1) return;
        throw new ScriptFailure(ev.line, `${ev.name}(): expected ${exprText(ev.result)}, got -1 ${error.code} (${error.message})`);
      }
      const want = ev.errno.name;
      if (!isErrnoCode(want)) throw new ScriptUnsupported(ev.line, `unknown errno ${want}`);
      if (errnoNumber(want) !== error.errno) throw new ScriptFailure(ev.line, `${ev.name}(): expected -1 ${want}, got -1 ${error.code}`);
      return;
    }
    if (ev.errno) throw new ScriptFailure(ev.line, `${ev.name}(): expected -1 ${ev.errno.name}, got ${String(value)}`);
    check(value);
  }

  // ---- shell and code --------------------------------------------------

  #shell(command: string, line: number): void {
    const r = runShellCommand(this.host, command, this.shellEnv);
    if (r.status === "unsupported") throw new ScriptUnsupported(line, r.reason);
    if (r.status === "failed") throw new ScriptFailure(line, r.reason);
  }

  #code(text: string, line: number): void {
    const fd = this.#cur?.fd ?? null;
    let scope: Record<string, number>;
    try {
      scope = tcpInfoScope(fd === null ? null : this.proc, fd ?? -1);
    } catch (e) {
      throw new ScriptUnsupported(line, `tcp_info snapshot: ${e instanceof Error ? e.message : String(e)}`);
    }
    let failure: string | null;
    try {
      failure = runCodeBlock(text, scope);
    } catch (e) {
      if (e instanceof UnsupportedCode) throw new ScriptUnsupported(line, e.message);
      throw e;
    }
    if (failure !== null) throw new ScriptFailure(line, failure);
  }

  // ---- packets ---------------------------------------------------------

  #newConn(localPort: number | null): Conn {
    return { fd: null, localPort, remotePort: this.#nextRemotePort++, isn: null, tsOffset: null, listening: false };
  }

  /** The connection with this remote port (created on first use). */
  #byRemotePort(remotePort: number, localPort: number): Conn {
    if (this.#cur?.remotePort === remotePort) return this.#cur;
    let c = this.#extra.get(remotePort);
    if (!c) {
      c = { fd: null, localPort, remotePort, isn: null, tsOffset: null, listening: false };
      this.#extra.set(remotePort, c);
    }
    return c;
  }

  #inbound(ev: PacketEvent): void {
    const spec = ev.packet;
    if (spec.protocol === "icmp") {
      this.#inboundIcmp(ev, spec);
      return;
    }
    if (spec.protocol !== "tcp") throw new ScriptUnsupported(ev.line, `inbound ${spec.protocol} packets are not supported`);
    if (spec.udpEncap) throw new ScriptUnsupported(ev.line, "TCP over UDP is not supported");
    const isSyn = spec.flags.includes("S") && !spec.flags.includes(".");
    let c = this.#cur;
    if (spec.ports) {
      // Explicit ports name the connection (a second client, a stray segment).
      c = this.#byRemotePort(spec.ports.src, spec.ports.dst);
    } else if (!c || c.listening || c.remotePort === null) {
      // A new remote endpoint (packetdrill: a SYN to a listener creates the connection under test).
      const lp = c?.localPort ?? this.#cfg.bindPort;
      c = this.#newConn(lp);
      if (!isSyn && this.#cur && !this.#cur.listening && this.#cur.localPort === null) c.localPort = this.#cfg.bindPort;
      this.#cur = c;
    }
    const srcPort = spec.ports?.src ?? c.remotePort!;
    const dstPort = spec.ports?.dst ?? c.localPort ?? this.#cfg.bindPort;
    const synFlag = spec.flags.includes("S");
    const isn = localBase(c, synFlag);
    const options: WireOption[] = [];
    if (spec.options === "any") throw new ScriptUnsupported(ev.line, "<...> on an inbound packet");
    for (const o of spec.options) {
      const w = this.#inboundOption(o, c, isn, ev.line);
      options.push(w);
    }
    if (synFlag && c.remoteIsn === undefined) c.remoteIsn = (spec.seq.start ?? 0) >>> 0;
    const seq = synFlag ? spec.seq.start ?? 0 : (spec.seq.start ?? 0) + (c.remoteIsn ?? 0);
    const tos = this.#tos(ev);
    const pkt = encodeSegment(spec, {
      src: this.#remote, dst: this.#local, srcPort, dstPort,
      seq: seq >>> 0,
      ack: spec.ack === null ? 0 : (spec.ack + isn) >>> 0,
      tos, ttl: ev.ip?.ttl ?? 64, flowLabel: ev.ip?.flowLabel ?? 0, options,
    });
    this.tun.inject(pkt);
  }

  /**
   * An inbound ICMP error (`< icmp unreachable port_unreachable [1:1(0)]`),
   * ICMPv6 in the ipv6 flavour: it quotes a packet of the connection under
   * test from the host to the peer, whose sequence number is the script's
   * plus the stack's ISN (packetdrill's map_inbound_icmp_tcp_packet); with
   * no `[…]` it quotes a TCP header at sequence 0 (parser.y's default).
   */
  #inboundIcmp(ev: PacketEvent, spec: Extract<PacketEvent["packet"], { protocol: "icmp" }>): void {
    if (spec.echoed && spec.echoed.protocol !== "tcp") throw new ScriptUnsupported(ev.line, "an ICMP message quoting a UDP packet");
    if (spec.echoed?.protocol === "tcp" && spec.echoed.udpEncap) throw new ScriptUnsupported(ev.line, "TCP over UDP is not supported");
    if (spec.id !== null) throw new ScriptUnsupported(ev.line, "inbound ICMP echo messages");
    const tc = icmpTypeCode(this.#cfg.wireFamily, spec);
    // packetdrill rejects the line at run time (a semantic error): the script fails there.
    if (typeof tc === "string") throw new ScriptFailure(ev.line, tc);
    const c = this.#cur;
    const seq = spec.echoed?.protocol === "tcp" ? spec.echoed.seq : null;
    this.tun.inject(encodeIcmp({
      src: this.#remote, dst: this.#local, type: tc.type, code: tc.code, mtu: spec.mtu ?? 0,
      quoteSrcPort: c?.localPort ?? this.#cfg.bindPort, quoteDstPort: c?.remotePort ?? this.#cfg.connectPort,
      quoteSeq: ((seq?.start ?? 0) + localBase(c, false)) >>> 0, quotePayload: seq?.len ?? 0,
      ttl: ev.ip?.ttl ?? 64, tos: this.#tos(ev),
    }));
  }

  /**
   * sendto on the script's fd: a `...` address is the remote end, for a TCP
   * socket the call may connect (MSG_FASTOPEN; FreeBSD's implied connect on
   * an unconnected TCP_FASTOPEN socket).
   */
  #sendtoRemote(fd: number, data: Uint8Array, flags: number, ellipsis: boolean): Promise<number> {
    const p = this.proc;
    if (!ellipsis) return p.sendto(fd, data, flags, null);
    if (!(flags & MSG_FASTOPEN)) {
      let connected = true;
      try {
        p.getpeername(fd);
      } catch {
        connected = false;
      }
      if (connected || this.host.tcp.personality.fastOpenApi !== "freebsd") return p.sendto(fd, data, flags, null);
    }
    const c = this.#conn(fd);
    c.remotePort = this.#cfg.connectPort;
    this.#cur = c;
    const value = p.sendto(fd, data, flags, [this.#cfg.connectIp, this.#cfg.connectPort]);
    try {
      const name = p.getsockname(fd);
      if ((name.family === 2 || name.family === 10) && name.port) c.localPort = name.port;
    } catch {
      // learned from the SYN instead
    }
    return value;
  }

  #inboundOption(o: ScriptOption, c: Conn, isn: number, line: number): WireOption {
    if (o.kind === "sack") {
      return { kind: "sack", blocks: o.blocks.map(([l, r]) => [(l + isn) >>> 0, (r + isn) >>> 0] as const) };
    }
    if (o.kind === "timestamp") {
      const ecr = o.ecrAbsolute || c.tsOffset === null || o.ecr === 0 ? o.ecr : o.ecr + c.tsOffset;
      return { kind: "timestamp", val: (o.val ?? 0) >>> 0, ecr: ecr >>> 0 };
    }
    const w = scriptOptionToWire(o);
    if (!w) throw new ScriptUnsupported(line, `TCP option ${o.kind} is not supported`);
    return w;
  }

  #tos(ev: PacketEvent): number {
    const ip = ev.ip;
    if (!ip) return 0;
    if (ip.flowLabel !== null && this.#cfg.wireFamily !== 6) throw new ScriptUnsupported(ev.line, "a flow label on an IPv4 packet");
    let tos = ip.tos ?? (ip.dscp !== null ? ip.dscp << 2 : 0);
    if (ip.ecn !== null) {
      if (ip.ecn === "ect01") throw new ScriptUnsupported(ev.line, "[ect01] on an inbound packet");
      tos = (tos & ~3) | ECN_BITS[ip.ecn]!;
    }
    return tos;
  }

  /** Waits for the next captured packet until `deadline`; null if none came. */
  async #nextCaptured(deadline: Micros): Promise<{ seg: WireSegment; time: Micros; packet: Packet } | null> {
    const back = this.#pushback.shift();
    if (back) return back;
    const q = this.tun.captured;
    if (!q.length && deadline > this.#now) {
      await this.net.driver.runUntil(() => q.length > 0, { timeout: deadline - this.#now });
    }
    let c = q.shift();
    // packetdrill sniffs only what the host sends from the script's address (`ip6 src LOCAL`): the tun's link-local
    // housekeeping (router solicitations) is not the script's business.
    while (c && this.#cfg.wireFamily === 6 && !fromAddress(c.packet, this.#local)) {
      c = q.shift();
      if (!c && deadline > this.#now) {
        await this.net.driver.runUntil(() => q.length > 0, { timeout: deadline - this.#now });
        c = q.shift();
      }
    }
    if (!c) return null;
    const seg = decodeSegment(c.packet);
    if (seg === null) throw new ScriptFailure(this.currentLine, `the stack sent a non-TCP packet at ${fmtTime(c.time)}`);
    if (seg instanceof WireError) throw new ScriptFailure(this.currentLine, `the stack sent a malformed packet: ${String(seg)}`);
    // packetdrill's sniffer hands on only the packets of the socket under test (find_socket_for_live_packet): what an
    // earlier socket of the script sends after the script moved on (the FIN of a close(), a retransmission) is dropped.
    if (this.#notUnderTest(seg)) return this.#nextCaptured(deadline);
    return { seg, time: c.time, packet: c.packet };
  }

  /** Whether a captured segment belongs to another of the script's sockets than the one under test. */
  #notUnderTest(seg: WireSegment): boolean {
    const cur = this.#cur;
    if (!cur || cur.listening || this.#extra.has(seg.dstPort)) return false;
    if (cur.localPort !== null && cur.remotePort !== null) return seg.srcPort !== cur.localPort || seg.dstPort !== cur.remotePort;
    for (const k of this.#byFd.values()) if (k !== cur && !k.listening && k.localPort === seg.srcPort) return true;
    return false;
  }

  async #outbound(ev: PacketEvent, at: Micros): Promise<void> {
    const spec = ev.packet;
    if (spec.protocol !== "tcp") throw new ScriptUnsupported(ev.line, `outbound ${spec.protocol} packets are not supported`);
    if (spec.udpEncap) throw new ScriptUnsupported(ev.line, "TCP over UDP is not supported");
    let lo: Micros;
    let hi: Micros;
    const t = ev.time;
    if (t.kind === "any") {
      lo = -Infinity;
      hi = this.#now + 600_000_000;
    } else if (t.kind === "range") {
      const base = t.relative ? this.#prevTime : 0;
      const tol = this.#tolUsecs;
      lo = base + t.startUs - tol;
      hi = base + t.endUs + tol;
    } else {
      const tol = this.#tolerance(at);
      lo = at - tol;
      hi = at + tol;
    }
    const expected = `${formatSpec(spec)} at ${t.kind === "any" ? "any time" : fmtTime(at)}`;
    const first = await this.#nextCaptured(hi);
    this.#checkPending(false);
    if (!first) throw new ScriptFailure(ev.line, `expected packet was not sent: > ${expected}; nothing sent by ${fmtTime(hi)}`);
    const c = spec.ports ? this.#byRemotePort(spec.ports.dst, spec.ports.src) : this.#cur;
    // Learn the ISN / ports of the connection under test.
    if (c) {
      // packetdrill maps the script's ISN (the seq written on the SYN / SYN-ACK, usually 0) onto the live one.
      if (first.seg.flags & TCP_SYN) {
        c.isn = first.seg.seq;
        c.scriptIsn = spec.seq.start !== null && !spec.seq.absolute ? spec.seq.start >>> 0 : 0;
      }
      if (c.localPort === null) c.localPort = first.seg.srcPort;
      if (c.remotePort === null) c.remotePort = first.seg.dstPort;
    }
    const isn0 = localBase(c, (first.seg.flags & TCP_SYN) !== 0);
    if (first.time < lo) {
      throw new ScriptFailure(ev.line, `packet sent too early: expected > ${expected}, actual > ${formatSegment(first.seg, isn0)} at ${fmtTime(first.time)} (tcpdump: ${tcpdumpLine(first.packet)})`);
    }
    let seg = first.seg;
    let pshFree = false;
    const isn = localBase(c, (seg.flags & TCP_SYN) !== 0);
    // Merge consecutive segments into one expected larger one (packetdrill's default).
    if (!this.#strict && spec.seq.start !== null && seg.len > 0 && seg.len < spec.seq.len) {
      const merged = { ...seg };
      while (merged.len < spec.seq.len) {
        const next = await this.#nextCaptured(hi);
        if (!next) break;
        const n = next.seg;
        if (n.seq !== ((merged.seq + merged.len) >>> 0) || n.len === 0 || (n.flags & ~(TCP_PSH | TCP_FIN)) !== (merged.flags & ~(TCP_PSH | TCP_FIN))) {
          this.#pushback.push(next);
          break;
        }
        merged.len += n.len;
        merged.flags |= n.flags & (TCP_PSH | TCP_FIN);
      }
      seg = merged;
      // A Linux TSO burst arrives as one packet whose PSH is the skb's; sockstack sends MSS-sized segments and marks PSH
      // by its own rule, so when several segments make up one expected packet, PSH is not compared.
      if (merged.len !== first.seg.len) pshFree = true;
    }
    const why = this.#compare(spec, seg, c, isn, ev, pshFree);
    if (why) {
      throw new ScriptFailure(ev.line, `${why}: expected > ${expected}, actual > ${formatSegment(seg, isn)} at ${fmtTime(first.time)} (tcpdump: ${tcpdumpLine(first.packet)})`);
    }
    this.#prevTime = t.kind === "any" || t.kind === "range" ? first.time : at;
  }

  #compare(spec: TcpPacketSpec, seg: WireSegment, c: Conn | null, isn: number, ev: PacketEvent, pshFree = false): string | null {
    if (!sameAddress(seg.src, this.#local) || !sameAddress(seg.dst, this.#remote)) {
      return `addresses ${formatAddress(seg.src)} > ${formatAddress(seg.dst)}, expected ${formatAddress(this.#local)} > ${formatAddress(this.#remote)}`;
    }
    if (c) {
      if (c.localPort !== null && seg.srcPort !== c.localPort) return `source port ${seg.srcPort}, expected ${c.localPort}`;
      if (c.remotePort !== null && seg.dstPort !== c.remotePort) return `destination port ${seg.dstPort}, expected ${c.remotePort}`;
    }
    if (spec.ports) {
      if (seg.srcPort !== spec.ports.src || seg.dstPort !== spec.ports.dst) return "ports differ";
    }
    const pshMask = pshFree ? ~TCP_PSH : ~0;
    if ((seg.flags & pshMask) !== (flagBits(spec.flags) & pshMask)) return "flags differ";
    if (spec.seq.start !== null) {
      const rel = spec.seq.absolute ? seg.seq : (seg.seq - isn) >>> 0;
      if (rel !== spec.seq.start >>> 0) return "sequence number differs";
    }
    if (seg.len !== spec.seq.len) return "payload length differs";
    const ackBase = seg.flags & TCP_SYN ? 0 : c?.remoteIsn ?? 0;
    if (spec.ack !== null && (seg.flags & TCP_ACK || spec.ack !== 0) && seg.ack !== (spec.ack + ackBase) >>> 0) return "ack differs";
    if (spec.win !== null && seg.window !== spec.win) return "window differs";
    if (spec.urg !== null && seg.urgent !== spec.urg) return "urgent pointer differs";
    const ip = ev.ip;
    if (ip) {
      if (ip.ecn !== null) {
        const bits = seg.tos & 3;
        const ok = ip.ecn === "ect01" ? bits === 1 || bits === 2 : bits === ECN_BITS[ip.ecn];
        if (!ok) return "ECN bits differ";
      }
      if (ip.tos !== null && seg.tos !== ip.tos) return "TOS differs";
      if (ip.dscp !== null && seg.tos >> 2 !== ip.dscp) return "DSCP differs";
      if (ip.flowLabel !== null && seg.flowLabel !== ip.flowLabel) return `flow label ${seg.flowLabel}, expected ${ip.flowLabel}`;
      if (ip.ttl !== null && seg.ttl !== ip.ttl) return `${this.#cfg.wireFamily === 6 ? "hop limit" : "TTL"} ${seg.ttl}, expected ${ip.ttl}`;
    }
    if (spec.options !== "any") {
      const want = stripEol(spec.options);
      const got = stripEol(seg.options);
      if (want.length !== got.length) return "options differ";
      for (let i = 0; i < want.length; i++) {
        const w = want[i]!;
        const g = got[i]!;
        if (w.kind === "md5") throw new ScriptUnsupported(ev.line, `TCP option ${w.kind} is not supported`);
        if (!sameOption(w, g, ackBase)) return `option ${i + 1} differs`;
        if (w.kind === "timestamp" && g.kind === "timestamp" && c && w.val !== null && c.tsOffset === null) {
          c.tsOffset = (g.val - w.val) | 0;
        }
      }
    }
    return null;
  }
}

/** Whether an IPv6 packet's source is `addr`. */
/** A `loff_t *` argument: `NULL` (or 0) is no offset, `[N]` points at N. */
function offsetArg(e: Expr): [number] | null {
  if (e.kind === "word" && e.name === "NULL") return null;
  if (e.kind === "int" && e.value === 0) return null;
  if (e.kind === "array" && e.items.length === 1) return [evalInt(e.items[0]!)];
  throw new Unsupported("an offset must be NULL or [N]");
}

function fromAddress(p: Packet, addr: WireAddress): boolean {
  const h = p.head;
  if (typeof addr === "number" || h.length < 40 || h[0]! >> 4 !== 6) return true;
  for (let i = 0; i < 16; i++) if (h[8 + i] !== addr[i]) return false;
  return true;
}

function stripEol<T extends { kind: string }>(list: readonly T[]): T[] {
  let n = list.length;
  while (n > 0 && list[n - 1]!.kind === "eol") n--;
  return list.slice(0, n);
}

/** Whether a sent option is the script's; SACK edges are written relative to the peer's ISN (`ackBase`), as acks. */
function sameOption(w: ScriptOption, g: WireOption, ackBase: number): boolean {
  switch (w.kind) {
    case "nop": return g.kind === "nop";
    case "eol": return g.kind === "eol";
    case "mss": return g.kind === "mss" && g.mss === w.mss;
    case "wscale": return g.kind === "wscale" && g.shift === w.shift;
    case "sack-permitted": return g.kind === "sack-permitted";
    case "sack":
      return g.kind === "sack" && g.blocks.length === w.blocks.length &&
        w.blocks.every(([l, r], i) => g.blocks[i]![0] === (l + ackBase) >>> 0 && g.blocks[i]![1] === (r + ackBase) >>> 0);
    // Outbound TS val is not checked (packetdrill checks it only with --tcp_ts_tick_usecs); ecr is the peer's clock.
    case "timestamp": return g.kind === "timestamp" && g.ecr === w.ecr >>> 0;
    case "fastopen":
      return g.kind === "fastopen" && g.exp === w.experimental &&
        Array.from(g.cookie, (b) => b.toString(16).padStart(2, "0")).join("") === w.cookie.toLowerCase();
    default: return false;
  }
}

function exprText(e: Expr): string {
  return e.kind === "int" ? e.text : e.kind === "ellipsis" ? "..." : e.kind === "word" ? e.name : e.kind;
}

/** `1.234567` seconds. */
function fmtTime(t: Micros): string {
  return `${(t / 1e6).toFixed(6)}s`;
}
