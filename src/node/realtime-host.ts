/**
 * A sockstack host running in real time: its own scheduler, a
 * {@link RealtimeDriver} started on it, and a seeded RNG. The stack code is
 * the simulator's; only the clock differs.
 */
import { Rng } from "../core/rng.js";
import { Scheduler } from "../core/scheduler.js";
import type { Sysctls } from "../core/sysctl.js";
import { Host } from "../host/host.js";
import { RealtimeDriver, type RealtimeDriverOptions } from "./realtime-driver.js";

/** Options of {@link createRealtimeHost}. */
export interface RealtimeHostOptions {
  /** Host name (default `"sockstack"`). */
  name?: string;
  /** Seed of the host's RNG (ISNs, ports); default 1. Real time makes runs differ anyway. */
  seed?: number | string;
  /** Sysctl overrides. */
  sysctl?: Partial<Sysctls>;
  /** Driver options. */
  driver?: RealtimeDriverOptions;
}

/** A host and the driver that runs it. */
export interface RealtimeHost {
  host: Host;
  driver: RealtimeDriver;
}

/**
 * Creates a host on a fresh scheduler and starts its real-time driver.
 * Call `driver.stop()` when done (and close the devices you attached).
 * @example
 * const { host, driver } = createRealtimeHost({ name: "tun" });
 * host.addInterface(tunDevice, "198.18.0.2/24");
 */
export function createRealtimeHost(opts: RealtimeHostOptions = {}): RealtimeHost {
  const scheduler = new Scheduler();
  const driver = new RealtimeDriver(scheduler, opts.driver);
  const host = new Host({
    name: opts.name ?? "sockstack",
    scheduler,
    rng: new Rng(opts.seed ?? 1),
    sysctl: opts.sysctl,
    notifyWake: () => driver.notifyWake(),
  });
  driver.start();
  return { host, driver };
}
