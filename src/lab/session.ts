/**
 * A lab session: the seed-N lecture scenario built and run on virtual time,
 * step by step, with the data the lab's views draw at the current instant —
 * the packets of the server's eth0 with their tcpdump line and parsed fields,
 * `ss` text per host, a ladder diagram of the wire, and the topology.
 *
 * Pure TypeScript over the core and src/tools: no Node built-ins, no
 * ambient clock, so the same code runs in the browser page (bundled by
 * `sockstack lab`) and in tests. The scenario is built exactly as
 * `sockstack demo lecture` builds it (`lectureScenario` with a 100 ms pause
 * between a client's connect and its send, capture on the server's eth0),
 * so the same seed gives the same packets in both.
 *
 * @example
 * const s = new LabSession(0);
 * await s.advanceTo(ms(2000));
 * s.ss("server");       // four connections, the fourth client's SYN dropped
 * s.tcpdumpLines();     // what `sockstack demo lecture` printed so far
 */
import { ms, type Micros } from "../core/time.js";
import type { Host } from "../host/host.js";
import type { LinkConfigInput } from "../sim/impairments.js";
import type { Link } from "../sim/link.js";
import type { Network } from "../sim/network.js";
import { Capture } from "../tools/capture.js";
import { ladderConnections, ladderSvg } from "../tools/ladder.js";
import { LECTURE_SEND_DELAY, lectureScenario } from "../demo/lecture-scenario.js";
import { packetFields, type PacketFields } from "../tools/packet-fields.js";
import { pcapFile } from "../tools/pcap.js";
import { snapshot, type SocketSnapshot } from "../tools/snapshot.js";
import { plotDirections, type PlotDirection, type SocketSample } from "./plots.js";
import { lsof } from "../tools/lsof.js";
import { netstat } from "../tools/netstat.js";
import { nstat } from "../tools/nstat.js";
import { ss } from "../tools/ss.js";
import { straceWriter } from "../sys/strace.js";
import { TcpdumpFormatter, tcpdumpLine } from "../tools/tcpdump.js";
import { formatIpv4Address } from "../wire/ipv4-address.js";

/** Pause between a lecture client's connect() and its send: `sockstack demo lecture`'s (src/demo/lecture-scenario.ts). */
export const LAB_LECTURE_SEND_DELAY: Micros = LECTURE_SEND_DELAY;

/** Where the lab's lecture run stops: the demo's last step (`accept`, 6.5 s), after the fourth client's handshake (5.8 s) and the reads. */
export const LAB_LECTURE_END: Micros = ms(6500);

/** One packet at the capture point (the server's eth0), as the lab shows it. */
export interface LabPacket {
  /** Virtual time, µs. */
  t: Micros;
  /** `in` or `out` at the server's eth0. */
  dir: string;
  /** Bytes of the IP datagram. */
  length: number;
  /** The line `tcpdump -nn` prints for it. */
  line: string;
  /** Parsed header fields (the demo's JSON `packet` event fields). */
  fields: PacketFields;
  /** The datagram as captured (a private copy). */
  bytes: Uint8Array;
}

/**
 * Impairments the lab applies to the link, both directions (the sliders).
 * Omitted fields keep what the link has (the lecture's: 50 µs latency,
 * MTU 1500, nothing else).
 */
export interface LabImpairments {
  /** One-way latency, µs. */
  latencyUs?: number;
  /** Uniform jitter, ± µs. */
  jitterUs?: number;
  /** Loss probability, 0–1. */
  loss?: number;
  /** Duplication probability, 0–1. */
  duplicate?: number;
  /** Reordering probability, 0–1. */
  reorder?: number;
  /** Rate, bits/s; 0 = unlimited. */
  rate?: number;
  /** Link MTU, bytes. */
  mtu?: number;
}

/** Something the learner does to the running network (a button or slider of the page). */
export type LabAction =
  | { kind: "configure"; impairments: LabImpairments }
  | { kind: "partition" }
  | { kind: "heal" }
  /** SIGKILL every process of the host (its fds close as exit closes them). */
  | { kind: "kill"; host: string }
  /** The host reboots: a fresh kernel on the same addresses (Network.reboot). */
  | { kind: "reboot"; host: string };

/** An action at the virtual instant it was taken (after everything due at that instant ran). */
export interface LabTimedAction {
  t: Micros;
  action: LabAction;
}

/** The link configuration patch of `imp`. */
function linkPatch(imp: LabImpairments): LinkConfigInput {
  const { latencyUs, jitterUs, loss, duplicate, reorder, rate, mtu } = imp;
  return {
    ...(latencyUs !== undefined ? { latency: latencyUs } : {}),
    ...(jitterUs !== undefined ? { jitter: jitterUs } : {}),
    ...(loss !== undefined ? { loss } : {}),
    ...(duplicate !== undefined ? { duplicate } : {}),
    ...(reorder !== undefined ? { reorder } : {}),
    ...(rate !== undefined ? { rate } : {}),
    ...(mtu !== undefined ? { mtu } : {}),
  };
}

/** The host tools the lab's pane runs, with the arguments the CLI takes. */
export type LabTool = "ss" | "netstat" | "lsof" | "nstat";

/** Each tool's arguments when the learner has typed none. */
export const LAB_TOOL_DEFAULTS: Readonly<Record<LabTool, string>> = {
  ss: "-tanpo",
  netstat: "-tanp",
  lsof: "-nP -i",
  nstat: "-az",
};

/** A socket as the lab's internals view draws it: the snapshot, and its host's virtual time. */
export interface LabSocket extends SocketSnapshot {
  /** The host it lives on. */
  host: string;
}

/** A host of the topology with its interfaces. */
export interface LabTopologyHost {
  name: string;
  interfaces: { name: string; cidrs: string[] }[];
}

/** A link of the topology: its two ends and its impairments (one direction's configuration). */
export interface LabTopologyLink {
  a: { host: string; iface: string };
  b: { host: string; iface: string };
  latencyUs: number;
  jitterUs: number;
  loss: number;
  duplicate: number;
  reorder: number;
  /** bits/s, 0 = unlimited. */
  rate: number;
  /** Link MTU, bytes. */
  mtu: number;
  /** True while the link is partitioned (nothing crosses it). */
  partitioned: boolean;
}

/** Hosts and links of the session's network. */
export interface LabTopology {
  hosts: LabTopologyHost[];
  links: LabTopologyLink[];
}

/** A lecture run the lab can advance and look at. */
export class LabSession {
  /** The simulated network. */
  readonly net: Network;
  /** Hosts by name (`client`, `server`); a reboot replaces the entry. */
  readonly hosts = new Map<string, Host>();
  /** Where the run stops (µs). */
  readonly end: Micros = LAB_LECTURE_END;
  /** The server's eth0, where `sockstack demo lecture` and `sockstack tcpdump` capture. */
  readonly #eth0: Capture;
  /** Both ends of the link, for the ladder. */
  readonly #wire: Capture;
  readonly #packets: LabPacket[] = [];
  /** cwnd/ssthresh/srtt of every TCP connection, sampled when a packet crosses the capture point and something changed; by `local>remote`. */
  readonly #samples = new Map<string, SocketSample[]>();
  /** `strace -f -tt` lines of every process, each prefixed by its host's name. */
  readonly #strace: string[] = [];
  readonly #td = new TcpdumpFormatter();

  /** The link's impairments now: the initial ones with every `configure` action so far applied. */
  impairments: Readonly<LabImpairments>;
  /** The impairments the session started with (its constructor's). */
  readonly initialImpairments: Readonly<LabImpairments>;
  /** True while the link is partitioned. */
  partitioned = false;
  readonly #link: Link;
  /** Actions taken so far, in order (what a replay re-applies). */
  readonly #taken: LabTimedAction[] = [];
  /** Actions still to apply (a replay's script), in time order. */
  readonly #script: LabTimedAction[];

  /**
   * Builds the lecture scenario for `seed`, with `impairments` on the link
   * in both directions from t = 0, and `timeline` re-applied at its
   * instants as the run reaches them (a replay of what a learner did);
   * nothing runs until {@link advanceTo}. The same seed, impairments and
   * timeline give the same packets.
   */
  constructor(readonly seed: number, impairments: LabImpairments = {}, timeline: readonly LabTimedAction[] = []) {
    const sc = lectureScenario({ seed, sendDelay: LAB_LECTURE_SEND_DELAY });
    this.net = sc.net;
    this.#link = sc.link;
    this.impairments = { ...impairments };
    this.initialImpairments = { ...impairments };
    const patch = linkPatch(impairments);
    if (Object.keys(patch).length > 0) sc.link.configure(patch);
    this.#script = [...timeline].sort((a, b) => a.t - b.t);
    this.net.strace(straceWriter((line) => this.#strace.push(line), { host: true }));
    this.hosts.set("client", sc.client);
    this.hosts.set("server", sc.server);
    this.#eth0 = new Capture().attach(sc.link.b, "server");
    this.#eth0.onRecord = (r) => {
      this.#packets.push({ t: r.t, dir: r.dir, length: r.bytes.length, line: this.#td.format(r.bytes, r.t), fields: packetFields(r.bytes), bytes: r.bytes });
      this.#sample(r.t);
    };
    this.#wire = Capture.onLink(sc.link, { a: "client", b: "server" });
  }

  /** The current virtual time (µs). */
  now(): Micros {
    return this.net.now();
  }

  /** True once the run reached {@link end}. */
  get done(): boolean {
    return this.net.now() >= this.end;
  }

  #sample(t: Micros): void {
    for (const h of this.hosts.values()) {
      for (const sock of snapshot(h).sockets) {
        const i = sock.info;
        if (sock.proto !== "tcp" || !i || sock.request) continue;
        const k = `${sock.localAddr}:${sock.localPort}>${sock.remoteAddr}:${sock.remotePort}`;
        let list = this.#samples.get(k);
        if (!list) this.#samples.set(k, (list = []));
        const last = list[list.length - 1];
        if (last && last.cwnd === i.snd_cwnd && last.ssthresh === i.snd_ssthresh && last.srttUs === i.rtt) continue;
        list.push({ t, cwnd: i.snd_cwnd, ssthresh: i.snd_ssthresh, srttUs: i.rtt });
      }
    }
  }

  /** The directions that carried TCP on the server's eth0 so far, sender → receiver (what the plots can show). */
  directions(): PlotDirection[] {
    return plotDirections(this.#packets);
  }

  /** cwnd/ssthresh/srtt of the connection `local` → `remote` (`addr:port` each) over time, as sampled at each packet. */
  samples(local: string, remote: string): readonly SocketSample[] {
    return this.#samples.get(`${local}>${remote}`) ?? [];
  }

  /** The actions taken so far (by {@link act} or replayed from the timeline), in order. */
  get timeline(): readonly LabTimedAction[] {
    return this.#taken;
  }

  /** The scripted actions not reached yet (a replay's future), in time order. */
  get pending(): readonly LabTimedAction[] {
    return this.#script;
  }

  /**
   * Takes `action` now — after everything due at this instant ran — and
   * records it in {@link timeline}, so a new session given that timeline
   * replays the same run.
   */
  async act(action: LabAction): Promise<void> {
    await this.#apply({ t: this.net.now(), action });
  }

  async #apply(a: LabTimedAction): Promise<void> {
    const { action } = a;
    switch (action.kind) {
      case "configure":
        this.impairments = { ...this.impairments, ...action.impairments };
        this.#link.configure(linkPatch(action.impairments));
        break;
      case "partition":
        this.#link.partition();
        this.partitioned = true;
        break;
      case "heal":
        this.#link.heal();
        this.partitioned = false;
        break;
      case "kill": {
        const h = this.hosts.get(action.host);
        if (!h) throw new RangeError(`no host ${action.host}`);
        await Promise.all([...h.processes.values()].map((p) => p.kill()));
        break;
      }
      case "reboot":
        if (!this.hosts.has(action.host)) throw new RangeError(`no host ${action.host}`);
        this.hosts.set(action.host, this.net.reboot(action.host));
        break;
    }
    this.#taken.push({ t: a.t, action: structuredCloneAction(action) });
  }

  /** The time of the next scripted action, or Infinity. */
  #nextScripted(): Micros {
    return this.#script[0]?.t ?? Infinity;
  }

  /** Applies the scripted actions due at the current instant. */
  async #applyDue(): Promise<void> {
    while (this.#script.length > 0 && this.#script[0]!.t <= this.net.now()) await this.#apply(this.#script.shift()!);
  }

  /**
   * Runs the simulation up to and including virtual time `t` (clamped to
   * {@link end}; never backwards): `advanceTo(0)` runs what happens at
   * t = 0 — the server's socket, bind and listen. Scripted actions are
   * applied at their instants on the way.
   */
  async advanceTo(t: Micros): Promise<void> {
    const target = Math.min(t, this.end);
    while (this.#nextScripted() <= target) {
      const at = this.#nextScripted();
      if (at >= this.net.now()) await this.net.advance(at - this.net.now());
      await this.#applyDue();
    }
    if (target >= this.net.now()) await this.net.advance(target - this.net.now());
  }

  /**
   * Runs until the next packet is captured on the server's eth0 (or the
   * end); resolves to that packet, or null at the end. Scripted actions
   * are applied at their instants on the way.
   */
  async stepPacket(): Promise<LabPacket | null> {
    const n = this.#packets.length;
    while (!this.done) {
      const until = Math.min(this.end, this.#nextScripted());
      await this.net.runUntil(() => this.#packets.length > n, { timeout: until - this.net.now() });
      if (this.#packets.length > n) return this.#packets[n]!;
      if (until === this.end) await this.advanceTo(this.end);
      else await this.advanceTo(until);
    }
    return null;
  }

  /** The packets captured on the server's eth0 so far. */
  packets(): readonly LabPacket[] {
    return this.#packets;
  }

  /** `tcpdump -nn -i eth0` on the server: one line per packet so far. */
  tcpdumpLines(): string[] {
    return this.#packets.map((p) => p.line);
  }

  /** `ss ARGS` on `host` now (default `-tanpo`, as the lecture tour shows). */
  ss(host: string, args = "-tanpo"): string {
    const h = this.hosts.get(host);
    if (!h) throw new RangeError(`no host ${host}`);
    return ss(snapshot(h), args);
  }

  /**
   * Packet `i` of the server's eth0 decoded as `tcpdump -nn -v -X` prints
   * it: the verbose header lines, then the datagram in hex and ASCII.
   */
  packetDetail(i: number): string {
    const p = this.#packets[i];
    if (!p) throw new RangeError(`no packet ${i} (${this.#packets.length} captured)`);
    return tcpdumpLine(p.bytes, p.t, { verbose: 1, hex: true });
  }

  /** The server's eth0 capture so far as a pcap file (LINKTYPE_RAW), what `sockstack demo lecture --pcap` writes. */
  pcap(): Uint8Array {
    return pcapFile(this.#packets.map((p) => ({ time: p.t, packet: p.bytes })));
  }

  /**
   * `tool ARGS` on `host` now: exactly the text `sockstack ss|netstat|lsof|nstat`
   * prints (nstat counts since boot: `-a`). Bad arguments throw the
   * tool's one-line reason.
   */
  tool(host: string, tool: LabTool, args: string = LAB_TOOL_DEFAULTS[tool]): string {
    const h = this.hosts.get(host);
    if (!h) throw new RangeError(`no host ${host}`);
    const snap = snapshot(h);
    switch (tool) {
      case "ss": return ss(snap, args);
      case "netstat": return netstat(snap, args);
      case "lsof": return lsof(snap, args);
      case "nstat": return nstat(null, snap, args);
    }
  }

  /** The syscall trace so far (`strace -f -tt`, virtual time) of `host`'s processes, or of every host with the host's name first. */
  straceLines(host?: string): string[] {
    if (host === undefined) return [...this.#strace];
    const p = `${host} `;
    return this.#strace.filter((l) => l.startsWith(p)).map((l) => l.slice(p.length));
  }

  /** The TCP sockets of `host` now (listeners, SYN-queue entries, connections, TIME-WAIT), as the internals view draws them. */
  sockets(host: string): LabSocket[] {
    const h = this.hosts.get(host);
    if (!h) throw new RangeError(`no host ${host}`);
    return snapshot(h).sockets.filter((s) => s.proto === "tcp").map((s) => ({ ...s, host }));
  }

  /** The connections seen on the wire so far, in the order the ladder numbers them. */
  connections(): string[] {
    return ladderConnections(this.#wire.packets);
  }

  /** The ladder (SVG document) of the wire so far: every connection, or the one numbered `connection`. */
  ladderSvg(connection?: number): string {
    return ladderSvg(this.#wire.packets, connection === undefined ? {} : { connection });
  }

  /** The hosts, interfaces and links of the network. */
  topology(): LabTopology {
    const hosts: LabTopologyHost[] = [];
    const where = new Map<unknown, { host: string; iface: string }>();
    for (const [name, h] of this.net.hosts) {
      const interfaces = h.ip.interfaces.filter((i) => i !== h.ip.loopback).map((i) => {
        where.set(i.device, { host: name, iface: i.name });
        return { name: i.name, cidrs: i.addresses.map((a) => `${formatIpv4Address(a.addr)}/${a.prefixLen}`) };
      });
      hosts.push({ name, interfaces });
    }
    const links = this.net.links.map((l): LabTopologyLink => {
      const c = l.aToB.config;
      return {
        a: where.get(l.a) ?? { host: "?", iface: l.a.name },
        b: where.get(l.b) ?? { host: "?", iface: l.b.name },
        latencyUs: c.latency, jitterUs: c.jitter, loss: c.loss, duplicate: c.duplicate, reorder: c.reorder, rate: c.rate,
        mtu: c.mtu, partitioned: l === this.#link && this.partitioned,
      };
    });
    return { hosts, links };
  }
}

/** A copy of `a` (the timeline keeps its own, whatever the caller does with the object it passed). */
function structuredCloneAction(a: LabAction): LabAction {
  return a.kind === "configure" ? { kind: "configure", impairments: { ...a.impairments } } : { ...a };
}

/**
 * Runs a whole lecture session headless and returns its tcpdump lines (the
 * bundle's self-check, compared with `sockstack demo lecture` in tests).
 * @example const lines = await runLectureHeadless(0);
 */
export async function runLectureHeadless(seed: number): Promise<string[]> {
  const s = new LabSession(seed);
  await s.advanceTo(s.end);
  return s.tcpdumpLines();
}
