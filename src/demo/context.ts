/**
 * What a `sockstack demo` scenario is and the events it produces.
 *
 * A scenario builds a simulated network, runs real processes making
 * syscalls on it, and tells the story through a {@link DemoContext}. The
 * context records everything as {@link DemoEvent}s, which the CLI prints as
 * text or as one JSON document (`--json`; schema in docs/demo.md) and
 * which the web lab can draw. Pure TypeScript: no Node built-ins, so the
 * registry and the scenarios run in a browser too.
 *
 * Families of events:
 *
 * - narration: `title`, `section`, `say` (each in English, `text`, and
 *   Chinese, `zh`), `command` (a shell command typed on a host), `output`
 *   (one line of a tool's output, verbatim: tools print as the real ones
 *   do, whatever the language), `syscall` (a system call the scenario shows,
 *   from the syscall trace), `capture` (a tcpdump view), `ladder` (a ladder
 *   diagram with its arrows, drops and state marks);
 * - with `--strace`, every system call as strace -f prints it (`strace`);
 * - observations, the same for every scenario: `packet` (every packet at
 *   the capture point, parsed), `state` (every TCP state change on watched
 *   hosts), `drop` (a packet a watched host's kernel dropped, with the
 *   reason) and `snapshot` (sockets and processes of a host when the
 *   scenario looks at it).
 */
import { SysError } from "../core/sys-error.js";
import type { Micros } from "../core/time.js";
import type { Host } from "../host/host.js";
import type { Device } from "../link/device.js";
import type { Network } from "../sim/network.js";
import { formatEnterArgs, formatStrace, straceName, straceWriter, type StraceWriter } from "../sys/strace.js";
import type { SyscallEvent, SyscallRecord } from "../sys/syscall-boundary.js";
import { netstatStateName } from "../tcp/tcp-state.js";
import { Capture as ToolsCapture, type CaptureRecord } from "../tools/capture.js";
import { ladderText } from "../tools/ladder-text.js";
import { ladderEvents, type LadderDrop, type LadderEvent, type LadderOptions, type LadderState } from "../tools/ladder.js";
import { lsof } from "../tools/lsof.js";
import { netstat } from "../tools/netstat.js";
import { nstat } from "../tools/nstat.js";
import { packetFields } from "../tools/packet-fields.js";
import { snapshot, type HostSnapshot } from "../tools/snapshot.js";
import { ss, ssSummary } from "../tools/ss.js";
import { formatTcpdumpTime, TcpdumpFormatter } from "../tools/tcpdump.js";
import { formatFrame } from "../tools/tcpdump-ether.js";
import { arpN, bridgeFdb, ipAddr, ipLink, ipNeigh } from "../tools/ip-views.js";
import type { Switch } from "../sim/switch.js";
import { Capture } from "./capture.js";
import { dropReason, dropReasonZh } from "./drops.js";
import type { DemoEvent, PacketInfo, SnapshotSocket } from "./events.js";
import { formatInetAddress, type InetAddress } from "../net/inet-address.js";

/** A scenario of `sockstack demo`. */
export interface DemoScenario {
  /** The name typed on the command line (`time-wait`). */
  readonly name: string;
  /** One line for `sockstack demo`, English and Chinese. */
  readonly summary: { en: string; zh: string };
  /** Ids of the SEEDS.md behaviours it shows (`F6`, `C5`, …). */
  readonly seeds: readonly string[];
  /**
   * Set (to the reason) when a run costs seconds of CPU: front ends that
   * observe every instant (the web lab) leave such a scenario out.
   */
  readonly heavy?: string;
  /** Runs the scenario, narrating through `d`. Must be deterministic for `d.seed`. */
  run(d: DemoContext): Promise<void>;
}

/** Options of a {@link DemoContext}. */
export interface DemoContextOptions {
  /** Trace every system call (`--strace`) instead of the scenario's chosen ones. */
  strace?: boolean;
  /** Called before each section after the first (`--step`: wait for Enter). */
  pause?: () => Promise<void>;
  /**
   * Called with each network the scenario adopts ({@link DemoContext.useNetwork}),
   * before anything runs on it: the web lab paces and observes it.
   */
  onNetwork?: (net: Network) => void;
  /** The narration language of text mode: ladders print their drop reasons in it. Default `en`. */
  lang?: "en" | "zh";
}

/** Which system calls a scenario shows (when not `--strace`). */
export type SyscallFilter = (rec: SyscallRecord) => boolean;

/** The narration API handed to a scenario. */
export class DemoContext {
  /** Captures started with {@link DemoContext.capture}, in start order (the first is what `--pcap` writes). */
  readonly captures: Capture[] = [];
  /** Trace every system call (`--strace`). */
  readonly strace: boolean;
  /** The wire capture of {@link DemoContext.wire} (both ends of links), for ladders. */
  wireCapture: ToolsCapture | null = null;
  /** Every TCP state change on the watched hosts (ladder lifeline marks). */
  readonly states: LadderState[] = [];
  /** Every packet a watched host dropped, with the reason (ladder marks). */
  readonly drops: LadderDrop[] = [];
  #clock: () => Micros = () => 0;
  readonly #emit: (e: DemoEvent) => void;
  readonly #td = new TcpdumpFormatter();
  readonly #pause: (() => Promise<void>) | null;
  #sections = 0;
  #writers: StraceWriter[] = [];
  #show: SyscallFilter = () => false;
  readonly #hostNames = new Map<Host, string>();

  /**
   * @param seed the network seed the scenario must use.
   * @param emit receives each event as it happens.
   */
  constructor(readonly seed: number, emit: (e: DemoEvent) => void, opts: DemoContextOptions = {}) {
    this.#emit = emit;
    this.strace = opts.strace ?? false;
    this.#pause = opts.pause ?? null;
    this.#zh = opts.lang === "zh";
    this.#onNetwork = opts.onNetwork ?? null;
  }
  readonly #zh: boolean;
  readonly #onNetwork: ((net: Network) => void) | null;

  /**
   * The scenario's network: timestamps come from its clock; the system
   * calls `show` selects are narrated as `syscall` events (all of them,
   * strace-style, with `--strace`).
   * @example
   * declare const d: DemoContext;
   * d.useNetwork(net, (r) => r.call !== "recv");
   */
  useNetwork(net: Network, show: SyscallFilter = () => true): void {
    this.#onNetwork?.(net);
    this.#clock = () => net.now();
    this.#show = show;
    if (this.strace) {
      const writer = straceWriter((line) => this.#emit({ t: this.now(), kind: "strace", host: line.slice(0, line.indexOf(" ")), text: line }), { host: true });
      this.#writers.push(writer);
      net.strace(writer);
    }
    const listener = (ev: SyscallEvent) => {
      if (ev.kind !== "exit") return;
      const r = ev.rec;
      if (!this.strace && !this.#show(r)) return;
      const errno = r.error instanceof SysError ? r.error.code : undefined;
      const line = formatStrace(ev, { pids: false });
      const text = this.strace ? formatStrace(ev, { host: true }) : line.slice(line.indexOf(" ") + 1);
      this.#emit({
        t: r.end, kind: "syscall", host: r.host, process: `${r.process}[${r.pid}]`, pid: r.pid, call: straceName(r.call),
        args: splitArgs(formatEnterArgs(r)), result: syscallResult(r), ...(errno ? { errno } : {}), ...(this.strace ? { traced: true as const } : {}), text,
      });
    };
    this.#traceOn = () => {
      if (!this.#traceStop) this.#traceStop = net.strace(listener);
    };
    this.#traceOn();
  }

  #traceOn: () => void = () => {};
  #traceStop: (() => void) | null = null;

  /**
   * Stops (`false`) or restarts (`true`) narrating system calls: for a bulk
   * phase of a scenario (seventy thousand connects) whose calls would only
   * cost time. With `--strace` the trace goes on.
   */
  narrateSyscalls(on: boolean): void {
    if (on) this.#traceOn();
    else if (!this.strace && this.#traceStop) {
      this.#traceStop();
      this.#traceStop = null;
    }
  }


  /** Ends the trace: a call still blocked prints as `<unfinished ...>`, as strace does when it stops. */
  finish(): void {
    for (const w of this.#writers) w.flush();
  }

  /** The current virtual time. */
  now(): Micros {
    return this.#clock();
  }

  /** The scenario's heading. */
  title(en: string, zh: string = en): void {
    this.#emit({ t: this.now(), kind: "title", text: en, zh });
  }

  /** Starts a numbered part of the story (with `--step`, after the reader pressed Enter). */
  async section(en: string, zh: string): Promise<void> {
    if (this.#sections++ > 0 && this.#pause) await this.#pause();
    this.#emit({ t: this.now(), kind: "section", text: en, zh });
  }

  /** A paragraph of explanation (may contain newlines), in English and Chinese. */
  say(en: string, zh: string): void {
    this.#emit({ t: this.now(), kind: "say", text: en, zh });
  }

  /** A shell command typed on `host` (`client$ ping -c 3 10.0.0.2`). */
  command(host: string, line: string): void {
    this.#emit({ t: this.now(), kind: "command", host, text: line });
  }

  /** One line of a command's output, verbatim. */
  output(line: string): void {
    this.#emit({ t: this.now(), kind: "output", text: line });
  }

  /** Several lines of output (a tool's text), trailing spaces and the final newline trimmed. */
  outputText(text: string): void {
    for (const l of text.replace(/\n$/, "").split("\n")) this.output(l.trimEnd());
  }

  /**
   * Reports every TCP state change on `host` as a `state` event from now
   * on, and every packet its kernel drops as a `drop` event (the reason
   * from the counter the drop raised: accept queue full, out of window,
   * bad checksum, …).
   * @example
   * declare const d: DemoContext, server: Host;
   * d.watch(server, "server");
   */
  watch(host: Host, name = host.name): void {
    this.#hostNames.set(host, name);
    const prev = host.tcp.trace;
    host.tcp.trace = (t, from, to) => {
      prev?.(t, from, to);
      const local = `${fmtAddr(t.localAddr)}:${t.localPort}`;
      const peer = `${fmtAddr(t.remoteAddr)}:${t.remotePort}`;
      const f = netstatStateName(from);
      const s = netstatStateName(to);
      this.states.push({ t: this.now(), endpoint: local, peer, state: s });
      this.#emit({ t: this.now(), kind: "state", host: name, proto: "tcp", local, peer, from: f, to: s, text: `${local} ${peer} ${f} -> ${s}` });
    };
    // The packet being processed: taps run just before the stack handles it, synchronously, so
    // a drop counter raised meanwhile is about that packet (its bytes are read only then).
    let last: { t: Micros; packet: { bytes(): Uint8Array } } | null = null;
    for (const i of host.ip.interfaces) {
      i.device.taps.push((p, dir, now) => {
        if (dir === "in") last = { t: now, packet: p };
      });
    }
    const counters = host.counters;
    const groups = new Map<object, string>(Object.entries(counters).map(([k, g]) => [g as object, k]));
    const inc = counters.inc.bind(counters);
    counters.inc = (group, counter, n = 1) => {
      inc(group, counter, n);
      if (!last || last.t !== this.now()) return;
      const groupName = groups.get(group) ?? "";
      const why = dropReason(groupName, counter);
      if (!why) return;
      const t = last.t;
      const bytes = last.packet.bytes().slice();
      last = null; // one reason per packet (ListenOverflows and ListenDrops count the same drop)
      this.drops.push({ t, bytes, reason: why.en });
      this.#emit({ t: this.now(), kind: "drop", host: name, reason: why.en, counter: `${groupName}.${counter}`, line: this.#td.format(bytes, t), text: `${name} dropped: ${why.en}` });
    };
  }

  /**
   * Starts capturing every packet `device` (of `host`) sends or receives;
   * each one is also a `packet` event. The first capture is the one
   * `--pcap` writes (the demos capture the server's eth0, as
   * `sockstack tcpdump` does).
   * @example
   * declare const d: DemoContext;
   * const cap = d.capture(link.b, "server");
   */
  capture(device: Device, host: string): Capture {
    const cap = new Capture(device, host);
    cap.onRecord = (r) => {
      const { t, ...info } = this.#info(r);
      this.#emit({ t, kind: "packet", host, iface: device.name, ...info, text: info.line });
    };
    this.captures.push(cap);
    return cap;
  }

  /**
   * Captures both ends of `link` for the ladder diagrams (each packet once,
   * sent → received); call once per link, `--ladder` draws them all. Two
   * Ethernet cards on one switch make a link too (`{ a: card1, b: card2 }`).
   * @example
   * declare const d: DemoContext;
   * d.wire(link, "client", "server");
   */
  wire(link: { readonly a: Device; readonly b: Device }, a: string, b: string): ToolsCapture {
    const cap = this.wireCapture ?? new ToolsCapture();
    cap.attach(link.a, a);
    cap.attach(link.b, b);
    this.wireCapture = cap;
    return cap;
  }

  /** The tcpdump line and fields of one record. */
  #info(r: CaptureRecord): PacketInfo {
    if (r.frame) {
      const time = formatTcpdumpTime(r.t);
      return {
        t: r.t, dir: r.dir, length: r.bytes.length, line: `${time} ${formatFrame(r.frame, this.#td)}`,
        etherLine: `${time} ${formatFrame(r.frame, this.#td, { ether: true })}`, fields: packetFields(r.bytes),
      };
    }
    return { t: r.t, dir: r.dir, length: r.bytes.length, line: this.#td.format(r.bytes, r.t), fields: packetFields(r.bytes) };
  }

  /** `tcpdump -nn` lines (`-e -nn` with `ether`: the link header first) of some of a capture's packets (default: all). */
  tcpdumpLines(cap: Capture, from = 0, ether = false): string[] {
    return cap.packets.slice(from).map((p) => {
      if (!p.frame) return this.#td.format(p.bytes, p.t);
      return `${formatTcpdumpTime(p.t)} ${formatFrame(p.frame, this.#td, { ether })}`;
    });
  }

  /** Shows a capture as `tcpdump -nn` prints it, headed by `heading`. */
  showCapture(cap: Capture, heading: string): void {
    this.#emit({ t: this.now(), kind: "capture", host: cap.host, text: heading, packets: cap.packets.map((p) => this.#info(p)) });
  }

  /**
   * Prints `tcpdump -nn -i eth0` (`-e -nn` with `ether`) for the packets
   * `cap` captured since the last call (per capture), or "(nothing crossed
   * the wire)".
   */
  tcpdumpSince(cap: Capture, host: string, what = "the packets since the last step", head?: number, ether = false): void {
    const from = this.#shown.get(cap) ?? 0;
    this.command(host, `tcpdump ${ether ? "-e " : ""}-nn -i ${cap.iface}${head !== undefined ? ` | head -${head}` : ""}   # ${what}`);
    const lines = this.tcpdumpLines(cap, from, ether);
    this.#shown.set(cap, cap.packets.length);
    if (lines.length === 0) this.output("(nothing crossed the wire)");
    for (const l of lines.slice(0, head)) this.output(l);
  }
  readonly #shown = new Map<Capture, number>();

  /** The next {@link tcpdumpSince} starts after the packets captured so far (a ladder showed them). */
  markShown(cap: Capture): void {
    this.#shown.set(cap, cap.packets.length);
  }

  /**
   * A ladder diagram of the wire capture (see {@link wire}) with the drop
   * and state marks of the watched hosts; printed as text, the arrows in
   * the event for JSON readers.
   * @example
   * declare const d: DemoContext;
   * d.ladder("sockstack ladder --connection 0", { connection: 0 });
   */
  ladder(heading: string, opts: LadderOptions = {}, host = "client"): LadderEvent[] {
    const recs: readonly CaptureRecord[] = this.wireCapture?.packets ?? [];
    const full: LadderOptions = { drops: this.drops, states: this.states, ...(this.#zh ? { translate: dropReasonZh } : {}), ...opts };
    const arrows = ladderEvents(recs, full);
    const states = this.states.filter((s) => arrows.some((a) => a.from === s.endpoint || a.to === s.endpoint));
    this.command(host, heading);
    this.#emit({ t: this.now(), kind: "ladder", arrows, states, text: heading });
    this.outputText(ladderText(recs, full));
    return arrows;
  }

  /**
   * Takes a snapshot of `host` for the views and reports it as a
   * `snapshot` event.
   * @example
   * declare const d: DemoContext;
   * const s = d.snapshot(server);
   * ss(s, "-tanp");
   */
  snapshot(host: Host, name = this.#hostNames.get(host) ?? host.name): HostSnapshot {
    const s = snapshot(host);
    const sockets: SnapshotSocket[] = s.sockets.map((k) => ({
      proto: k.proto,
      state: netstatStateName(k.state),
      local: `${k.localAddr}:${k.localPort}`,
      peer: `${k.remoteAddr}:${k.remotePort}`,
      recvQ: k.recvQ,
      sendQ: k.sendQ,
      owners: k.owners.map((o) => ({ process: o.name, pid: o.pid, fd: o.fd })),
      timer: k.timer ? { kind: k.timer.kind, expiresMs: k.timer.expiresMs, retrans: k.timer.retrans } : null,
      listen: k.listen ? { ...k.listen } : null,
      request: k.request,
    }));
    const processes = s.processes.map((p) => ({ pid: p.pid, name: p.name, fds: p.fds.map((f) => ({ fd: f.fd, type: f.proto ?? f.kind })) }));
    this.#emit({ t: this.now(), kind: "snapshot", host: name, sockets, processes, text: `${name}: ${sockets.length} sockets, ${processes.length} processes` });
    return s;
  }

  /**
   * Runs a view command on `host` as typed (`ss -tanpo`, `netstat -natp`,
   * `lsof -p 1000`, `ss -s`, `nstat` with `before` for the delta, `ip neigh`,
   * `ip -s neigh`, `ip link`, `ip addr`, `arp -n`; `| head -N` may follow) and
   * prints it: a `command` event, a `snapshot` and the output lines.
   * Returns the snapshot.
   * @example
   * declare const d: DemoContext, server: Host;
   * d.show(server, "ss -tanp");
   */
  show(host: Host, cmd: string, before?: HostSnapshot): HostSnapshot {
    const s = this.snapshot(host);
    const name = this.#hostNames.get(host) ?? host.name;
    this.command(name, cmd);
    const [view, pipe] = cmd.split("#")[0]!.split("|");
    const [tool, ...rest] = view!.trim().split(/\s+/);
    const args = rest.join(" ");
    let text: string;
    switch (tool) {
      case "ss":
        text = args === "-s" ? ssSummary(s) : ss(s, args);
        break;
      case "netstat":
        text = netstat(s, args);
        break;
      case "lsof":
        text = lsof(s, args);
        break;
      case "nstat":
        text = nstat(before ?? null, s, args);
        break;
      case "ip": {
        const words = args.split(/\s+/);
        const stats = words[0] === "-s";
        const obj = words[stats ? 1 : 0];
        if (obj === "neigh") text = ipNeigh(host, { stats });
        else if (obj === "link") text = ipLink(host);
        else if (obj === "addr") text = ipAddr(host);
        else throw new TypeError(`show: no view 'ip ${args}'`);
        break;
      }
      case "arp":
        text = arpN(host);
        break;
      default:
        throw new TypeError(`show: no view '${tool}'`);
    }
    const head = pipe ? /^\s*head -(\d+)\s*$/.exec(pipe) : null;
    if (pipe && !head) throw new TypeError(`show: only '| head -N' may follow a view: ${cmd}`);
    if (text !== "") this.outputText(head ? text.replace(/\n$/, "").split("\n").slice(0, Number(head[1])).join("\n") : text);
    return s;
  }
}

/**
 * Prints `bridge fdb show` of a switch (its learned MAC table), typed on
 * `host` (default: the switch's name).
 * @example
 * declare const d: DemoContext, sw: Switch;
 * showFdb(d, sw);
 */
export function showFdb(d: DemoContext, sw: Switch, host = sw.name): void {
  d.command(host, "bridge fdb show");
  const text = bridgeFdb(sw);
  if (text === "") d.output("(no entries)");
  else d.outputText(text);
}

/** The number a call returned, as strace shows it. */
function syscallResult(r: SyscallRecord): number {
  if (r.error !== undefined) return -1;
  const v = r.result;
  if (typeof v === "number") return v;
  if (v instanceof Uint8Array) return v.length;
  if (v && typeof v === "object") {
    if ("fd" in v && typeof v.fd === "number") return v.fd;
    if ("data" in v && v.data instanceof Uint8Array) return v.data.length;
  }
  return 0;
}

/** strace's argument text split at top-level commas. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      cur += c;
      if (c === "\\") cur += s[++i] ?? "";
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    if (c === "{" || c === "[" || c === "(") depth++;
    if (c === "}" || c === "]" || c === ")") depth--;
    if (c === "," && depth === 0) {
      out.push(cur.trim());
      cur = "";
      continue;
    }
    cur += c;
  }
  if (cur.trim() !== "") out.push(cur.trim());
  return out;
}

function fmtAddr(a: InetAddress): string {
  return formatInetAddress(a);
}
