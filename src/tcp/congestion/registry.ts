/**
 * Congestion-control algorithms by Linux name (`TCP_CONGESTION`,
 * `net.ipv4.tcp_congestion_control`, `tcp_available_congestion_control`).
 */
import type { CongestionControl } from "./congestion-control.js";
import { NewReno } from "./newreno.js";
import { Cubic } from "./cubic.js";
import { Bbr } from "./bbr.js";

const FACTORIES: Record<string, (initCwnd?: number) => CongestionControl> = {
  reno: (iw) => new NewReno(iw),
  newreno: (iw) => new NewReno(iw),
  cubic: (iw) => new Cubic(iw),
  bbr: (iw) => new Bbr(iw),
};

/**
 * A new instance of the algorithm `name`, or `undefined` when there is none
 * (the socket layer maps that to `ENOENT`, as Linux's
 * `setsockopt(TCP_CONGESTION)` does): "reno", "cubic", "bbr". "newreno" is accepted as an alias of
 * Linux's "reno" (the instance reports `name === "reno"`).
 * @example createCongestionControl("cubic")?.cwnd === 10
 */
export function createCongestionControl(name: string, initCwnd?: number): CongestionControl | undefined {
  const f = Object.hasOwn(FACTORIES, name) ? FACTORIES[name] : undefined;
  return f ? f(initCwnd) : undefined;
}

/**
 * The names Linux lists in `tcp_available_congestion_control`, in
 * registration order (this machine's Linux 6.18, bbr and cubic built in:
 * "reno bbr cubic").
 */
export function availableCongestionControls(): string[] {
  return ["reno", "bbr", "cubic"];
}
