/**
 * A lab session: one `sockstack demo` scenario (the lecture by default) run
 * on virtual time under the page's control, with the data the lab's views
 * draw at the current instant — the packets of the scenario's capture point
 * with their tcpdump line and parsed fields, the narration so far, `ss`,
 * netstat, lsof, nstat and strace per host, the sockets' internals, a
 * ladder diagram of the wire, plots, and the topology.
 *
 * The scenario runs exactly as `sockstack demo NAME` runs it (same seed,
 * same packets); the session only paces it: a {@link Pacer} on the
 * network's virtual-time driver holds the run before the clock passes the
 * instant the page asked for, so the views read the hosts between instants.
 * What the learner does — link changes, a partition, a killed server, a
 * rebooted client — is taken at the current instant and recorded in a
 * timeline; a new session given that timeline replays the same run.
 *
 * Pure TypeScript over the core, src/tools and src/demo: no Node built-ins,
 * no ambient clock, so the same code runs in the browser page (bundled by
 * `sockstack lab`) and in tests.
 *
 * @example
 * const s = new LabSession(0);
 * await s.advanceTo(ms(2000));
 * s.ss("server");       // four connections, the fourth client's SYN dropped
 * s.tcpdumpLines();     // what `sockstack demo lecture` printed so far
 */
import type { Micros } from "../core/time.js";
import { DemoContext } from "../demo/context.js";
import type { DemoEvent } from "../demo/events.js";
import { SCENARIOS } from "../demo/registry.js";
import type { Host } from "../host/host.js";
import { TcpState } from "../tcp/tcp-state.js";
import type { Network } from "../sim/network.js";
import { straceWriter } from "../sys/strace.js";
import { LadderBuilder } from "../tools/ladder.js";
import { ladderSvg } from "../tools/ladder-svg.js";
import { lsof } from "../tools/lsof.js";
import { netstat } from "../tools/netstat.js";
import { nstat } from "../tools/nstat.js";
import { snapshot, type SocketSnapshot } from "../tools/snapshot.js";
import { ss } from "../tools/ss.js";
import { tcpdumpLine } from "../tools/tcpdump.js";
import { LAB_ONLY_SCENARIOS, programScenario, type LabScenario } from "./lab-scenarios.js";
import type { ProgramLanguage } from "./program.js";
import { plotDirections, type PlotDirection, type PlotPacket, type SocketSample } from "./plots.js";
import { packetFields } from "../tools/packet-fields.js";
import type { CaptureRecord } from "../tools/capture.js";
import { copyAction, linkPatch, type LabAction, type LabImpairments, type LabTimedAction } from "./actions.js";
import { PacketLog, type LabPacket } from "./packet-log.js";
import { ProcessTracker, type LabProcess } from "./processes.js";
import { labTopology, type LabTopology } from "./topology.js";
import { HostCaptures, type HostTcpdumpView } from "./host-tcpdump.js";

/** The scenarios the lab offers: every `sockstack demo` scenario but the heavy ones (80,000 connections), the lecture first, then the lab's own (chats, bulk). */
export const LAB_SCENARIOS: readonly LabScenario[] = [...SCENARIOS.filter((s) => !s.heavy), ...LAB_ONLY_SCENARIOS];

/** The name a session running a program typed in the page carries. */
export const LAB_PROGRAM_NAME = "your program";

/** Options of a {@link LabSession}. */
export interface LabSessionOptions {
  /** The scenario to run, one of {@link LAB_SCENARIOS} (default `lecture`). */
  scenario?: string;
  /** Instead of a scenario: a program (src/lab/program.ts) run on the two-host network. */
  program?: string;
  /** The language of {@link program}: `ts` (the editor's; the TypeScript chunk is loaded on first use) or `js` (default). */
  language?: ProgramLanguage;
  /** Impairments from t = 0: of link {@link link}, or of every link. */
  impairments?: LabImpairments;
  /** The link (index in the network's links) the initial impairments apply to; absent: every link. */
  link?: number;
  /** Actions to re-apply at their instants (a replay). */
  timeline?: readonly LabTimedAction[];
}

/**
 * Where the ladder and the plots look when the learner picked a point in
 * the tcpdump pane: that host, and the pane's arguments (`-i IFACE` or
 * `-i any`, and its filter) — they show the packets the pane lists.
 */
export interface LabViewPoint {
  host: string;
  args: string;
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

/** A socket as the lab's internals view draws it: the snapshot, its host, and a connection's sequence variables. */
export interface LabSocket extends SocketSnapshot {
  /** The host it lives on. */
  host: string;
  /**
   * A connection's sequence space (not a listener's, a request sock's or a
   * TIME-WAIT's): snd.una, snd.nxt relative to its ISS, rcv.nxt relative
   * to the peer's (IRS), as tcpdump's relative numbers; the out-of-order
   * queue as [start, end) ranges relative to the IRS, and its bytes.
   */
  seq?: { iss: number; irs: number; sndUna: number; sndNxt: number; rcvNxt: number; ooo: [number, number][]; oooBytes: number };
}

/**
 * The most packets the lab's ladder draws: the last ones. A whole
 * 10,000-packet ladder takes seconds to lay out in Chromium (BENCHMARKS.md,
 * lab-ladder); 1,000 stays well under the second the issue allows.
 */
export const LAB_LADDER_WINDOW = 1000;

/** The least virtual time between two cwnd/ssthresh/srtt samples (1 ms): the plots' resolution. */
export const SAMPLE_EVERY: Micros = 1000;

export class LabSession {
  /** The scenario running. */
  readonly scenario: LabScenario;
  /** The impairments the session started with (applied from t = 0 to {@link initialLink}, or to every link). */
  readonly initialImpairments: Readonly<LabImpairments>;
  /** The link the initial impairments apply to (undefined: every link). */
  readonly initialLink: number | undefined;
  /** The narration and observation events so far, as `sockstack demo NAME --json` reports them. */
  readonly events: DemoEvent[] = [];
  /** The events the narration pane prints (titles, prose, commands and their output, syscalls, captures, ladders): {@link events} without packets, states, drops and snapshots. */
  readonly narration: DemoEvent[] = [];
  readonly #ctx: DemoContext;
  #net: Network | null = null;
  #run: Promise<void> | null = null;
  #finished = false;
  #error: unknown = null;
  /** The current advance's budget: true means hold now. */
  #stop: (() => boolean) | null = null;
  /** The instant the page asked for: the run is held before the clock passes it. */
  #target: Micros = -1;
  /** Resolves the pacer's hold (the run goes on). */
  #release: (() => void) | null = null;
  /** Waiters for "held past the target, or finished". */
  #reached: (() => void)[] = [];
  /** The capture point's packets, as the lab shows them. */
  readonly #log = new PacketLog();
  /** The capture point's packets so far (collected up to the last {@link #collect}). */
  readonly #packets: readonly LabPacket[] = this.#log.packets;
  /** cwnd/ssthresh/srtt of every TCP connection, sampled when the clock moves after new packets were captured (and a value changed); by `local>remote`. */
  readonly #samples = new Map<string, SocketSample[]>();
  /** `strace -f -tt` lines of every process, each prefixed by its host's name. */
  readonly #strace: string[] = [];
  /** Actions taken so far, in order (what a replay re-applies). */
  readonly #taken: LabTimedAction[] = [];
  /** Actions still to apply (a replay's script), in time order. */
  readonly #script: LabTimedAction[];

  /**
   * Builds the session for `seed` (the scenario's network seed) — nothing
   * runs until {@link advanceTo}. `opts.impairments` apply to every link
   * from t = 0, and `opts.timeline` is re-applied at its instants as the
   * run reaches them (a replay of what a learner did). The same seed,
   * scenario, impairments and timeline give the same packets.
   */
  constructor(readonly seed: number, opts: LabSessionOptions = {}) {
    if (opts.program !== undefined) {
      this.scenario = programScenario(LAB_PROGRAM_NAME, opts.program, opts.language ?? "js");
    } else {
      const name = opts.scenario ?? "lecture";
      const sc = LAB_SCENARIOS.find((x) => x.name === name);
      if (!sc) throw new RangeError(`no scenario '${name}' (${LAB_SCENARIOS.map((x) => x.name).join(", ")})`);
      this.scenario = sc;
    }
    this.initialImpairments = { ...opts.impairments };
    this.initialLink = opts.link;
    this.#script = [...(opts.timeline ?? [])].sort((a, b) => a.t - b.t);
    this.#ctx = new DemoContext(seed, (e) => {
      this.events.push(e);
      if (e.kind === "packet") this.#log.event(e);
      else if (e.kind !== "state" && e.kind !== "drop" && e.kind !== "snapshot") this.narration.push(e);
    }, { onNetwork: (net) => this.#adopt(net) });
  }

  /** The scenario's network once it built one (null before the first advance). */
  get net(): Network | null {
    return this.#net;
  }

  /** The hosts by name (a reboot replaces an entry); empty before the scenario built its network. */
  get hosts(): ReadonlyMap<string, Host> {
    return this.#net?.hosts ?? new Map<string, Host>();
  }

  /** The current virtual time (µs). */
  now(): Micros {
    return this.#net?.now() ?? 0;
  }

  /** True once the scenario's run ended (its last step done). */
  get done(): boolean {
    return this.#finished;
  }

  /** The error the scenario's run failed with, if it did. */
  get error(): unknown {
    return this.#error;
  }

  /** A network the scenario adopted: observe it, impair its links, pace it. */
  #adopt(net: Network): void {
    this.#net = net;
    net.strace(straceWriter((line) => this.#strace.push(line), { host: true }));
    net.strace((ev) => this.#procs.track(ev));
    const patch = linkPatch(this.initialImpairments);
    if (Object.keys(patch).length > 0) for (const l of this.#links(this.initialLink, net)) l.configure(patch);
    this.#hostCaps.watch(net);
    net.driver.setPacer((next, holdAt) => this.#pace(next, holdAt));
  }

  /** Every interface of every host, captured from the network's adoption on: the per-host tcpdump pane. */
  readonly #hostCaps = new HostCaptures();

  /** The pacer: scripted actions at their instants, then hold before the clock passes the target. */
  #pace(next: Micros, holdAt: (t: Micros) => void): Promise<void> | void {
    const net = this.#net!;
    this.#collect();
    this.#hostCaps.watch(net); // hosts and interfaces the scenario added since
    // cwnd, ssthresh and srtt move when segments do: sample only after the capture saw some.
    // At most once per SAMPLE_EVERY of virtual time: a bulk transfer moves cwnd on every ACK, the plot needs far fewer points.
    if (this.#packets.length !== this.#sampledAt && net.now() - this.#sampledT >= SAMPLE_EVERY) {
      this.#sampledAt = this.#packets.length;
      this.#sampledT = net.now();
      this.#sample(net.now());
    }
    // A scripted action is due once everything at its instant ran (as when it was taken): before the clock passes it.
    const a = this.#script[0];
    if (a && a.t < next && a.t <= this.#target) {
      if (a.t > net.now()) holdAt(a.t);
      this.#script.shift();
      return this.#apply(a);
    }
    if (next <= this.#target && !this.#stop?.()) return;
    if (next <= this.#target) this.#target = net.now(); // the caller's budget is spent: held here, short of its target
    if (this.#target > net.now()) holdAt(this.#target);
    return new Promise<void>((resolve) => {
      this.#release = resolve;
      this.#wake();
    });
  }

  /** Resolves the waiters of {@link advanceTo}. */
  #wake(): void {
    const w = this.#reached.splice(0);
    for (const f of w) f();
  }

  /** The processes the run started, with their screens. */
  readonly #procs = new ProcessTracker(() => this.#net);

  /** Every process the run started (that made a system call), with its screen, in start order. */
  processes(): LabProcess[] {
    return this.#procs.list();
  }

  /** Resumes the run when it waits for the learner's input (set while it does). */
  #inputWait: (() => void) | null = null;

  /** True while the run is idle with a process reading its terminal: it goes on when a line is typed (a `stdin` action). */
  get waitingForInput(): boolean {
    return this.#inputWait !== null;
  }

  /** The scenario's hooks: wait for input, applying a replay's scripted actions due at this instant first. */
  readonly #hooks = {
    waitInput: async (): Promise<void> => {
      this.#collect();
      for (let a = this.#script[0]; a && a.t <= this.now(); a = this.#script[0]) {
        this.#script.shift();
        await this.#apply(a);
        if (a.action.kind === "stdin") return;
      }
      await new Promise<void>((resolve) => {
        this.#inputWait = resolve;
        this.#wake();
      });
    },
  };

  /** Takes the capture point's new records into the packet log. */
  #collect(): void {
    const cap = this.#ctx.captures[0];
    if (cap) this.#log.collect(cap);
  }

  /** How many packets had been captured at the last sample. */
  #sampledAt = -1;
  /** When the last sample was taken. */
  #sampledT = -Infinity;

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

  /**
   * Runs the scenario up to and including virtual time `t` (never
   * backwards) and resolves once it is held there — or once the scenario
   * ended. `advanceTo(0)` runs what happens at t = 0. Scripted actions are
   * applied at their instants on the way.
   */
  async advanceTo(t: Micros, opts: { stop?: () => boolean } = {}): Promise<void> {
    if (this.#finished) return;
    this.#stop = opts.stop ?? null;
    this.#target = Math.max(this.#target, t);
    if (this.#inputWait) {
      this.#collect(); // held until a line is typed
      return;
    }
    const reached = new Promise<void>((resolve) => this.#reached.push(resolve));
    if (!this.#run) {
      const sc = this.scenario;
      this.#run = (sc.runLab ? sc.runLab(this.#ctx, this.#hooks) : sc.run(this.#ctx)).then(
        () => { this.#finished = true; },
        (e: unknown) => { this.#finished = true; this.#error = e; },
      ).finally(() => {
        this.#collect();
        if (this.#net) this.#sample(this.#net.now());
        this.#wake();
      });
    } else {
      const r = this.#release;
      this.#release = null;
      r?.();
    }
    await reached;
    this.#collect();
  }

  /**
   * Runs until the next packet is captured (or the end); resolves to that
   * packet, or null at the end. Scripted actions are applied on the way.
   * Packets captured at the same instant as that one are taken with it
   * (the run stops between instants, not inside one).
   */
  async stepPacket(): Promise<LabPacket | null> {
    this.#collect();
    const n = this.#packets.length;
    while (this.#packets.length <= n && !this.#finished && !this.#inputWait) {
      // Hold at the next instant something is due, one instant at a time.
      const next = this.#net?.scheduler.nextDeadline() ?? -1;
      await this.advanceTo(Math.max(this.now() + 1, next));
    }
    return this.#packets[n] ?? null;
  }

  /** The directions that carried TCP so far, sender → receiver (what the plots can show): at the capture point, or at `point`. */
  directions(point?: LabViewPoint): PlotDirection[] {
    return plotDirections(point ? this.plotPackets(point) : this.packets());
  }

  /** Plot packets of the points the plots followed: the view's records, their fields decoded once. */
  readonly #pointPlots = new Map<string, { records: readonly CaptureRecord[]; packets: PlotPacket[] }>();

  /**
   * What the plots read: the capture point's packets, or those `tcpdump
   * ARGS` shows on `point`'s host (its interface and filter). Throws what
   * tcpdump says for bad arguments.
   */
  plotPackets(point?: LabViewPoint): readonly PlotPacket[] {
    if (!point) return this.packets();
    const records = this.#hostCaps.view(point.host, point.args).records;
    const key = `${point.host}\0${point.args}`;
    let c = this.#pointPlots.get(key);
    if (!c || c.records !== records) {
      if (this.#pointPlots.size >= 4) this.#pointPlots.delete(this.#pointPlots.keys().next().value!);
      this.#pointPlots.set(key, (c = { records, packets: [] }));
    }
    for (let i = c.packets.length; i < records.length; i++) c.packets.push({ t: records[i]!.t, fields: packetFields(records[i]!.bytes) });
    return c.packets;
  }

  /** cwnd/ssthresh/srtt of the connection `local` → `remote` (`addr:port` each) over time. */
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
   * replays the same run. Resolves once its effects at this instant settled.
   */
  async act(action: LabAction): Promise<void> {
    if (!this.#net) await this.advanceTo(0);
    if (this.#finished) return;
    await this.#apply({ t: this.now(), action });
    const w = this.#inputWait;
    if (w) {
      // The run was waiting for input: let it go on until it holds (or waits) again.
      const reached = new Promise<void>((resolve) => this.#reached.push(resolve));
      this.#inputWait = null;
      w();
      await reached;
      this.#collect();
      return;
    }
    // Let the run settle this instant (the driver sees the change), then hold again here.
    const r = this.#release;
    if (r) {
      const reached = new Promise<void>((resolve) => this.#reached.push(resolve));
      this.#release = null;
      r();
      await reached;
    }
    this.#collect();
  }

  /** Link `i` of `net` (RangeError when there is none), or every link when `i` is undefined. */
  #links(i: number | undefined, net: Network): Network["links"] {
    if (i === undefined) return net.links;
    const l = net.links[i];
    if (!l) throw new RangeError(`no link ${i} (the network has ${net.links.length})`);
    return [l];
  }

  /** True while link `link` (or, when absent, every link) is partitioned. */
  partitioned(link?: number): boolean {
    const links = this.#net ? (link === undefined ? this.#net.links : this.#net.links.slice(link, link + 1)) : [];
    return links.length > 0 && links.every((l) => l.aToB.partitioned && l.bToA.partitioned);
  }

  async #apply(a: LabTimedAction): Promise<void> {
    const { action } = a;
    const net = this.#net!;
    switch (action.kind) {
      case "configure":
        for (const l of this.#links(action.link, net)) l.configure(linkPatch(action.impairments));
        break;
      case "partition":
        for (const l of this.#links(action.link, net)) l.partition();
        break;
      case "heal":
        for (const l of this.#links(action.link, net)) l.heal();
        break;
      case "kill": {
        const h = net.hosts.get(action.host);
        if (!h) throw new RangeError(`no host ${action.host}`);
        await Promise.all([...h.processes.values()].map((p) => p.kill()));
        break;
      }
      case "reboot":
        if (!net.hosts.has(action.host)) throw new RangeError(`no host ${action.host}`);
        net.reboot(action.host);
        break;
      case "stdin": {
        const p = net.hosts.get(action.host)?.processes.get(action.pid);
        if (!p) throw new RangeError(`no process ${action.pid} on ${action.host}`);
        if (action.line === null) p.stdin.end();
        else p.stdin.write(`${action.line}\n`);
        break;
      }
    }
    this.#taken.push({ t: a.t, action: copyAction(action) });
  }

  /** The packets captured at the capture point so far. */
  packets(): readonly LabPacket[] {
    this.#collect();
    return this.#packets;
  }

  /** Where the packets are captured: `host` and `iface` (the scenario's first capture), or null before it starts one. */
  capturePoint(): { host: string; iface: string } | null {
    const c = this.#ctx.captures[0];
    return c ? { host: c.host, iface: c.iface } : null;
  }

  /** `tcpdump -nn -i IFACE` on the capture point: one line per packet so far. */
  tcpdumpLines(): string[] {
    return this.packets().map((p) => p.line);
  }

  /**
   * `tcpdump ARGS` on `host` (ARGS as typed: `-nn -i eth0 tcp port 9090`,
   * `-i any -v`, …): every packet any of its interfaces saw so far that the
   * arguments select, as `sockstack tcpdump` prints them. Without `-i`, its
   * first interface other than loopback. Throws tcpdump's reason for bad
   * arguments.
   */
  tcpdump(host: string, args = "-nn"): HostTcpdumpView {
    return this.#hostCaps.view(host, args);
  }

  /** Packet `i` of `tcpdump ARGS` on `host`, decoded as `tcpdump -nn -S -v -X` prints it. */
  tcpdumpDetail(host: string, args: string, i: number): string {
    return this.#hostCaps.detail(this.#hostCaps.view(host, args), i);
  }

  /** The packets `tcpdump ARGS` on `host` shows, as a pcap file (what `sockstack tcpdump -w` writes). */
  tcpdumpPcap(host: string, args: string): Uint8Array {
    return this.#hostCaps.pcap(this.#hostCaps.view(host, args));
  }

  /** `ss ARGS` on `host` now (default `-tanpo`, as the lecture tour shows). */
  ss(host: string, args = "-tanpo"): string {
    return this.tool(host, "ss", args);
  }

  /**
   * Packet `i` of the capture point decoded as `tcpdump -nn -S -v -X`
   * prints it: the verbose header lines, then the datagram in hex and ASCII.
   */
  packetDetail(i: number): string {
    return this.#log.detail(i);
  }

  /** The capture point's packets so far as a pcap file (LINKTYPE_RAW), what `sockstack demo NAME --pcap` writes. */
  pcap(): Uint8Array {
    this.#collect();
    return this.#log.pcap();
  }

  /**
   * `tool ARGS` on `host` now: exactly the text `sockstack ss|netstat|lsof|nstat`
   * prints (nstat counts since boot). Bad arguments throw the tool's
   * one-line reason.
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
    const snap = snapshot(h).sockets;
    // snapshot() lists the host's TCP sockets in host.tcp.all() order first: pair each connection with its TCB.
    const tcbs = [...h.tcp.all()];
    return snap.filter((x) => x.proto === "tcp").map((x, i): LabSocket => {
      const t = tcbs[i];
      if (!t || !("sndUna" in t) || x.request || x.listen || x.state === TcpState.TIME_WAIT || t.localPort !== x.localPort || t.remotePort !== x.remotePort) return { ...x, host };
      const rel = (v: number, base: number) => (v - base) >>> 0;
      const ooo = t.ooo && !t.ooo.isEmpty ? t.ooo.ranges().map(([a, b]): [number, number] => [rel(a, t.irs), rel(b, t.irs)]) : [];
      return { ...x, host, seq: { iss: t.iss >>> 0, irs: t.irs >>> 0, sndUna: rel(t.sndUna, t.iss), sndNxt: rel(t.sndNxt, t.iss), rcvNxt: rel(t.rcvNxt, t.irs), ooo, oooBytes: t.ooo?.bytes ?? 0 } };
    });
  }

  /** The ladder's arrows, built as the wire capture grows (each packet decoded once), and the capture they come from. */
  #ladder: { cap: unknown; b: LadderBuilder } | null = null;
  /** The ladders of the points the ladder followed, by host and arguments, with the records they were built from. */
  readonly #pointLadders = new Map<string, { records: readonly CaptureRecord[]; b: LadderBuilder }>();

  /**
   * The ladder builder, brought up to the last packet: of the wire capture
   * (both ends of the scenario's link), or of what `tcpdump ARGS` shows on
   * `point`'s host. Throws what tcpdump says for bad arguments.
   */
  #ladderBuilder(point?: LabViewPoint): LadderBuilder {
    if (point) {
      const records = this.#hostCaps.view(point.host, point.args).records;
      const key = `${point.host}\0${point.args}`;
      let l = this.#pointLadders.get(key);
      if (!l || l.records !== records) {
        if (this.#pointLadders.size >= 4) this.#pointLadders.delete(this.#pointLadders.keys().next().value!);
        this.#pointLadders.set(key, (l = { records, b: new LadderBuilder() }));
      }
      l.b.add(records);
      return l.b;
    }
    const cap = this.#ctx.wireCapture;
    if (!this.#ladder || this.#ladder.cap !== cap) this.#ladder = { cap, b: new LadderBuilder() };
    this.#ladder.b.add(cap?.packets ?? []);
    return this.#ladder.b;
  }

  /** How many arrows the ladder has so far: of the wire, or of `point`. */
  ladderCount(point?: LabViewPoint): number {
    return this.#ladderBuilder(point).count();
  }

  /** The connections seen so far, in the order the ladder numbers them: on the wire, or at `point`. */
  connections(point?: LabViewPoint): string[] {
    return [...this.#ladderBuilder(point).connections()];
  }

  /**
   * The ladder (SVG document) of the wire so far (or of what `point`
   * shows, see {@link LabViewPoint}) — its last
   * {@link LAB_LADDER_WINDOW} packets —, drops and state changes marked:
   * every connection, or the one numbered `connection`; with `visible`,
   * only the rows between those y coordinates are drawn (a scrolled view).
   */
  ladderSvg(connection?: number, visible?: { top: number; bottom: number }, point?: LabViewPoint): string {
    return ladderSvg(this.#ladderBuilder(point), {
      drops: this.#ctx.drops, states: this.#ctx.states, lanes: true, last: LAB_LADDER_WINDOW, packetIds: true,
      ...(connection === undefined ? {} : { connection }),
      ...(visible ? { visible } : {}),
    });
  }

  /**
   * The ladder's arrow numbered `i` (its `data-pkt`) decoded as `tcpdump
   * -nn -S -v -X` prints it, as seen where it was first captured (leaving
   * its sender when both ends were captured).
   */
  ladderPacketDetail(i: number, point?: LabViewPoint): string {
    const r = this.#ladderBuilder(point).record(i);
    if (!r) throw new RangeError(`no arrow ${i} in the ladder`);
    return tcpdumpLine(r.bytes, r.t, { verbose: 1, hex: true });
  }

  /** The hosts, interfaces and links of the network (empty before the scenario built it). */
  topology(): LabTopology {
    return this.#net ? labTopology(this.#net) : { hosts: [], links: [] };
  }

}


/**
 * Runs a whole scenario headless and returns its tcpdump lines (the
 * bundle's self-check, compared with `sockstack demo NAME --json` in tests).
 * @example const lines = await runScenarioHeadless(0, "lecture");
 */
export async function runScenarioHeadless(seed: number, scenario = "lecture"): Promise<string[]> {
  const s = new LabSession(seed, { scenario });
  await s.advanceTo(Infinity);
  if (s.error) throw s.error;
  return s.tcpdumpLines();
}
