/**
 * The lab's topology view: the hosts of a network with their interfaces
 * and addresses, its links with their impairments, and the small SVG the
 * page draws of them (a partitioned link dashed red).
 *
 * @example
 * topologySvg(labTopology(net, false)); // client ── 50 µs ── server
 */
import type { Link } from "../sim/link.js";
import type { Network } from "../sim/network.js";
import { formatIpv4Address } from "../wire/ipv4-address.js";
import { esc } from "./views.js";

/** A host of the topology with its interfaces. */
export interface LabTopologyHost {
  name: string;
  interfaces: { name: string; cidrs: string[] }[];
}

/** A link of the topology: its two ends and its impairments (one direction's configuration). */
export interface LabTopologyLink {
  a: { host: string; iface: string };
  b: { host: string; iface: string };
  latencyUs: number;
  jitterUs: number;
  loss: number;
  duplicate: number;
  reorder: number;
  /** bits/s, 0 = unlimited. */
  rate: number;
  /** Link MTU, bytes. */
  mtu: number;
  /** True while the link is partitioned (nothing crosses it). */
  partitioned: boolean;
}

/** Hosts and links of the session's network. */
export interface LabTopology {
  hosts: LabTopologyHost[];
  links: LabTopologyLink[];
}

/** The hosts, interfaces and links of `net` now; `partitioned` marks every link partitioned (the lab partitions them all). */
export function labTopology(net: Network, partitioned: boolean): LabTopology {
  const hosts: LabTopologyHost[] = [];
  const where = new Map<unknown, { host: string; iface: string }>();
  for (const [name, h] of net.hosts) {
    const interfaces = h.ip.interfaces.filter((i) => i !== h.ip.loopback).map((i) => {
      where.set(i.device, { host: name, iface: i.name });
      return { name: i.name, cidrs: i.addresses.map((a) => `${formatIpv4Address(a.addr)}/${a.prefixLen}`) };
    });
    hosts.push({ name, interfaces });
  }
  const links = net.links.map((l: Link): LabTopologyLink => {
    const c = l.aToB.config;
    return {
      a: where.get(l.a) ?? { host: "?", iface: l.a.name },
      b: where.get(l.b) ?? { host: "?", iface: l.b.name },
      latencyUs: c.latency, jitterUs: c.jitter, loss: c.loss, duplicate: c.duplicate, reorder: c.reorder, rate: c.rate,
      mtu: c.mtu, partitioned,
    };
  });
  return { hosts, links };
}

/** The topology as a small SVG: hosts as boxes with their addresses, links with their impairments. */
export function topologySvg(topo: LabTopology): string {
  if (topo.hosts.length === 0) return "<p>(the scenario has not built its network yet)</p>";
  const boxW = 190, boxH = 64, gap = 170;
  const width = topo.hosts.length * boxW + (topo.hosts.length - 1) * gap + 20;
  const height = boxH + 40;
  const x = new Map<string, number>();
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="12">`];
  topo.hosts.forEach((h, i) => {
    const x0 = 10 + i * (boxW + gap);
    x.set(h.name, x0);
    out.push(`<rect x="${x0}" y="20" width="${boxW}" height="${boxH}" rx="6" fill="#eef3f8" stroke="#1f4e79"/>`);
    out.push(`<text x="${x0 + boxW / 2}" y="40" text-anchor="middle" font-weight="bold">${esc(h.name)}</text>`);
    h.interfaces.forEach((ifc, j) => {
      out.push(`<text x="${x0 + boxW / 2}" y="${58 + j * 15}" text-anchor="middle">${esc(`${ifc.name} ${ifc.cidrs.join(" ")}`)}</text>`);
    });
  });
  for (const l of topo.links) {
    const xa = x.get(l.a.host), xb = x.get(l.b.host);
    if (xa === undefined || xb === undefined) continue;
    const [from, to] = xa < xb ? [xa + boxW, xb] : [xb + boxW, xa];
    const y = 20 + boxH / 2;
    out.push(l.partitioned
      ? `<line x1="${from}" y1="${y}" x2="${to}" y2="${y}" stroke="#b03a00" stroke-width="2" stroke-dasharray="6 5"/><text x="${(from + to) / 2}" y="${y + 18}" text-anchor="middle" fill="#b03a00">partitioned</text>`
      : `<line x1="${from}" y1="${y}" x2="${to}" y2="${y}" stroke="#555" stroke-width="2"/>`);
    const label = [`${l.latencyUs} µs`];
    if (l.jitterUs) label.push(`±${l.jitterUs} µs`);
    if (l.loss) label.push(`loss ${(l.loss * 100).toFixed(1)}%`);
    if (l.duplicate) label.push(`dup ${(l.duplicate * 100).toFixed(1)}%`);
    if (l.reorder) label.push(`reorder ${(l.reorder * 100).toFixed(1)}%`);
    if (l.rate) label.push(`${l.rate / 1e6} Mbit/s`);
    if (l.mtu !== 1500) label.push(`mtu ${l.mtu}`);
    out.push(`<text x="${(from + to) / 2}" y="${y - 8}" text-anchor="middle" fill="#333">${esc(label.join(", "))}</text>`);
  }
  out.push("</svg>");
  return out.join("\n");
}
