/**
 * What every protocol module of one host receives instead of ambient
 * globals: the clock and timer heap, the seeded RNG, the sysctls and the
 * counters (DESIGN.md principle 2).
 */
import type { Counters } from "./counters.js";
import type { Rng } from "./rng.js";
import type { Scheduler } from "./scheduler.js";
import type { Sysctls } from "./sysctl.js";

/** The per-host context handed to ip, icmp, udp, tcp and the socket layer. */
export interface StackContext {
  /** Host name, for traces and messages. */
  readonly hostName: string;
  /** Clock and timers (virtual in the simulator, real under the Node driver). */
  readonly scheduler: Scheduler;
  /** This host's seeded random stream. */
  readonly rng: Rng;
  /** Behaviour knobs, Linux names. */
  readonly sysctl: Sysctls;
  /** SNMP counters, Linux names. */
  readonly counters: Counters;
  /**
   * Called whenever the stack resolves a promise an application awaits
   * (a blocked syscall woke up), so the virtual-time driver knows it must
   * let application code run before moving the clock.
   */
  notifyWake(): void;
  /**
   * A new inode number for a socket of this host (what `ls -i`, `ss -e` and
   * lsof's DEVICE/NODE show). Per host, so a simulation's output does not
   * depend on what else ran in the same process.
   */
  allocInode(): number;
}
