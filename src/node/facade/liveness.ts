/**
 * What keeps Node's event loop alive, for façade handles: `ref()`/`unref()`
 * with Node's meaning. Node exits when no referenced handle is active — a
 * listening server, a socket that is connecting, reading or writing, a
 * bound datagram socket, a pending timer — whatever the kernel still does
 * (TIME_WAIT, retransmissions). A simulation's own notion of done is
 * different: `net.run()` ends when no event is scheduled, kernel timers
 * included, and a listening server schedules nothing. {@link runLikeNode}
 * drives virtual time the way Node's loop runs: until nothing referenced
 * keeps it alive (or the simulation is idle), so an `unref()`'d server,
 * socket, dgram socket or timer does not keep it going.
 */
import type { Network } from "../../sim/network.js";
import type { Micros } from "../../core/time.js";
import type { RunResult } from "../../sim/virtual-driver.js";

/** The method by which a façade handle says it keeps the loop alive (referenced and active). @internal */
export const kKeepsAlive = Symbol("keepsAlive");

/** A façade handle that may keep Node's loop alive. @internal */
export interface LoopHandle {
  [kKeepsAlive](): boolean;
}

const handles = new Set<LoopHandle>();
let timersAlive: (() => boolean) | null = null;

/** Registers a handle that may be active (a listen, connect, bind); {@link untrackHandle} at close. @internal */
export function trackHandle(h: LoopHandle): void {
  handles.add(h);
}

/** Forgets a closed handle. @internal */
export function untrackHandle(h: LoopHandle): void {
  handles.delete(h);
}

/** Installs (or removes, with null) the check of referenced virtual application timers (virtual-timers.ts). @internal */
export function setTimersAlive(f: (() => boolean) | null): void {
  timersAlive = f;
}

/**
 * True while something in the façade would keep Node's event loop alive:
 * a referenced listening server, a referenced socket that is connecting,
 * reading (not paused, before EOF) or has a write in flight, a referenced
 * bound dgram socket, or a referenced pending virtual timer.
 * @example
 * nodeLoopAlive(); // false once every server, socket and timer is closed or unref()'d
 */
export function nodeLoopAlive(): boolean {
  for (const h of handles) if (h[kKeepsAlive]()) return true;
  return timersAlive?.() ?? false;
}

/**
 * Drives `net` in virtual time as Node's event loop would run the façade's
 * handles: until {@link nodeLoopAlive} is false (checked after each
 * settled instant), the simulation is idle, or `until` (absolute µs).
 * Returns the run's result (`reason` "predicate" when the loop emptied).
 * @example
 * const { net: n } = nodeOn(host);
 * n.createServer().listen(80).unref();
 * await runLikeNode(net); // returns at once: the unref'd server keeps nothing alive
 */
export function runLikeNode(net: Network, opts: { until?: Micros } = {}): Promise<RunResult> {
  return net.driver.run({ until: opts.until, stopWhen: () => !nodeLoopAlive() });
}
