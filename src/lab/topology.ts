/**
 * The lab's topology view: the hosts of a network with their interfaces
 * and addresses, its links with their impairments, and the small SVG the
 * page draws of them (a partitioned link dashed red).
 *
 * @example
 * topologySvg(labTopology(net)); // client ── 50 µs ── server
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

/** The hosts, interfaces and links of `net` now (a link counts as partitioned when both its directions are). */
export function labTopology(net: Network): LabTopology {
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
      mtu: c.mtu, partitioned: l.aToB.partitioned && l.bToA.partitioned,
    };
  });
  return { hosts, links };
}

/** Options of {@link topologySvg}. */
export interface TopologySvgOptions {
  /** The link picked in the page (its index): drawn highlighted. */
  selected?: number;
}

/** A link's impairments as its label prints them: `50 µs, loss 2.0%, 10 Mbit/s`. */
function linkLabel(l: LabTopologyLink): string {
  const label = [`${l.latencyUs} µs`];
  if (l.jitterUs) label.push(`±${l.jitterUs} µs`);
  if (l.loss) label.push(`loss ${(l.loss * 100).toFixed(1)}%`);
  if (l.duplicate) label.push(`dup ${(l.duplicate * 100).toFixed(1)}%`);
  if (l.reorder) label.push(`reorder ${(l.reorder * 100).toFixed(1)}%`);
  if (l.rate) label.push(`${l.rate / 1e6} Mbit/s`);
  if (l.mtu !== 1500) label.push(`mtu ${l.mtu}`);
  return label.join(", ");
}

/**
 * The topology as a small SVG: hosts as boxes with their addresses, links
 * with their number and impairments, each link a `data-link` group the page
 * makes clickable (a wide transparent line to hit). Two hosts, or a chain,
 * are drawn in a row; a star (every link shares one host: a client with
 * several servers, a server with a client and an attacker) with its hub on
 * the left and the others in a column, so no link crosses a box.
 */
export function topologySvg(topo: LabTopology, opts: TopologySvgOptions = {}): string {
  if (topo.hosts.length === 0) return "<p>(the scenario has not built its network yet)</p>";
  const boxW = 190, gap = 170, vgap = 16;
  const boxH = (h: LabTopologyHost) => 34 + 15 * Math.max(1, h.interfaces.length);
  // A star: one host on every link (two links or more).
  const hub = topo.links.length >= 2 ? topo.hosts.find((h) => topo.links.every((l) => l.a.host === h.name || l.b.host === h.name)) : undefined;
  const pos = new Map<string, { x: number; y: number; h: number }>();
  if (hub) {
    const spokeX = 10 + boxW + gap + 90; // room for each link's label beside its spoke
    const spokes = topo.hosts.filter((h) => h !== hub);
    let y = 20;
    for (const h of spokes) {
      pos.set(h.name, { x: spokeX, y, h: boxH(h) });
      y += boxH(h) + vgap;
    }
    const total = y - vgap - 20;
    pos.set(hub.name, { x: 10, y: 20 + Math.max(0, (total - boxH(hub)) / 2), h: boxH(hub) });
  } else {
    topo.hosts.forEach((h, i) => pos.set(h.name, { x: 10 + i * (boxW + gap), y: 20, h: boxH(h) }));
  }
  const width = Math.max(...[...pos.values()].map((p) => p.x + boxW)) + 10;
  const height = Math.max(...[...pos.values()].map((p) => p.y + p.h)) + 20;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="12">`];
  for (const h of topo.hosts) {
    const p = pos.get(h.name)!;
    out.push(`<rect x="${p.x}" y="${p.y}" width="${boxW}" height="${p.h}" rx="6" fill="#eef3f8" stroke="#1f4e79"/>`);
    out.push(`<text x="${p.x + boxW / 2}" y="${p.y + 20}" text-anchor="middle" font-weight="bold">${esc(h.name)}</text>`);
    h.interfaces.forEach((ifc, j) => {
      out.push(`<text x="${p.x + boxW / 2}" y="${p.y + 38 + j * 15}" text-anchor="middle">${esc(`${ifc.name} ${ifc.cidrs.join(" ")}`)}</text>`);
    });
  }
  topo.links.forEach((l, i) => {
    const pa = pos.get(l.a.host), pb = pos.get(l.b.host);
    if (!pa || !pb) return;
    const [left, right] = pa.x <= pb.x ? [pa, pb] : [pb, pa];
    const x1 = left.x + boxW, x2 = right.x;
    // In a row both ends are at the boxes' middles; in a star each spoke's line leaves the hub level with the spoke where the hub's side allows.
    const y2 = right.y + right.h / 2, y1 = hub ? Math.min(Math.max(y2, left.y + 8), left.y + left.h - 8) : left.y + left.h / 2;
    const sel = opts.selected === i;
    const color = l.partitioned ? "#b03a00" : sel ? "#1f4e79" : "#555";
    const label = `${topo.links.length > 1 ? `link ${i}: ` : ""}${linkLabel(l)}`;
    out.push(`<g class="link${sel ? " sel" : ""}" data-link="${i}"><title>${esc(`link ${i}: ${l.a.host} ${l.a.iface} — ${l.b.host} ${l.b.iface} (click to pick it)`)}</title>`);
    out.push(`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="transparent" stroke-width="16"/>`);
    out.push(`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${color}" stroke-width="${sel ? 4 : 2}"${l.partitioned ? ` stroke-dasharray="6 5"` : ""}/>`);
    // A row's label sits above the middle of its line; a spoke's above its end, by the spoke's box.
    const [tx, ty, anchor] = hub ? [x2 - 6, y2, "end"] : [(x1 + x2) / 2, (y1 + y2) / 2, "middle"];
    if (l.partitioned) out.push(`<text x="${tx}" y="${ty + 18}" text-anchor="${anchor}" fill="#b03a00">partitioned</text>`);
    out.push(`<text x="${tx}" y="${ty - 8}" text-anchor="${anchor}" fill="${sel ? "#1f4e79" : "#333"}"${sel ? ` font-weight="bold"` : ""}>${esc(label)}</text>`);
    out.push("</g>");
  });
  out.push("</svg>");
  return out.join("\n");
}
