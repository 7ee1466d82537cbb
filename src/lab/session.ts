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
import type { Network } from "../sim/network.js";
import { Capture } from "../tools/capture.js";
import { ladderConnections, ladderSvg } from "../tools/ladder.js";
import { LECTURE_SEND_DELAY, lectureScenario } from "../demo/lecture-scenario.js";
import { packetFields, type PacketFields } from "../tools/packet-fields.js";
import { snapshot } from "../tools/snapshot.js";
import { ss } from "../tools/ss.js";
import { TcpdumpFormatter } from "../tools/tcpdump.js";
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
  /** Hosts by name (`client`, `server`). */
  readonly hosts: ReadonlyMap<string, Host>;
  /** Where the run stops (µs). */
  readonly end: Micros = LAB_LECTURE_END;
  /** The server's eth0, where `sockstack demo lecture` and `sockstack tcpdump` capture. */
  readonly #eth0: Capture;
  /** Both ends of the link, for the ladder. */
  readonly #wire: Capture;
  readonly #packets: LabPacket[] = [];
  readonly #td = new TcpdumpFormatter();

  /** Builds the lecture scenario for `seed`; nothing runs until {@link advanceTo}. */
  constructor(readonly seed: number) {
    const sc = lectureScenario({ seed, sendDelay: LAB_LECTURE_SEND_DELAY });
    this.net = sc.net;
    this.hosts = new Map([["client", sc.client], ["server", sc.server]]);
    this.#eth0 = new Capture().attach(sc.link.b, "server");
    this.#eth0.onRecord = (r) => {
      this.#packets.push({ t: r.t, dir: r.dir, length: r.bytes.length, line: this.#td.format(r.bytes, r.t), fields: packetFields(r.bytes) });
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

  /**
   * Runs the simulation up to and including virtual time `t` (clamped to
   * {@link end}; never backwards): `advanceTo(0)` runs what happens at
   * t = 0 — the server's socket, bind and listen.
   */
  async advanceTo(t: Micros): Promise<void> {
    const target = Math.min(t, this.end);
    if (target >= this.net.now()) await this.net.advance(target - this.net.now());
  }

  /**
   * Runs until the next packet is captured on the server's eth0 (or the
   * end); resolves to that packet, or null at the end.
   */
  async stepPacket(): Promise<LabPacket | null> {
    const n = this.#packets.length;
    if (this.done) return null;
    await this.net.runUntil(() => this.#packets.length > n, { timeout: this.end - this.net.now() });
    if (this.#packets.length > n) return this.#packets[n]!;
    await this.advanceTo(this.end);
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
      };
    });
    return { hosts, links };
  }
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
