/**
 * What the Node façade's HTTP and TLS tests share: deterministic bodies,
 * their digest, and the client/api network with or without faults. Running
 * the simulation until a promise settles is test/helpers' `drive`.
 */
import { createHash } from "node:crypto";
import assert from "node:assert/strict";
import { Capture, Network, ms } from "../../src/index.js";
import { simulate, type SimulateContext, type SimulateOptions } from "../../src/node.js";

/** Deterministic bytes (a counter through SHA-256). */
export function body(n: number, salt: string): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0, k = 0; i < n; i += 32, k++) createHash("sha256").update(`${salt}:${k}`).digest().copy(out, i);
  return out;
}

/** The SHA-256 of `b`, hex. */
export const sha = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/**
 * Hosts `client` and `api` on a 5 ms link, with 10 % loss and 10 %
 * reordering when `faults`. The driver's "idle while waiting" warning is
 * asserted through drive()'s timeout instead of printed.
 */
export function lossyNet(seed: number, faults: boolean) {
  const net = new Network({ seed, driver: { warn: () => {} } });
  const client = net.addHost("client"), server = net.addHost("api");
  const { link } = net.link(client, server, { latency: ms(5), ...(faults ? { loss: 0.1, reorder: 0.1 } : {}) });
  return { net, client, server, link };
}

/** Runs `scenario` under simulate() with virtual timers, capturing the client–server link: the result and the pcap. */
export async function runCaptured<T>(seed: number, scenario: (ctx: SimulateContext) => Promise<T>, opts: SimulateOptions = {}): Promise<{ value: T; pcap: Buffer; shape: string[] }> {
  let cap: Capture | null = null;
  const value = await simulate(async (ctx) => {
    cap = Capture.onLink(ctx.links["client-server"]!.link, { a: "client", b: "server" });
    return scenario(ctx);
  }, { seed, virtualTimers: true, artefacts: false, ...opts });
  return { value, pcap: Buffer.from(cap!.pcap()), shape: (cap as Capture | null)!.tcpdump({ direction: "out" }) };
}

/**
 * Runs `scenario` twice with one seed: the same result, the same packets —
 * byte for byte, or with `cryptoRandom` (the library draws bytes from
 * node:crypto, which no seed controls: WebSocket keys and masks, engine.io
 * session ids) the same packets at the same times with the same headers,
 * flags, sequence numbers and lengths (tcpdump's line of each).
 */
export async function deterministic<T>(seed: number, scenario: (ctx: SimulateContext) => Promise<T>, opts: SimulateOptions & { cryptoRandom?: boolean } = {}): Promise<T> {
  const a = await runCaptured(seed, scenario, opts);
  const b = await runCaptured(seed, scenario, opts);
  assert.deepEqual(b.value, a.value, "the same seed gives the same outcome");
  assert.deepEqual(b.shape, a.shape, "the same seed gives the same packets at the same times");
  if (!opts.cryptoRandom) assert.equal(sha(b.pcap), sha(a.pcap), "the same seed gives byte-identical pcaps");
  assert.ok(a.pcap.length > 24 + 10 * 16, "packets were captured");
  return a.value;
}

