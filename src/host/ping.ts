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
  const daddr = ipv4(dst);
  const lines: string[] = [];
  const out = (l: string) => {
    lines.push(l);
    opts.print?.(l);
  };
  const res: PingResult = { transmitted: 0, received: 0, errors: 0, rtts: [], lines };
  const sentAt = new Map<number, Micros>();
  const start = sched.now();
  out(`PING ${dst} (${dst}) ${size}(${size + 28}) bytes of data.`);
  return new Promise<PingResult>((resolve) => {
    let seq = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      sched.disarm(sendTimer);
      sched.disarm(endTimer);
      host.icmp.closeEcho(id);
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
    const id = host.icmp.openEcho({
      reply: (r: EchoReply) => {
        const t0 = sentAt.get(r.seq);
        if (t0 === undefined || r.from !== daddr) return;
        sentAt.delete(r.seq);
        const rtt = r.at - t0;
        res.received++;
        res.rtts.push(rtt);
        out(`${r.data.length + 8} bytes from ${formatIpv4Address(r.from)}: icmp_seq=${r.seq} ttl=${r.ttl} time=${formatRtt(rtt)} ms`);
        maybeDone();
      },
      error: (e: EchoError) => {
        if (!sentAt.has(e.seq)) return;
        sentAt.delete(e.seq);
        res.errors++;
        const text = e.type === ICMP_TIME_EXCEEDED ? "Time to live exceeded" : e.type === ICMP_DEST_UNREACH ? (UNREACH_TEXT[e.code] ?? `Dest Unreachable, Bad Code: ${e.code}`) : `type ${e.type} code ${e.code}`;
        out(`From ${formatIpv4Address(e.from)} icmp_seq=${e.seq} ${text}`);
        maybeDone();
      },
    });
    const payload = new Uint8Array(size);
    for (let i = 0; i < size; i++) payload[i] = i & 0xff;
    const sendTimer: Timer = new Timer(() => {
      seq++;
      sentAt.set(seq, sched.now());
      res.transmitted++;
      const err = host.icmp.sendEcho(daddr, id, seq, payload, opts.ttl);
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

/** iputils prints 3 significant digits: `0.045`, `10.1`, `100`. */
function formatRtt(us: Micros): string {
  const ms = us / MS;
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}
