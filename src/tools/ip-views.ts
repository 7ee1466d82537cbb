/**
 * The link-layer views of iproute2 and net-tools, in their own formats
 * (checked against this machine's `ip` 6.x, `arp` and `bridge`):
 * `ip link`, `ip addr`, `ip neigh` (and `-s`), `arp -n`, `bridge fdb`.
 *
 * Differences: interfaces show no `@ifN` peer index nor `link-netns`;
 * neighbours are listed most recent first (Linux prints its hash order,
 * which for a few entries is usually that); `bridge fdb` lists the
 * learned and static entries, not the switch's own multicast `self`
 * entries (a sockstack switch has no IP side).
 */
import type { Host } from "../host/host.js";
import type { NetInterface } from "../ip/interface.js";
import { isEthernet } from "../link/ethernet.js";
import type { Switch } from "../sim/switch.js";
import { formatMac } from "../wire/ethernet.js";
import { formatIpv4Address } from "../wire/ipv4-address.js";

function flagsOf(i: NetInterface, host: Host): { flags: string; state: string; link: string; qlen: number } {
  const d = i.device;
  if (i === host.ip.loopback) {
    return { flags: d.up ? "LOOPBACK,UP,LOWER_UP" : "LOOPBACK", state: "UNKNOWN", link: "link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00", qlen: 1000 };
  }
  if (isEthernet(d)) {
    const lower = d.up && d.wire !== null;
    return {
      flags: `BROADCAST,MULTICAST${d.promiscuous ? ",PROMISC" : ""}${d.up ? ",UP" : ""}${lower ? ",LOWER_UP" : ""}`,
      state: !d.up ? "DOWN" : lower ? "UP" : "LOWERLAYERDOWN",
      link: `link/ether ${formatMac(d.mac)} brd ff:ff:ff:ff:ff:ff`,
      qlen: 1000,
    };
  }
  // A point-to-point IP link without a link layer (like a TUN device).
  return { flags: `POINTOPOINT,NOARP${d.up ? ",UP,LOWER_UP" : ""}`, state: d.up ? "UNKNOWN" : "DOWN", link: "link/none ", qlen: 500 };
}

/**
 * `ip link` of a host.
 * @example ipLink(host) // "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n    link/loopback …"
 */
export function ipLink(host: Host): string {
  return host.ip.interfaces.map((i) => {
    const f = flagsOf(i, host);
    return `${i.index}: ${i.name}: <${f.flags}> mtu ${i.mtu} qdisc noqueue state ${f.state} mode DEFAULT group default qlen ${f.qlen}\n    ${f.link}`;
  }).join("\n");
}

/** `ip addr` of a host. */
export function ipAddr(host: Host): string {
  return host.ip.interfaces.map((i) => {
    const f = flagsOf(i, host);
    const lines = [`${i.index}: ${i.name}: <${f.flags}> mtu ${i.mtu} qdisc noqueue state ${f.state} group default qlen ${f.qlen}`, `    ${f.link}`];
    for (const a of i.addresses) {
      const scope = i === host.ip.loopback ? "host" : "global";
      lines.push(`    inet ${formatIpv4Address(a.addr)}/${a.prefixLen} scope ${scope} ${i.name}`, "       valid_lft forever preferred_lft forever");
    }
    return lines.join("\n");
  }).join("\n");
}

/** Options of {@link ipNeigh}. */
export interface IpNeighOptions {
  /** `-s`: reference count, used/confirmed/updated ages in seconds, probes. */
  stats?: boolean;
  /** Only this interface (`ip neigh show dev eth0`). */
  dev?: string;
}

/**
 * `ip neigh` of a host: one line per neighbour (each ends with a space, as iproute2 prints).
 * @example ipNeigh(host) // "10.0.0.2 dev eth0 lladdr 02:5c:… REACHABLE "
 */
export function ipNeigh(host: Host, opts: IpNeighOptions = {}): string {
  const now = host.ctx.scheduler.now();
  const age = (t: number) => Math.max(0, Math.floor((now - t) / 1e6));
  const rows = host.ip.arp.entries().filter((n) => !opts.dev || n.iface.name === opts.dev).reverse();
  return rows.map((n) => {
    const valid = n.state !== "INCOMPLETE" && n.state !== "FAILED";
    const ll = valid ? ` lladdr ${formatMac(n.mac)} ` : " ";
    const st = opts.stats ? ` ref 1 used ${age(n.used)}/${age(n.confirmed)}/${age(n.updated)}probes ${n.probes} ` : "";
    return `${formatIpv4Address(n.addr)} dev ${n.iface.name}${ll}${st}${n.state} `;
  }).join("\n");
}

/** `arp -n` of a host (net-tools). */
export function arpN(host: Host): string {
  const out = ["Address                  HWtype  HWaddress           Flags Mask            Iface"];
  for (const n of host.ip.arp.entries().reverse()) {
    const addr = formatIpv4Address(n.addr).padEnd(25);
    if (n.state === "INCOMPLETE" || n.state === "FAILED") out.push(`${addr}        (incomplete)                              ${n.iface.name}`);
    else out.push(`${addr}ether   ${formatMac(n.mac)}   ${n.state === "PERMANENT" ? "CM" : "C "}                    ${n.iface.name}`);
  }
  return out.join("\n");
}

/** `bridge fdb show` of a switch: learned entries, then static ones (each line ends with a space). */
export function bridgeFdb(sw: Switch): string {
  return sw.fdb().map((e) => `${formatMac(e.mac)} dev ${e.port.name} master ${sw.name} ${e.static ? "static " : ""}`).join("\n");
}
