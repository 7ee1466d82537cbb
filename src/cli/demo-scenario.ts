/**
 * What a `sockstack demo` scenario is and the events it produces.
 *
 * A scenario builds a simulated network, runs real processes making
 * syscalls on it, and tells the story through a {@link DemoContext}. The
 * context records everything as {@link DemoEvent}s, which `demo.ts` prints
 * as text or as one JSON document (`--json`; the schema is documented in
 * docs/observability.md, "demo --json"). Two families of events:
 *
 * - narration, printed in text mode: `title`, `section`, `say`, `command`,
 *   `output` (one line of a command's output), `syscall`, `capture` (a
 *   tcpdump view of packets captured so far);
 * - with `--strace`, the syscall trace of every process (`strace` events:
 *   strace -f lines, printed in text mode too; and one traced `syscall`
 *   event per call, in place of the scenario's own reports);
 * - observations, in JSON only, the same for every scenario: `packet`
 *   (every packet at the capture point, with its parsed fields), `state`
 *   (every TCP state change on the watched hosts) and `snapshot` (the
 *   sockets and processes of a host when the scenario looks at it).
 *
 * Adding a scenario means writing one file that calls `watch`, `capture`
 * and `snapshot` for its hosts and narrates, plus one line in the registry
 * of demo.ts; the observation events come for free.
 */
import { SysError } from "../core/sys-error.js";
import type { Micros } from "../core/time.js";
import type { Network } from "../sim/network.js";
import { formatEnterArgs, formatStrace, straceName, straceWriter, type StraceWriter } from "../sys/strace.js";
import type { Host } from "../host/host.js";
import type { Device } from "../link/device.js";
import { netstatStateName } from "../tcp/tcp-state.js";
import { packetFields, type PacketFields } from "../tools/packet-fields.js";
import { snapshot, type HostSnapshot } from "../tools/snapshot.js";
import { TcpdumpFormatter } from "../tools/tcpdump.js";
import { Capture } from "./capture.js";

/** The version of the JSON document's schema (docs/observability.md). */
export const DEMO_JSON_VERSION = 2;

/** Every event has the virtual time it happened at, a kind and a line of text. */
interface EventBase {
  /** Virtual time, µs since the start of the simulation. */
  t: Micros;
  /** A human-readable line (what text mode prints, or would). */
  text: string;
}

/** A packet as a capture saw it. */
export interface PacketInfo {
  t: Micros;
  /** `in` (received on the interface) or `out` (sent). */
  dir: string;
  /** Bytes of the IP datagram. */
  length: number;
  /** The line `tcpdump -nn` prints for it. */
  line: string;
  /** Parsed header fields. */
  fields: PacketFields;
}

/** One socket of a snapshot. */
export interface SnapshotSocket {
  proto: "tcp" | "udp";
  /** Linux's state name (`LISTEN`, `ESTABLISHED`, `SYN_SENT`, …; UDP: `ESTABLISHED` when connected, `CLOSE`). */
  state: string;
  local: string;
  peer: string;
  recvQ: number;
  sendQ: number;
  /** The processes holding an fd for it (none for a connection in the accept queue). */
  owners: { process: string; pid: number; fd: number }[];
  /** The timer `ss -o` shows, or null. */
  timer: { kind: string; expiresMs: number; retrans: number } | null;
}

/** The narration and observation events (see the module comment). */
export type DemoEvent =
  | (EventBase & { kind: "title" | "section" | "say" | "output" })
  | (EventBase & { kind: "command"; host: string })
  | (EventBase & {
      kind: "syscall";
      host: string;
      /** `name[pid]` */
      process: string;
      pid: number;
      /** The system call's name (`connect`). */
      call: string;
      /** Its arguments as strace-like strings. */
      args: string[];
      /** The return value (-1 on error). */
      result: number;
      /** The errno name on failure (`ECONNREFUSED`). */
      errno?: string;
      /** True when it comes from the syscall trace (`--strace`; `text` is then strace's line). */
      traced?: true;
    })
  | (EventBase & { kind: "strace"; host: string })
  | (EventBase & { kind: "packet"; host: string; iface: string } & PacketInfo)
  | (EventBase & { kind: "state"; host: string; proto: "tcp"; local: string; peer: string; from: string; to: string })
  | (EventBase & { kind: "snapshot"; host: string; sockets: SnapshotSocket[]; processes: { pid: number; name: string; fds: { fd: number; type: string }[] }[] })
  | (EventBase & { kind: "capture"; host: string; packets: PacketInfo[] });

/** The kinds of {@link DemoEvent}. */
export type DemoEventKind = DemoEvent["kind"];

/** A scenario of `sockstack demo`. */
export interface DemoScenario {
  /** The name typed on the command line (`udp-echo`). */
  readonly name: string;
  /** One line for `sockstack demo --list`. */
  readonly summary: string;
  /** Ids of the SEEDS.md behaviours it shows (`G6`, `H6`, …). */
  readonly seeds: readonly string[];
  /** Runs the scenario, narrating through `d`. Must be deterministic for `d.seed`. */
  run(d: DemoContext): Promise<void>;
}

/** A syscall as a scenario reports it. */
export interface SyscallReport {
  call: string;
  args: (string | number)[];
  result: number;
  /** errno name when `result` is -1. */
  errno?: string;
  /** Text after the result (`(Connection refused)`, ` from 10.0.0.1:7 "hello"`). */
  detail?: string;
}

/** The narration API handed to a scenario. */
export class DemoContext {
  /** Captures started with {@link DemoContext.capture}, in start order. */
  readonly captures: Capture[] = [];
  #clock: () => Micros = () => 0;
  readonly #emit: (e: DemoEvent) => void;
  readonly #td = new TcpdumpFormatter();

  /**
   * @param seed the network seed the scenario must use.
   * @param emit receives each event as it happens.
   */
  constructor(readonly seed: number, emit: (e: DemoEvent) => void, opts: { strace?: boolean } = {}) {
    this.#emit = emit;
    this.strace = opts.strace ?? false;
  }

  /** Trace every system call (`--strace`) instead of the scenario's own syscall reports. */
  readonly strace: boolean;
  #writers: StraceWriter[] = [];

  /**
   * The scenario's network: timestamps come from its clock, and with
   * `--strace` every system call on it is traced from now on.
   * @example
   * declare const d: DemoContext;
   * d.useNetwork(net);
   */
  useNetwork(net: Network): void {
    this.useClock(net);
    if (!this.strace) return;
    const writer = straceWriter((line) => this.#emit({ t: this.now(), kind: "strace", host: line.slice(0, line.indexOf(" ")), text: line }), { host: true });
    this.#writers.push(writer);
    net.strace((ev) => {
      writer(ev);
      if (ev.kind !== "exit") return;
      const r = ev.rec;
      const errno = r.error instanceof SysError ? r.error.code : undefined;
      const result = r.error === undefined ? (typeof r.result === "number" ? r.result : 0) : -1;
      this.#emit({
        t: r.end, kind: "syscall", host: r.host, process: `${r.process}[${r.pid}]`, pid: r.pid, call: straceName(r.call),
        args: [formatEnterArgs(r)], result, ...(errno ? { errno } : {}), traced: true, text: formatStrace(ev, { host: true }),
      });
    });
  }

  /** Ends the trace: a call still blocked prints as `<unfinished ...>`, as strace does when it stops. */
  finish(): void {
    for (const w of this.#writers) w.flush();
  }

  /** Timestamps events with this clock from now on (the scenario's network). */
  useClock(clock: { now(): Micros }): void {
    this.#clock = () => clock.now();
  }

  /** The current virtual time. */
  now(): Micros {
    return this.#clock();
  }

  /** The scenario's heading. */
  title(text: string): void {
    this.#emit({ t: this.now(), kind: "title", text });
  }

  /** Starts a numbered part of the story. */
  section(text: string): void {
    this.#emit({ t: this.now(), kind: "section", text });
  }

  /** A paragraph of explanation (may contain newlines). */
  say(text: string): void {
    this.#emit({ t: this.now(), kind: "say", text });
  }

  /** A shell command typed on `host` (`client$ ping -c 3 10.0.0.2`). */
  command(host: string, line: string): void {
    this.#emit({ t: this.now(), kind: "command", host, text: line });
  }

  /** One line of a command's output, verbatim. */
  output(line: string): void {
    this.#emit({ t: this.now(), kind: "output", text: line });
  }

  /**
   * A syscall made by process `name[pid]` on `host`, with its result.
   * @example
   * declare const d: DemoContext;
   * d.syscall("client", "udp-client", 1000, { call: "connect", args: [3, "10.0.0.2:9"], result: 0 });
   */
  syscall(host: string, name: string, pid: number, s: SyscallReport): void {
    if (this.strace) return; // the trace reports every call
    const args = s.args.map(String);
    const text = `${s.call}(${args.join(", ")}) = ${s.result}${s.errno ? ` ${s.errno}` : ""}${s.detail ?? ""}`;
    this.#emit({
      t: this.now(), kind: "syscall", host, process: `${name}[${pid}]`, pid, call: s.call, args, result: s.result,
      ...(s.errno ? { errno: s.errno } : {}), text,
    });
  }

  /**
   * Reports every TCP state change on `host` as a `state` event from now on.
   * @example
   * declare const d: DemoContext, server: Host;
   * d.watch(server, "server");
   */
  watch(host: Host, name = host.name): void {
    const prev = host.tcp.trace;
    host.tcp.trace = (t, from, to) => {
      prev?.(t, from, to);
      const local = `${fmtAddr(t.localAddr)}:${t.localPort}`;
      const peer = `${fmtAddr(t.remoteAddr)}:${t.remotePort}`;
      const f = netstatStateName(from);
      const s = netstatStateName(to);
      this.#emit({ t: this.now(), kind: "state", host: name, proto: "tcp", local, peer, from: f, to: s, text: `${local} ${peer} ${f} -> ${s}` });
    };
  }

  /**
   * Starts capturing every packet `device` (of `host`) sends or receives;
   * each one is also a `packet` event.
   * @example
   * declare const d: DemoContext;
   * const cap = d.capture(chain.links[0]!.b, "server");
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

  /** The tcpdump line and fields of one record. */
  #info(r: { t: Micros; dir: string; bytes: Uint8Array }): PacketInfo {
    return { t: r.t, dir: r.dir, length: r.bytes.length, line: this.#td.format(r.bytes, r.t), fields: packetFields(r.bytes) };
  }

  /** `tcpdump -nn` lines of some of a capture's packets (default: all). */
  tcpdumpLines(cap: Capture, from = 0): string[] {
    return cap.packets.slice(from).map((p) => this.#td.format(p.bytes, p.t));
  }

  /** Shows a capture as `tcpdump -nn` prints it, headed by `heading`. */
  showCapture(cap: Capture, heading: string): void {
    this.#emit({ t: this.now(), kind: "capture", host: cap.host, text: heading, packets: cap.packets.map((p) => this.#info(p)) });
  }

  /**
   * Takes a snapshot of `host` for the views and reports it as a
   * `snapshot` event.
   * @example
   * declare const d: DemoContext;
   * const s = d.snapshot(server);
   * ss(s, "-tanp");
   */
  snapshot(host: Host, name = host.name): HostSnapshot {
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
    }));
    const processes = s.processes.map((p) => ({ pid: p.pid, name: p.name, fds: p.fds.map((f) => ({ fd: f.fd, type: f.proto ?? f.kind })) }));
    this.#emit({ t: this.now(), kind: "snapshot", host: name, sockets, processes, text: `${name}: ${sockets.length} sockets, ${processes.length} processes` });
    return s;
  }
}

function fmtAddr(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}
