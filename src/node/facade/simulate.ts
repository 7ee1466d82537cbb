/**
 * `simulate()`: a flaky-network test in one call (issue 14 item 4). It
 * builds a seeded network of named hosts joined by links, records every
 * packet and system call, runs the test body on virtual time until its
 * promise settles, and when the body fails (or runs out of virtual time)
 * writes what is needed to understand the failure into one folder — a
 * pcap per link, a ladder diagram, `ss`/`netstat` of every host, the
 * syscall trace, what was still pending — and adds
 * `replay with SOCKSTACK_SEED=…` to the error. A fault timeline runs
 * inside the simulation: `at(sec(3), () => link.partition())`.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Timer } from "../../core/scheduler.js";
import { sec, type Micros } from "../../core/time.js";
import type { Host } from "../../host/host.js";
import { Network, type NetworkLink, type NetworkLinkOptions } from "../../sim/network.js";
import { straceWriter } from "../../sys/strace.js";
import { Capture } from "../../tools/capture.js";
import { ladderText } from "../../tools/ladder-text.js";
import { netstat } from "../../tools/netstat.js";
import { snapshot } from "../../tools/snapshot.js";
import { ss } from "../../tools/ss.js";
import { nodeOn, type NodeOn } from "./index.js";
import { virtualTimers, type VirtualTimers } from "./virtual-timers.js";
import { seededMathRandom, type SeededRandom } from "./seeded-random.js";
import { interceptionInstalled, uninstallInterception } from "./intercept.js";

/** What the test body of {@link simulate} gets. */
export interface SimulateContext {
  /** The network (its clock, `run`, `advance`, `reboot`…). */
  net: Network;
  /** The hosts by name (read live: after `reboot(name)` the entry is the new host). */
  hosts: Readonly<Record<string, Host>>;
  /** The links by `"a-b"` name, in the order given. */
  links: Readonly<Record<string, NetworkLink>>;
  /** Node's modules on a host (by object or name): `node("api").http.createServer(…)`. */
  node(host: Host | string): NodeOn;
  /** Runs `fn` at virtual time `t` (µs since the start): the fault timeline. */
  at(t: Micros, fn: () => void): void;
  /** Reboots a host at once: its sockets are gone, and old connections get RST from the new one. */
  reboot(name: string): Host;
  /**
   * Crashes a host at once, without reboot: it stops answering (no RST,
   * no FIN: packets to it vanish, its timers stop, its programs' pending
   * calls never return), as a machine that lost power. Peers find out by
   * their own timeouts. `reboot(name)` brings up a fresh kernel later.
   */
  crash(name: string): void;
  /**
   * Interception: runs `fn` with Node's own `net`, `http`, `https`, `tls`,
   * `dns`, `dgram`, `http2` and `fetch` bound to host `name` (for `fn` and
   * everything it starts). Undone when simulate() returns.
   */
  run<R>(name: string, fn: () => R): R;
  /** The seed of this run. */
  seed: number;
}

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /** The seed (default: the SOCKSTACK_SEED environment variable, else 1). */
  seed?: number;
  /** Host names (default `["client", "server"]`). */
  hosts?: string[];
  /** Links as `[a, b, options]` (default: each host linked to the next, 1 ms latency). */
  links?: [string, string, NetworkLinkOptions?][];
  /** Virtual time the body may take before it fails (default 600 s). */
  timeout?: Micros;
  /** Install virtual application timers (setTimeout, Date) for the run (default false). */
  virtualTimers?: boolean;
  /**
   * Draw `Math.random` from the seed for the run (default true), so that
   * libraries' ids and jitter repeat with the seed. node:crypto's random
   * bytes stay real (docs/node.md, "What is deterministic").
   */
  seedMathRandom?: boolean;
  /**
   * Where failure artefacts go: a folder path (created), or false for none.
   * Default: the SOCKSTACK_ARTEFACTS environment variable, else a new
   * folder under the system's temporary directory.
   */
  artefacts?: string | false;
  /** Syscall trace lines kept (the most recent; default 20 000): memory stays bounded. */
  traceLines?: number;
  /** Where to report the replay line and the artefact folder on failure (default: nowhere; the error carries both). */
  log?: (line: string) => void;
}

/** The error {@link simulate} throws: the body's error, with the seed and the artefact folder. */
export class SimulationFailure extends Error {
  constructor(message: string, readonly seed: number, readonly artefacts: string | null, options?: ErrorOptions) {
    super(message, options);
    this.name = "SimulationFailure";
  }
}

function defaultSeed(): number {
  const env = process.env.SOCKSTACK_SEED;
  if (env === undefined || env === "") return 1;
  const n = Number(env);
  if (!Number.isSafeInteger(n)) throw new TypeError(`SOCKSTACK_SEED=${env}: not an integer`);
  return n;
}

/**
 * Runs `body` on a fresh simulated network and resolves with its result.
 * On failure (a throw, a rejection, or `timeout` of virtual time) it
 * writes the artefacts and rejects with a {@link SimulationFailure} whose
 * message ends with `replay with SOCKSTACK_SEED=<seed>`.
 * @example
 * await simulate(async ({ node, links, at }) => {
 *   node("server").http.createServer((_q, r) => r.end("ok")).listen(80);
 *   at(sec(1), () => links["client-server"]!.link.configure({ loss: 0.1 }));
 *   const res = await node("client").fetch("http://server/");
 *   return res.status;
 * }, { seed: 7 });
 */
export async function simulate<T>(body: (ctx: SimulateContext) => Promise<T>, opts: SimulateOptions = {}): Promise<T> {
  const seed = opts.seed ?? defaultSeed();
  const names = opts.hosts ?? ["client", "server"];
  const net = new Network({ seed, driver: { warn: () => {} } });
  for (const n of names) net.addHost(n);
  const linkSpecs = opts.links ?? names.slice(1).map((n, i): [string, string, NetworkLinkOptions?] => [names[i]!, n, { latency: 1000 }]);
  const links: Record<string, NetworkLink> = {};
  const captures: [string, Capture][] = [];
  for (const [a, b, o] of linkSpecs) {
    const l = net.link(net.host(a), net.host(b), o ?? {});
    links[`${a}-${b}`] = l;
    captures.push([`${a}-${b}`, Capture.onLink(l.link, { a, b })]);
  }
  const maxLines = opts.traceLines ?? 20_000;
  const trace: string[] = [];
  let dropped = 0;
  const writer = straceWriter((line) => {
    trace.push(line);
    if (trace.length > maxLines) {
      trace.shift();
      dropped++;
    }
  }, { host: true });
  const stopTrace = net.strace(writer);
  const hosts = new Proxy({} as Record<string, Host>, {
    get: (_t, k) => (typeof k === "string" && net.hosts.has(k) ? net.hosts.get(k) : undefined),
    has: (_t, k) => typeof k === "string" && net.hosts.has(k),
    ownKeys: () => [...net.hosts.keys()],
    getOwnPropertyDescriptor: (_t, k) => (typeof k === "string" && net.hosts.has(k) ? { enumerable: true, configurable: true, value: net.hosts.get(k) } : undefined),
  });
  const crashed = new Set<Host>();
  const ctx: SimulateContext = {
    net,
    hosts,
    links,
    seed,
    node: (h) => nodeOn(typeof h === "string" ? net.host(h) : h),
    at: (t, fn) => {
      net.scheduler.arm(new Timer(() => {
        net.driver.notifyWake();
        fn();
      }), Math.max(net.now(), t));
    },
    reboot: (name) => {
      const old = net.host(name);
      if (crashed.delete(old)) for (const i of old.ip.interfaces) if (i !== old.ip.loopback) i.device.up = true;
      return net.reboot(name);
    },
    crash: (name) => {
      const h = net.host(name);
      h.shutdown(); // timers stop, input is dropped, programs are gone
      // and nothing leaves: what the dead host's leftover application code still writes is dropped at its cards
      for (const i of h.ip.interfaces) if (i !== h.ip.loopback) i.device.up = false;
      crashed.add(h);
    },
    run: (name, fn) => nodeOn(net.host(name)).run(fn),
  };
  const intercepting = interceptionInstalled();
  let vt: VirtualTimers | null = null;
  if (opts.virtualTimers) vt = virtualTimers(net);
  let mr: SeededRandom | null = null;
  try {
    if (opts.seedMathRandom ?? true) mr = seededMathRandom(seed);
  } catch (e) {
    vt?.uninstall();
    throw e;
  }
  const timeout = opts.timeout ?? sec(600);
  let settled = false;
  let result: { ok: true; value: T } | { ok: false; error: unknown } | null = null;
  try {
    const p = Promise.resolve().then(() => body(ctx));
    p.then((value) => (result = { ok: true, value }), (error: unknown) => (result = { ok: false, error })).finally(() => (settled = true));
    try {
      await net.runUntil(() => settled, { timeout });
    } catch (e) {
      result = { ok: false, error: e };
    }
    const r = result as { ok: true; value: T } | { ok: false; error: unknown } | null;
    if (r && r.ok) return r.value;
    const cause = r && !r.ok ? r.error : new Error(`the test body did not finish within ${timeout / 1e6} s of virtual time`);
    let dir: string | null = null;
    if (opts.artefacts !== false) {
      dir = writeArtefacts(net, captures, trace, dropped, seed, opts.artefacts ?? process.env.SOCKSTACK_ARTEFACTS);
    }
    const msg = `${cause instanceof Error ? cause.message : String(cause)}\nreplay with SOCKSTACK_SEED=${seed}${dir ? ` (artefacts in ${dir})` : ""}`;
    opts.log?.(`replay with SOCKSTACK_SEED=${seed}${dir ? ` (artefacts in ${dir})` : ""}`);
    throw new SimulationFailure(msg, seed, dir, { cause });
  } finally {
    stopTrace();
    vt?.uninstall();
    mr?.uninstall();
    if (!intercepting) uninstallInterception(); // what this run installed
  }
}

/** Writes the failure artefacts; returns the folder. */
function writeArtefacts(net: Network, captures: [string, Capture][], trace: string[], dropped: number, seed: number, where: string | undefined): string {
  let dir: string;
  if (where) {
    dir = join(where, `seed-${seed}`);
    mkdirSync(dir, { recursive: true });
  } else {
    dir = mkdtempSync(join(tmpdir(), `sockstack-seed-${seed}-`));
  }
  const summary: string[] = [`seed ${seed}`, `virtual time ${(net.now() / 1e6).toFixed(6)} s`, ""];
  for (const [name, cap] of captures) {
    writeFileSync(join(dir, `${name}.pcap`), cap.pcap());
    writeFileSync(join(dir, `${name}.ladder.txt`), `${ladderText(cap.records())}\n`);
    writeFileSync(join(dir, `${name}.tcpdump.txt`), `${cap.tcpdump().join("\n")}\n`);
    summary.push(`${name}: ${cap.records("out").length} packets`);
  }
  for (const [name, host] of net.hosts) {
    const snap = snapshot(host);
    writeFileSync(join(dir, `${name}.ss.txt`), `${ss(snap, "-tuanpoi")}\n`);
    writeFileSync(join(dir, `${name}.netstat.txt`), `${netstat(snap, "-natup")}\n`);
  }
  writeFileSync(join(dir, "strace.txt"), `${dropped ? `(${dropped} earlier lines dropped)\n` : ""}${trace.join("\n")}\n`);
  writeFileSync(join(dir, "pending.txt"), `${net.describePending()}\n`);
  writeFileSync(join(dir, "README.txt"), `${summary.join("\n")}\n\nreplay with SOCKSTACK_SEED=${seed}\n`);
  return dir;
}
