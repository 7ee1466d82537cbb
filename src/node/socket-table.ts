/**
 * A minimal `ss -uan`-style listing of a sockstack host's UDP sockets, for
 * the `tun` CLI's `--ss` view and the interop tests while src/tools has no
 * `ss` yet. Columns as `ss -uan` prints them: State Recv-Q Send-Q Local
 * Peer. (TCP sockets will be listed by tools/ss once TCP lands.)
 */
import type { Host } from "../host/host.js";
import { formatIpv4Address } from "../wire/ipv4-address.js";

/** One row of the listing. */
export interface SocketRow {
  netid: "udp";
  /** `ESTAB` for a connected socket, else `UNCONN` (as ss prints UDP). */
  state: string;
  recvQ: number;
  sendQ: number;
  local: string;
  peer: string;
}

function ep(addr: number, port: number): string {
  return `${addr === 0 ? "0.0.0.0" : formatIpv4Address(addr)}:${port === 0 ? "*" : port}`;
}

/**
 * The UDP sockets of `host`, ordered by local port.
 * @example udpSocketRows(host)[0] // { netid: "udp", state: "UNCONN", recvQ: 0, sendQ: 0, local: "0.0.0.0:7", peer: "0.0.0.0:*" }
 */
export function udpSocketRows(host: Host): SocketRow[] {
  const rows: SocketRow[] = [];
  for (const sk of host.udp.socks()) {
    rows.push({
      netid: "udp",
      state: sk.connected ? "ESTAB" : "UNCONN",
      recvQ: sk.rmemAlloc,
      sendQ: 0,
      local: ep(sk.localAddr, sk.localPort),
      peer: sk.connected ? ep(sk.remoteAddr, sk.remotePort) : "0.0.0.0:*",
    });
  }
  return rows.sort((a, b) => a.local.localeCompare(b.local, "en", { numeric: true }));
}

/** The rows as `ss -uan` text (with its header line). */
export function formatSocketTable(rows: readonly SocketRow[]): string {
  const head = ["State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port"];
  const cells = rows.map((r) => [r.state, String(r.recvQ), String(r.sendQ), r.local, r.peer]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [head, ...cells].map((c) => c.map((x, i) => x.padEnd(w[i]!)).join(" ").trimEnd()).join("\n");
}
