/**
 * SNMP-style counters with Linux's names, grouped like `/proc/net/snmp` and
 * `/proc/net/netstat` (`Ip`, `Icmp`, `Udp`, `Tcp`, `IpExt`, `TcpExt`).
 * Protocol code increments them; `nstat` / `netstat -s` read them.
 */

/** A group of named counters. Missing names read as 0. */
export type CounterGroup = Record<string, number>;

/** Every counter group of one host. */
export class Counters {
  readonly Ip: CounterGroup = {};
  readonly Icmp: CounterGroup = {};
  readonly IcmpMsg: CounterGroup = {};
  readonly Udp: CounterGroup = {};
  readonly Tcp: CounterGroup = {};
  readonly TcpExt: CounterGroup = {};
  readonly IpExt: CounterGroup = {};
  /** sockstack's own counters (drops with a reason that Linux folds elsewhere). */
  readonly Sockstack: CounterGroup = {};

  /** Adds `n` (default 1) to `group.name`. */
  inc(group: CounterGroup, name: string, n = 1): void {
    group[name] = (group[name] ?? 0) + n;
  }

  /** A plain copy of every group, for snapshots and deltas. */
  snapshot(): Record<string, CounterGroup> {
    return {
      Ip: { ...this.Ip },
      Icmp: { ...this.Icmp },
      IcmpMsg: { ...this.IcmpMsg },
      Udp: { ...this.Udp },
      Tcp: { ...this.Tcp },
      TcpExt: { ...this.TcpExt },
      IpExt: { ...this.IpExt },
      Sockstack: { ...this.Sockstack },
    };
  }
}
