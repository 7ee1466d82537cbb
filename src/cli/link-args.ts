/**
 * Command-line values of link impairments, shared by the commands that
 * take them (`sockstack ping --loss`, `sockstack tun … --loss --delay
 * --jitter --reorder --duplicate --corrupt --rate --aqm`): probabilities as
 * `0.1` or `10%`, durations as `10ms`, `1.5s`, `200us` (a bare number is
 * milliseconds), rates in tc's units (`10mbit`, `500kbit`, `1gbit`, a bare
 * number of bits/s, or bytes/s with `bps`, `kbps`, `mbps`, `gbps`), the
 * AQM threshold as a number of waiting packets.
 * A bad value throws {@link UsageError} with a one-line reason.
 */
import { UsageError } from "./args.js";
import type { Micros } from "../core/time.js";
import type { AqmConfig, LinkConfigInput } from "../sim/impairments.js";

/**
 * `0.1`, `10%` → a probability; `undefined` → 0.
 * @example parseProbability("30%", "--loss") === 0.3
 */
export function parseProbability(raw: string | undefined, label: string): number {
  if (raw === undefined) return 0;
  const pct = raw.endsWith("%");
  const v = Number(pct ? raw.slice(0, -1) : raw);
  const p = pct ? v / 100 : v;
  if (raw.trim() === "" || !Number.isFinite(p) || p < 0 || p > 1) {
    throw new UsageError(`option ${label}: '${raw}' is not a probability (0–1, or 0%–100%)`);
  }
  return p;
}

const TIME_UNITS: Record<string, number> = { us: 1, usec: 1, ms: 1000, msec: 1000, s: 1e6, sec: 1e6, "": 1000 };

/**
 * `10ms`, `1.5s`, `200us`, `10` (ms) → µs; `undefined` → 0.
 * @example parseDuration("10ms", "--delay") === 10_000
 */
export function parseDuration(raw: string | undefined, label: string): Micros {
  if (raw === undefined) return 0;
  const m = /^(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)$/i.exec(raw.trim());
  const unit = m ? TIME_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`option ${label}: '${raw}' is not a duration (e.g. 10ms, 1.5s, 200us; a bare number is ms)`);
  const v = Math.round(Number(m[1]) * unit);
  if (v > 3_600_000_000) throw new UsageError(`option ${label}: ${raw} is above the maximum 3600s`);
  return v;
}

const RATE_UNITS: Record<string, number> = {
  "": 1, bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, tbit: 1e12,
  bps: 8, kbps: 8e3, mbps: 8e6, gbps: 8e9, tbps: 8e12,
};

/**
 * A rate in tc's units → bits/s; `undefined` → 0 (unlimited).
 * @example parseRate("10mbit", "--rate") === 10_000_000
 */
export function parseRate(raw: string | undefined, label: string): number {
  if (raw === undefined) return 0;
  const m = /^(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)$/i.exec(raw.trim());
  const unit = m ? RATE_UNITS[m[2]!.toLowerCase()] : undefined;
  const v = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!(v > 0)) throw new UsageError(`option ${label}: '${raw}' is not a rate (e.g. 10mbit, 500kbit, 1gbit, 2mbps; a bare number is bit/s)`);
  return v;
}

/**
 * `--aqm N`: the step AQM of the rate limit's queue — CE-mark ECN-capable
 * packets (drop the others) that find N or more packets waiting.
 * @example parseAqm("20", "10mbit") // { threshold: 20, ecn: true }
 */
export function parseAqm(raw: string | undefined, rate: string | undefined): AqmConfig | null {
  if (raw === undefined) return null;
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`option --aqm: '${raw}' is not a number of packets (the queue length above which packets are CE-marked)`);
  if (rate === undefined) throw new UsageError("option --aqm: needs --rate (the AQM manages the rate limit's queue)");
  return { threshold: Number(raw.trim()), ecn: true };
}

/** The impairment options as a command receives them. */
export interface ImpairmentArgs {
  loss?: string;
  delay?: string;
  jitter?: string;
  reorder?: string;
  duplicate?: string;
  corrupt?: string;
  rate?: string;
  aqm?: string;
}

/**
 * The link configuration of the impairment options, or null when none is
 * given. Throws {@link UsageError} on a bad value.
 * @example linkConfigFromArgs({ loss: "2%", delay: "10ms" }) // { loss: 0.02, latency: 10000, … }
 */
export function linkConfigFromArgs(a: ImpairmentArgs): LinkConfigInput | null {
  const cfg: LinkConfigInput = {
    loss: parseProbability(a.loss, "--loss"),
    latency: parseDuration(a.delay, "--delay"),
    jitter: parseDuration(a.jitter, "--jitter"),
    reorder: parseProbability(a.reorder, "--reorder"),
    duplicate: parseProbability(a.duplicate, "--duplicate"),
    corrupt: parseProbability(a.corrupt, "--corrupt"),
    rate: parseRate(a.rate, "--rate"),
    aqm: parseAqm(a.aqm, a.rate),
  };
  const given = [a.loss, a.delay, a.jitter, a.reorder, a.duplicate, a.corrupt, a.rate, a.aqm].some((v) => v !== undefined);
  return given ? cfg : null;
}

/** One line describing a configuration made by {@link linkConfigFromArgs} (for banners). */
export function describeLinkConfig(c: LinkConfigInput): string {
  const parts: string[] = [];
  const pct = (p: number) => `${+(p * 100).toFixed(3)}%`;
  if (c.loss) parts.push(`loss ${pct(c.loss)}`);
  if (c.latency) parts.push(`delay ${c.latency / 1000}ms`);
  if (c.jitter) parts.push(`jitter ${c.jitter / 1000}ms`);
  if (c.reorder) parts.push(`reorder ${pct(c.reorder)}`);
  if (c.duplicate) parts.push(`duplicate ${pct(c.duplicate)}`);
  if (c.corrupt) parts.push(`corrupt ${pct(c.corrupt)}`);
  if (c.rate) parts.push(`rate ${c.rate >= 1e6 ? `${c.rate / 1e6}Mbit` : c.rate >= 1e3 ? `${c.rate / 1e3}Kbit` : `${c.rate}bit`}`);
  if (c.aqm) parts.push(`aqm: CE-mark ${c.aqm.ecn === false ? "(drop) " : ""}at ${c.aqm.threshold} queued`);
  return parts.length ? parts.join(", ") : "none";
}
