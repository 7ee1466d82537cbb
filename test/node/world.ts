/**
 * What the Node façade's HTTP and TLS tests share: deterministic bodies,
 * their digest, and the client/api network with or without faults. Running
 * the simulation until a promise settles is test/helpers' `drive`.
 */
import { createHash } from "node:crypto";
import { Network, ms } from "../../src/index.js";

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
