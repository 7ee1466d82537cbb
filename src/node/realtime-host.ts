/**
 * A sockstack host running in real time: its own scheduler, a
 * {@link RealtimeDriver} started on it, and an RNG seeded from a real
 * random source unless a seed is given. The stack code is the simulator's;
 * only the clock differs.
 *
 * Real time also means real clocks where Linux uses them (tcp/isn.ts): the
 * ISN clock is the wall clock and the TSval clock the system-wide monotonic
 * clock (CLOCK_MONOTONIC, as Linux's `tcp_clock_ms`), so a second run
 * toward the same peer starts with a later ISN and a later TSval, and the
 * peer's TIME-WAIT accepts its SYN. With `secret` (a TUN bridge session's
 * boot secret) the ISN and TS keys are shared by every run on that bridge,
 * like one machine's processes; without it each run is a fresh "boot".
 */
import { randomBytes } from "node:crypto";
import { Rng } from "../core/rng.js";
import { Scheduler } from "../core/scheduler.js";
import type { Sysctls } from "../core/sysctl.js";
import { Host } from "../host/host.js";
import { RealtimeDriver, type RealtimeDriverOptions } from "./realtime-driver.js";

/** Options of {@link createRealtimeHost}. */
export interface RealtimeHostOptions {
  /** Host name (default `"sockstack"`). */
  name?: string;
  /**
   * Seed of the host's RNG (ephemeral ports, keys, impairments); default: a
   * fresh random 32-bit number ({@link RealtimeHost.seed} tells which).
   * Real time and real packets make runs differ anyway.
   */
  seed?: number | string;
  /** 32 bytes: the ISN and TS secrets (see the file comment); default: drawn from the seed. */
  secret?: Uint8Array;
  /** Sysctl overrides. */
  sysctl?: Partial<Sysctls>;
  /** Driver options. */
  driver?: RealtimeDriverOptions;
}

/** A host and the driver that runs it. */
export interface RealtimeHost {
  host: Host;
  driver: RealtimeDriver;
  /** The seed used (the given one, or the random one drawn). */
  seed: number | string;
}

/** A random 32-bit seed from the operating system's CSPRNG. */
export function randomSeed(): number {
  return randomBytes(4).readUInt32BE(0);
}

/** CLOCK_MONOTONIC in ms (Node's hrtime reads it; the same clock in every process of the machine). */
export function monotonicMillis(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/**
 * Creates a host on a fresh scheduler and starts its real-time driver.
 * Call `driver.stop()` when done (and close the devices you attached).
 * @example
 * const { host, driver, seed } = createRealtimeHost({ name: "tun" });
 * host.addInterface(tunDevice, "198.18.0.2/24");
 */
export function createRealtimeHost(opts: RealtimeHostOptions = {}): RealtimeHost {
  const seed = opts.seed ?? randomSeed();
  const scheduler = new Scheduler();
  const driver = new RealtimeDriver(scheduler, opts.driver);
  const host = new Host({
    name: opts.name ?? "sockstack",
    scheduler,
    rng: new Rng(seed),
    sysctl: opts.sysctl,
    notifyWake: () => driver.notifyWake(),
  });
  if (opts.secret) host.tcp.isn.rekey(opts.secret);
  driver.start();
  // Where the wall and monotonic clocks stood at scheduler time 0 (the driver maps real time onto the scheduler).
  const now = driver.now();
  const wallMicros = Math.round((performance.timeOrigin + performance.now()) * 1000);
  host.tcp.isn.setClockBase({ wallMicros: wallMicros - now, monotonicMillis: monotonicMillis() - Math.floor(now / 1000) });
  return { host, driver, seed };
}
