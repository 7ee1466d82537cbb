/**
 * `ping` on a host, like iputils ping: ICMP echo requests at an interval,
 * replies matched by identifier and sequence, errors (time exceeded,
 * unreachable) reported, and the same summary lines.
 */
import { Timer } from "../core/scheduler.js";
import { MS, SEC, type Micros } from "../core/time.js";
import type { EchoError, EchoReply } from "../icmp/icmp-layer.js";
import { ICMP_DEST_UNREACH, ICMP_TIME_EXCEEDED } from "../wire/icmp.js";
import { formatIpv4Address, ipv4 } from "../wire/ipv4-address.js";
import { formatIpv6Address, ipv6Equal, parseIpv6Address } from "../wire/ipv6-address.js";
import type { Echo6Error, Echo6Reply } from "../icmp/icmp6-layer.js";
import type { Host } from "./host.js";

/** Options of {@link ping}. */
export interface PingOptions {
  /** Number of requests (`-c`, default 4). */
  count?: number;
  /** Gap between requests in µs (`-i`, default 1 s). */
  interval?: Micros;
  /** Payload bytes (`-s`, default 56). */
  size?: number;
  /** TTL of the requests (`-t`). */
  ttl?: number;
  /** How long to wait for the last reply, µs (`-W`, default 1 s... iputils waits up to 10 s at the end; we use 1 s). */
  wait?: Micros;
  /** Receives each output line as it is produced. */
  print?: (line: string) => void;
}

/** What a ping run saw. */
export interface PingResult {
  transmitted: number;
  received: number;
  errors: number;
  /** Round-trip times in µs, in order of arrival. */
  rtts: Micros[];
  /** No route to the destination: ping stopped before sending (iputils' exit status 2). */
  noRoute?: boolean;
  /** Every output line, as ping prints it. */
  lines: string[];
}

const UNREACH_TEXT: Record<number, string> = {
  0: "Destination Net Unreachable",
  1: "Destination Host Unreachable",
  2: "Destination Protocol Unreachable",
  3: "Destination Port Unreachable",
  4: "Frag needed",
  13: "Packet filtered",
};

/**
 * Pings `dst` from `host`. Resolves when all requests were answered or the
 * wait after the last one expired.
 * @example const r = await ping(client, "10.0.1.2", { count: 3 });
 */
export function ping(host: Host, dst: string, opts: PingOptions = {}): Promise<PingResult> {
  const count = opts.count ?? 4;
  const interval = opts.interval ?? SEC;
  const size = opts.size ?? 56;
  const wait = opts.wait ?? SEC;
  const sched = host.ctx.scheduler;
  const lines: string[] = [];
  const out = (l: string) => {
    lines.push(l);
    opts.print?.(l);
  };
  const res: PingResult = { transmitted: 0, received: 0, errors: 0, rtts: [], lines };
  const sentAt = new Map<number, Micros>();
  const start = sched.now();
  const d6 = dst.includes(":") ? parseIpv6Address(dst) : null;
  if (dst.includes(":") && !d6) throw new TypeError(`ping: ${dst}: not an IPv6 address`);
  const endpoint = d6 ? echo6(host, d6) : echo4(host, ipv4(dst));
  if (d6 && !host.ip6.route(d6)) {
    // iputils connects a probe socket first: no route ends it before the PING line, with
    // `ping: connect: Network is unreachable` on stderr and exit status 2 (the caller prints it).
    res.noRoute = true;
    return Promise.resolve(res);
  }
  // iputils' header: IPv4 `PING a (a) 56(84) bytes of data.`, IPv6 `PING a(a) 56 data bytes`.
  out(d6 ? `PING ${dst}(${dst}) ${size} data bytes` : `PING ${dst} (${dst}) ${size}(${size + 28}) bytes of data.`);
  return new Promise<PingResult>((resolve) => {
    let seq = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      sched.disarm(sendTimer);
      sched.disarm(endTimer);
      endpoint.close(id);
      const loss = res.transmitted ? Math.round((100 * (res.transmitted - res.received)) / res.transmitted) : 0;
      out("");
      out(`--- ${dst} ping statistics ---`);
      const errs = res.errors ? `, +${res.errors} errors` : "";
      out(`${res.transmitted} packets transmitted, ${res.received} received${errs}, ${loss}% packet loss, time ${Math.round((sched.now() - start) / MS)}ms`);
      if (res.rtts.length) {
        const ms = res.rtts.map((r) => r / MS);
        const min = Math.min(...ms), max = Math.max(...ms);
        const avg = ms.reduce((a, b) => a + b, 0) / ms.length;
        const mdev = Math.sqrt(ms.reduce((a, b) => a + (b - avg) ** 2, 0) / ms.length);
        out(`rtt min/avg/max/mdev = ${min.toFixed(3)}/${avg.toFixed(3)}/${max.toFixed(3)}/${mdev.toFixed(3)} ms`);
      }
      host.ctx.notifyWake();
      resolve(res);
    };
    const maybeDone = () => {
      if (res.transmitted === count && res.received + res.errors >= count) finish();
    };
    const id = endpoint.open({
      reply: (r) => {
        const t0 = sentAt.get(r.seq);
        if (t0 === undefined || !r.fromDst) return;
        sentAt.delete(r.seq);
        const rtt = r.at - t0;
        res.received++;
        res.rtts.push(rtt);
        out(`${r.bytes + 8} bytes from ${r.from}: icmp_seq=${r.seq} ttl=${r.ttl} time=${formatRtt(rtt)} ms`);
        maybeDone();
      },
      error: (e) => {
        if (!sentAt.has(e.seq)) return;
        sentAt.delete(e.seq);
        res.errors++;
        out(`From ${e.from} icmp_seq=${e.seq} ${e.text}`);
        maybeDone();
      },
    });
    const payload = new Uint8Array(size);
    for (let i = 0; i < size; i++) payload[i] = i & 0xff;
    const sendTimer: Timer = new Timer(() => {
      seq++;
      sentAt.set(seq, sched.now());
      res.transmitted++;
      const err = endpoint.send(id, seq, payload, opts.ttl);
      if (err) {
        out(`ping: sendmsg: ${err === "ENETUNREACH" ? "Network is unreachable" : err}`);
        res.errors++;
        sentAt.delete(seq);
      }
      if (seq < count) sched.armIn(sendTimer, interval);
      else sched.armIn(endTimer, wait);
      maybeDone();
    });
    const endTimer = new Timer(() => finish());
    sched.arm(sendTimer, sched.now());
  });
}

/** What ping prints of a reply or an error, either family. */
interface EchoEvents {
  reply(r: { from: string; fromDst: boolean; seq: number; ttl: number; bytes: number; at: Micros }): void;
  error(e: { from: string; seq: number; text: string }): void;
}

/** The echo endpoint of one family: open, send, close. */
interface EchoEndpoint {
  open(ev: EchoEvents): number;
  send(id: number, seq: number, payload: Uint8Array, ttl?: number): string | null;
  close(id: number): void;
}

function echo4(host: Host, daddr: number): EchoEndpoint {
  return {
    open: (ev) => host.icmp.openEcho({
      reply: (r: EchoReply) => ev.reply({ from: formatIpv4Address(r.from), fromDst: r.from === daddr, seq: r.seq, ttl: r.ttl, bytes: r.data.length, at: r.at }),
      error: (e: EchoError) => ev.error({
        from: formatIpv4Address(e.from), seq: e.seq,
        text: e.type === ICMP_TIME_EXCEEDED ? "Time to live exceeded" : e.type === ICMP_DEST_UNREACH ? (UNREACH_TEXT[e.code] ?? `Dest Unreachable, Bad Code: ${e.code}`) : `type ${e.type} code ${e.code}`,
      }),
    }),
    send: (id, seq, payload, ttl) => host.icmp.sendEcho(daddr, id, seq, payload, ttl),
    close: (id) => host.icmp.closeEcho(id),
  };
}

/** iputils' words for ICMPv6 errors (ping6_common.c print_icmp). */
const UNREACH6_TEXT = ["No route", "Administratively prohibited", "Beyond scope of source address", "Address unreachable", "Port unreachable"];

/** The text iputils prints after `From <addr> icmp_seq=N` for an ICMPv6 error. */
export function icmp6ErrorText(type: number, code: number, info: number): string {
  if (type === 1) return `Destination unreachable: ${UNREACH6_TEXT[code] ?? `Unknown code ${code}`}`;
  if (type === 2) return `Packet too big: mtu=${info}`;
  if (type === 3) return code === 0 ? "Time exceeded: Hop limit" : code === 1 ? "Time exceeded: Defragmentation failure" : `Time exceeded: code ${code}`;
  if (type === 4) return `Parameter problem: ${code === 0 ? "Wrong header field " : code === 1 ? "Unknown header " : code === 2 ? "Unknown option " : `code ${code} `}at ${info}`;
  return `Unknown icmp type: ${type}`;
}

function echo6(host: Host, daddr: Uint8Array): EchoEndpoint {
  return {
    open: (ev) => host.icmp6.openEcho({
      reply: (r: Echo6Reply) => ev.reply({ from: formatIpv6Address(r.from), fromDst: ipv6Equal(r.from, daddr), seq: r.seq, ttl: r.hopLimit, bytes: r.data.length, at: r.at }),
      error: (e: Echo6Error) => ev.error({ from: formatIpv6Address(e.from), seq: e.seq, text: icmp6ErrorText(e.type, e.code, e.info) }),
    }),
    send: (id, seq, payload, ttl) => host.icmp6.sendEcho(daddr, id, seq, payload, ttl),
    close: (id) => host.icmp6.closeEcho(id),
  };
}

/** iputils prints 3 significant digits: `0.045`, `10.1`, `100`. */
function formatRtt(us: Micros): string {
  const ms = us / MS;
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}
