/**
 * `sockstack ping`: builds a simulated chain (a client, N routers, a
 * server; see topology.ts) and pings a target from the client, printing
 * what iputils ping prints. Virtual time: a 100-packet ping at 1 s
 * intervals finishes at once, and the same seed prints the same lines.
 */
import { ms, sec } from "../core/time.js";
import { ping } from "../host/ping.js";
import { Network } from "../sim/network.js";
import { parseIpv4Address } from "../wire/ipv4-address.js";
import { parseIpv6Address } from "../wire/ipv6-address.js";
import { UsageError, parseArgs } from "./args.js";
import type { CliIo } from "./io.js";
import { MAX_HOPS, buildChain } from "./topology.js";
import { parseProbability } from "./link-args.js";

const USAGE =
  "usage: sockstack ping [-6] [--seed N] [-c COUNT] [-i INTERVAL] [-s SIZE] [-t TTL] [-W TIMEOUT] [--loss P] [--latency MS] [--hops N] TARGET";

const SPEC = {
  seed: { kind: "int", metavar: "N" },
  count: { kind: "int", short: "c", min: 1, max: 1_000_000, metavar: "COUNT" },
  interval: { kind: "number", short: "i", min: 0, metavar: "INTERVAL" },
  size: { kind: "int", short: "s", min: 0, max: 65507, metavar: "SIZE" },
  ttl: { kind: "int", short: "t", min: 1, max: 255, metavar: "TTL" },
  timeout: { kind: "number", short: "W", min: 0, metavar: "TIMEOUT" },
  loss: { kind: "string", metavar: "P" },
  latency: { kind: "number", min: 0, metavar: "MS" },
  hops: { kind: "int", min: 0, max: MAX_HOPS, metavar: "N" },
  ipv6: { kind: "flag", short: "6" },
  help: { kind: "flag", short: "h" },
} as const;

const HELP = [
  USAGE,
  "",
  "Pings TARGET from the client of a simulated chain: client — r1 — … — rN — server.",
  "Runs in virtual time (instantly); the same --seed gives the same output.",
  "",
  "options:",
  "  -6              IPv6: ICMPv6 echo over the chain's IPv6 addresses, as ping -6",
  "  --seed N        seed of every random choice (default 1)",
  "  -c COUNT        number of echo requests (default 4; iputils runs until interrupted)",
  "  -i INTERVAL     seconds between requests (default 1)",
  "  -s SIZE         data bytes per request, 0–65507 (default 56; > 1472 fragments)",
  "  -t TTL          IP time to live of the requests (default 64)",
  "  -W TIMEOUT      seconds to wait for replies after the last request (default 1)",
  "  --loss P        loss probability of every link, each direction: 0.1 or 10% (default 0)",
  "  --latency MS    one-way delay of every link in ms (default 5)",
  "  --hops N        routers between client and server, 0–250 (default 0)",
  "",
  "addresses: link k (k = 0 … N, from the client) is 10.0.k.0/24, .1 on the client side,",
  "  .2 on the server side. client 10.0.0.1; server 10.0.N.2; router k 10.0.(k-1).2 and 10.0.k.1.",
  "  TARGET is an address or a host name: client, server, r1 … rN.",
  "  With -6 link k is 2001:db8:k::/64 (k in hex), ::1 on the client side, ::2 on the server side.",
  "",
  "examples:",
  "  sockstack ping 10.0.0.2                      # the server, one 5 ms link away",
  "  sockstack ping --hops 3 -c 3 server          # 10.0.3.2 across three routers (ttl=61)",
  "  sockstack ping --hops 3 -t 2 -c 1 server     # From 10.0.1.2 icmp_seq=1 Time to live exceeded",
  "  sockstack ping --loss 30% -c 10 10.0.0.2     # some requests or replies are lost",
  "  sockstack ping -6 --hops 2 -c 2 server       # 2001:db8:2::2, PING server(…) 56 data bytes",
  "",
  "exit status: 0 when a reply arrived, 1 when none did, 2 on a bad command line or no route.",
];

/**
 * Runs `sockstack ping` with `args`; resolves to the exit status.
 * @example await pingCommand(["--hops", "2", "-c", "3", "server"], captureIo());
 */
export async function pingCommand(args: string[], io: CliIo): Promise<number> {
  let o: ReturnType<typeof parseArgs<typeof SPEC>>["options"];
  let target: string;
  let loss: number;
  try {
    const a = parseArgs(args, SPEC);
    o = a.options;
    if (o.help) {
      for (const l of HELP) io.out(l);
      return 0;
    }
    if (a.positionals.length === 0) throw new UsageError("missing TARGET");
    if (a.positionals.length > 1) throw new UsageError(`unexpected argument '${a.positionals[1]}'`);
    target = a.positionals[0]!;
    loss = parseLoss(o.loss);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`sockstack ping: ${e.message}`);
    io.err(USAGE);
    return 2;
  }
  const net = new Network({ seed: o.seed ?? 1 });
  const v6 = o.ipv6 === true;
  const chain = buildChain(net, { hops: o.hops ?? 0, latency: ms(o.latency ?? 5), loss, ipv6: v6 });
  const numeric = v6 ? parseIpv6Address(target) !== null : parseIpv4Address(target) !== null;
  const addr = (v6 ? chain.addresses6.get(target) : chain.addresses.get(target)) ?? (numeric ? target : undefined);
  if (addr === undefined) {
    io.err(`ping: ${target}: Name or service not known`); // iputils' words for an unresolvable name
    return 2;
  }
  // IPv6 addresses are usable after duplicate address detection (RFC 4862): start once it is over.
  if (v6) await net.advance(sec(3));
  const result = ping(chain.client, addr, {
    count: o.count ?? 4,
    interval: sec(o.interval ?? 1),
    size: o.size ?? 56,
    ttl: o.ttl,
    wait: sec(o.timeout ?? 1),
    print: (line) => io.out(line),
  });
  await net.run();
  const r = await result;
  if (r.noRoute) {
    io.err("ping: connect: Network is unreachable");
    return 2;
  }
  return r.received > 0 ? 0 : 1;
}

/** `0.1`, `10%` → a probability; throws UsageError otherwise. */
function parseLoss(raw: string | undefined): number {
  return parseProbability(raw, "--loss");
}
