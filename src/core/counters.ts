/**
 * SNMP-style counters with Linux's names, grouped like `/proc/net/snmp` and
 * `/proc/net/netstat` (`Ip`, `Icmp`, `Udp`, `Tcp`, `IpExt`, `TcpExt`) and
 * `/proc/net/snmp6` (`Ip6`, `Icmp6`, `Udp6`).
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
  /** /proc/net/snmp6's `Ip6*` counters (nstat `Ip6InReceives`). */
  readonly Ip6: CounterGroup = {};
  /** /proc/net/snmp6's `Icmp6*` counters, the per-type `InType128`… included. */
  readonly Icmp6: CounterGroup = {};
  /** /proc/net/snmp6's `Udp6*` counters. */
  readonly Udp6: CounterGroup = {};
  /** sockstack's own counters (drops with a reason that Linux folds elsewhere). */
  readonly Sockstack: CounterGroup = {};

  /**
   * Adds `n` (default 1) to `group.name`. The store is keyed by a string and
   * megamorphic (~30 ns on this machine, BENCHMARKS.md "Round two, session
   * 6"); the few counters bumped per packet (Ip InReceives/InDelivers/
   * OutRequests, Tcp InSegs/OutSegs…) are written as named stores at their
   * sites instead: `g.InSegs = (g.InSegs ?? 0) + 1`, the same effect.
   */
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
      Ip6: { ...this.Ip6 },
      Icmp6: { ...this.Icmp6 },
      Udp6: { ...this.Udp6 },
      Sockstack: { ...this.Sockstack },
    };
  }
}
