/**
 * DHCP (RFC 2131): a client (`dhclient`-like) that configures an Ethernet
 * interface of a host that has no address, and a server (`dhcpd`-like)
 * that leases addresses from a pool. Both work as ISC's do on Linux: they
 * send and receive whole frames on the card (a packet socket — a client
 * without an address cannot use IP yet, and a server must answer clients
 * that have none), and each keeps a UDP socket bound to its port (68 or
 * 67) so the kernel does not answer DHCP datagrams with port unreachables.
 *
 * Client (RFC 2131 §4.4, figure 5): INIT → SELECTING (DISCOVER broadcast)
 * → REQUESTING (REQUEST for the first OFFER, broadcast, naming its server)
 * → BOUND: the address with its prefix, a default route through the first
 * router; at T1 (half the lease, or option 58) RENEWING (REQUEST unicast
 * to the server), at T2 (7/8, or option 59) REBINDING (broadcast), at the
 * end of the lease the address is removed and the client starts again.
 * A NAK sends it back to INIT. Retransmissions: 4 s, doubled up to 64 s,
 * each ±1 s from the host's RNG (§4.1). All on virtual time.
 *
 * Server (§4.3): an OFFER of the client's current lease, else the address
 * it asks for when free, else the lowest free one; offers are held for
 * the client 120 s; a REQUEST for the offered or leased address is ACKed,
 * any other is NAKed; RELEASE frees, DECLINE blocks an address for the
 * lease time. Replies go as §4.1 says: to ciaddr when set, broadcast when
 * the client set the broadcast flag, else to yiaddr at chaddr (no ARP).
 */
import { Timer } from "../core/scheduler.js";
import { SEC, type Micros } from "../core/time.js";
import { EthernetDevice, type FrameHeader } from "../link/ethernet.js";
import type { NetInterface } from "../ip/interface.js";
import {
  BOOTREPLY, BOOTREQUEST, DHCPACK, DHCPDECLINE, DHCPDISCOVER, DHCPNAK, DHCPOFFER, DHCPRELEASE, DHCPREQUEST, DHCP_CLIENT_PORT,
  DHCP_FLAG_BROADCAST, DHCP_SERVER_PORT, OPT, emitDhcp, parseDhcp, type DhcpMessage,
} from "../wire/dhcp.js";
import { ETH_P_IP, MAC_BROADCAST, type MacAddress } from "../wire/ethernet.js";
import { IPPROTO_UDP, writeIpv4Header } from "../wire/ipv4.js";
import { formatIpv4Address, INADDR_BROADCAST, ipv4, prefixMask, readIpv4Address, type Ipv4Address } from "../wire/ipv4-address.js";
import { finalizeChecksums, Packet } from "../wire/packet.js";
import { WireError } from "../wire/wire-error.js";
import type { Host } from "./host.js";

/** A lease as the client holds it. */
export interface DhcpLease {
  address: Ipv4Address;
  prefixLen: number;
  router: Ipv4Address | null;
  dns: Ipv4Address[];
  server: Ipv4Address;
  /** Lease length in seconds. */
  leaseTime: number;
  /** When it was obtained (µs). */
  obtained: Micros;
}

/** RFC 2131 client states. */
export type DhcpClientState = "INIT" | "SELECTING" | "REQUESTING" | "BOUND" | "RENEWING" | "REBINDING" | "STOPPED";

function cardOf(host: Host, ifName: string): { iface: NetInterface; dev: EthernetDevice } {
  const iface = host.ip.interfaceByName(ifName);
  if (!iface) throw new TypeError(`${host.name}: no interface ${ifName}`);
  if (!(iface.device instanceof EthernetDevice)) throw new TypeError(`${host.name}: ${ifName} is not an Ethernet interface (DHCP needs one)`);
  return { iface, dev: iface.device };
}

/** A UDP/IPv4 datagram carrying `data`, checksums final. */
function udpDatagram(src: Ipv4Address, dst: Ipv4Address, sport: number, dport: number, data: Uint8Array, id: number): Packet {
  const head = new Uint8Array(28);
  writeIpv4Header(head, 0, src, dst, IPPROTO_UDP, 8 + data.length, 64, src === 0 ? 0x10 : 0, id, 0);
  head[20] = sport >>> 8; head[21] = sport & 255; head[22] = dport >>> 8; head[23] = dport & 255;
  const len = 8 + data.length;
  head[24] = len >>> 8; head[25] = len & 255;
  const p = new Packet(head, data, true);
  finalizeChecksums(p);
  return p;
}

/** The DHCP payload of a received frame to UDP port `port`, or null. */
function dhcpIn(hdr: FrameHeader, p: Packet, port: number): { msg: DhcpMessage; src: Ipv4Address } | null {
  if (hdr.etherType !== ETH_P_IP) return null;
  const b = p.bytes();
  if (b.length < 28 || b[0]! >> 4 !== 4 || b[9] !== IPPROTO_UDP) return null;
  const hl = (b[0]! & 15) * 4;
  if (((b[hl + 2]! << 8) | b[hl + 3]!) !== port) return null;
  const msg = parseDhcp(b.subarray(hl + 8));
  return msg instanceof WireError ? null : { msg, src: readIpv4Address(b, 12) };
}

function prefixOf(mask: Ipv4Address): number {
  let n = 0;
  while (n < 32 && ((mask << n) & 0x80000000) !== 0) n++;
  return n;
}

/** Options of {@link dhclient}. */
export interface DhcpClientOptions {
  /** Interface to configure (default `eth0`). */
  iface?: string;
  /** Told on every state change and lease. */
  onEvent?: (event: string) => void;
}

/** A running DHCP client. */
export class DhcpClient {
  state: DhcpClientState = "INIT";
  lease: DhcpLease | null = null;
  /** Log lines like dhclient's (`DHCPDISCOVER on eth0 to 255.255.255.255 port 67 interval 4`). */
  readonly log: string[] = [];
  readonly #host: Host;
  readonly #iface: NetInterface;
  readonly #dev: EthernetDevice;
  readonly #timer: Timer;
  readonly #leaseTimer: Timer;
  #xid = 0;
  #start: Micros = 0;
  #interval = 0;
  #offer: DhcpMessage | null = null;
  #serverMac: MacAddress = MAC_BROADCAST;
  #ipId = 0;
  #waiters: ((l: DhcpLease) => void)[] = [];
  readonly #tap: (hdr: FrameHeader, p: Packet, dir: "in" | "out") => void;
  readonly #opts: DhcpClientOptions;

  constructor(host: Host, opts: DhcpClientOptions = {}) {
    this.#host = host;
    this.#opts = opts;
    ({ iface: this.#iface, dev: this.#dev } = cardOf(host, opts.iface ?? "eth0"));
    this.#timer = new Timer(() => this.#onTimer());
    this.#leaseTimer = new Timer(() => this.#onLeaseTimer());
    this.#tap = (hdr, p, dir) => {
      if (dir !== "in") return;
      const r = dhcpIn(hdr, p, DHCP_CLIENT_PORT);
      if (r && r.msg.op === BOOTREPLY && r.msg.xid === this.#xid && r.msg.chaddr === this.#dev.mac) this.#input(r.msg, hdr.src);
    };
    this.#dev.frameTaps.push(this.#tap);
    host.spawn("dhclient", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_DGRAM");
      p.bind(fd, ["0.0.0.0", DHCP_CLIENT_PORT]);
      for (;;) await p.recv(fd, 1500); // the frames are read on the card; this keeps port 68 open
    }, { daemon: true });
    this.#discover();
  }

  /** Resolves when the client is BOUND (at once if it is). */
  bound(): Promise<DhcpLease> {
    if (this.lease && (this.state === "BOUND" || this.state === "RENEWING" || this.state === "REBINDING")) return Promise.resolve(this.lease);
    return new Promise((r) => this.#waiters.push(r));
  }

  /** Releases the lease (DHCPRELEASE to the server) and stops. */
  release(): void {
    const l = this.lease;
    if (l && this.state !== "STOPPED") {
      this.#xid = this.#host.ctx.rng.u32();
      this.#send({ type: DHCPRELEASE, ciaddr: l.address, serverId: l.server }, l.address, l.server, this.#serverMac);
      this.#unconfigure();
    }
    this.stop();
  }

  /** Stops the client (timers off, the lease kept on the interface). */
  stop(): void {
    this.#setState("STOPPED");
    const s = this.#host.ctx.scheduler;
    s.disarm(this.#timer);
    s.disarm(this.#leaseTimer);
    const i = this.#dev.frameTaps.indexOf(this.#tap);
    if (i >= 0) this.#dev.frameTaps.splice(i, 1);
  }

  #now(): Micros {
    return this.#host.ctx.scheduler.now();
  }

  #setState(s: DhcpClientState): void {
    this.state = s;
    this.#opts.onEvent?.(s);
  }

  #discover(): void {
    this.#setState("SELECTING");
    this.#xid = this.#host.ctx.rng.u32();
    this.#start = this.#now();
    this.#offer = null;
    this.#interval = 4;
    this.#sendDiscover();
  }

  #sendDiscover(): void {
    this.#send({ type: DHCPDISCOVER, paramList: [OPT.SUBNET_MASK, OPT.ROUTER, OPT.DNS, OPT.HOSTNAME], hostName: this.#host.name }, 0, INADDR_BROADCAST, MAC_BROADCAST);
    this.#logSend("DHCPDISCOVER", INADDR_BROADCAST);
    this.#arm();
  }

  #sendRequest(): void {
    const o = this.#offer!;
    if (this.state === "REQUESTING") {
      this.#send({ type: DHCPREQUEST, requestedIp: o.yiaddr, serverId: o.serverId, hostName: this.#host.name, paramList: [OPT.SUBNET_MASK, OPT.ROUTER, OPT.DNS] }, 0, INADDR_BROADCAST, MAC_BROADCAST);
      this.#logSend("DHCPREQUEST", INADDR_BROADCAST);
    } else {
      const l = this.lease!;
      const renewing = this.state === "RENEWING";
      const dst = renewing ? l.server : INADDR_BROADCAST;
      this.#send({ type: DHCPREQUEST, ciaddr: l.address, hostName: this.#host.name }, l.address, dst, renewing ? this.#serverMac : MAC_BROADCAST);
      this.#logSend("DHCPREQUEST", dst);
    }
    this.#arm();
  }

  #logSend(what: string, dst: Ipv4Address): void {
    this.log.push(`${what} on ${this.#iface.name} to ${formatIpv4Address(dst)} port ${DHCP_SERVER_PORT} interval ${this.#interval}`);
  }

  /** §4.1: retransmit after 4 s, then 8, 16, 32, 64 (capped), each ±1 s. */
  #arm(): void {
    const jitter = this.#host.ctx.rng.below(2 * SEC + 1) - SEC;
    this.#host.ctx.scheduler.arm(this.#timer, this.#now() + this.#interval * SEC + jitter);
    this.#interval = Math.min(64, this.#interval * 2);
  }

  #onTimer(): void {
    if (this.state === "SELECTING") this.#sendDiscover();
    else if (this.state === "REQUESTING" || this.state === "RENEWING" || this.state === "REBINDING") this.#sendRequest();
  }

  #send(fields: Partial<DhcpMessage>, src: Ipv4Address, dst: Ipv4Address, dstMac: MacAddress): void {
    const m: DhcpMessage = {
      op: BOOTREQUEST, xid: this.#xid, secs: Math.min(65535, Math.floor((this.#now() - this.#start) / SEC)), flags: 0,
      ciaddr: 0, yiaddr: 0, siaddr: 0, giaddr: 0, chaddr: this.#dev.mac, type: 0, ...fields,
    };
    this.#dev.sendFrame(dstMac, ETH_P_IP, udpDatagram(src, dst, DHCP_CLIENT_PORT, DHCP_SERVER_PORT, emitDhcp(m), this.#ipId++ & 0xffff));
  }

  #input(m: DhcpMessage, fromMac: MacAddress): void {
    this.log.push(`${m.type === DHCPOFFER ? "DHCPOFFER" : m.type === DHCPACK ? "DHCPACK" : m.type === DHCPNAK ? "DHCPNAK" : `type ${m.type}`} of ${formatIpv4Address(m.yiaddr)} from ${formatIpv4Address(m.serverId ?? 0)}`);
    if (m.type === DHCPOFFER && this.state === "SELECTING") {
      this.#offer = m;
      this.#setState("REQUESTING");
      this.#interval = 4;
      this.#sendRequest();
      return;
    }
    if (m.type === DHCPNAK && (this.state === "REQUESTING" || this.state === "RENEWING" || this.state === "REBINDING")) {
      this.#unconfigure();
      this.#discover();
      return;
    }
    if (m.type !== DHCPACK || !(this.state === "REQUESTING" || this.state === "RENEWING" || this.state === "REBINDING")) return;
    const leaseTime = m.leaseTime ?? 3600;
    const mask = m.subnetMask ?? (this.#offer?.subnetMask ?? prefixMask(24));
    const old = this.lease;
    const lease: DhcpLease = {
      address: m.yiaddr, prefixLen: prefixOf(mask), router: m.routers?.[0] ?? null, dns: m.dns ?? [],
      server: m.serverId ?? old?.server ?? 0, leaseTime, obtained: this.#now(),
    };
    this.#serverMac = fromMac;
    if (!old || old.address !== lease.address) {
      if (old) this.#unconfigure();
      this.#host.ip.addAddress(this.#iface, lease.address, lease.prefixLen);
      if (lease.router) this.#host.ip.routes.add({ dest: 0, prefixLen: 0, gateway: lease.router, iface: this.#iface });
    }
    this.lease = lease;
    this.#setState("BOUND");
    this.log.push(`bound to ${formatIpv4Address(lease.address)} -- renewal in ${m.renewalTime ?? Math.floor(leaseTime / 2)} seconds.`);
    const s = this.#host.ctx.scheduler;
    s.disarm(this.#timer);
    this.#t1 = lease.obtained + (m.renewalTime ?? leaseTime / 2) * SEC;
    this.#t2 = lease.obtained + (m.rebindingTime ?? (leaseTime * 7) / 8) * SEC;
    this.#end = lease.obtained + leaseTime * SEC;
    s.arm(this.#leaseTimer, Math.floor(this.#t1));
    for (const w of this.#waiters.splice(0)) w(lease);
  }

  #t1 = 0;
  #t2 = 0;
  #end = 0;

  #onLeaseTimer(): void {
    const now = this.#now();
    const s = this.#host.ctx.scheduler;
    if (now >= this.#end) {
      this.log.push(`lease of ${formatIpv4Address(this.lease!.address)} expired`);
      this.#unconfigure();
      this.#discover();
      return;
    }
    this.#xid = this.#host.ctx.rng.u32();
    this.#start = now;
    this.#interval = 4;
    if (now >= this.#t2) {
      this.#setState("REBINDING");
      s.arm(this.#leaseTimer, Math.floor(this.#end));
    } else {
      this.#setState("RENEWING");
      s.arm(this.#leaseTimer, Math.floor(this.#t2));
    }
    this.#sendRequest();
  }

  #unconfigure(): void {
    const l = this.lease;
    if (!l) return;
    this.#host.ip.routes.remove((r) => r.iface === this.#iface && r.prefixLen === 0 && r.gateway === l.router);
    this.#host.ip.removeAddress(this.#iface, l.address);
    this.lease = null;
  }
}

/**
 * Starts a DHCP client on an Ethernet interface of `host` (`dhclient eth0`).
 * @example
 * const c = dhclient(host);
 * await net.runUntil(() => c.state === "BOUND");
 * host.address;   // "10.0.0.100"
 */
export function dhclient(host: Host, opts: DhcpClientOptions = {}): DhcpClient {
  return new DhcpClient(host, opts);
}

/** Options of {@link dhcpd}. */
export interface DhcpServerOptions {
  /** Interface to serve (default `eth0`); it must have an address. */
  iface?: string;
  /** First and last address of the pool (`["10.0.0.100", "10.0.0.199"]`). */
  range: [string, string];
  /** Lease time in seconds (default 3600). */
  leaseTime?: number;
  /** Router option (default none). */
  router?: string;
  /** DNS servers option. */
  dns?: string[];
}

interface ServerLease {
  mac: MacAddress;
  addr: Ipv4Address;
  /** Lease end (µs); for an offer, when the offer lapses. */
  until: Micros;
  offered: boolean;
}

/** Offers are held this long for their client (RFC 2131 leaves it to the server). */
const OFFER_HOLD = 120 * SEC;

/** A running DHCP server. */
export class DhcpServer {
  /** Leases and offers by client MAC. */
  readonly leases = new Map<MacAddress, ServerLease>();
  /** Declined addresses and until when they are blocked. */
  readonly declined = new Map<Ipv4Address, Micros>();
  /** Log lines like dhcpd's (`DHCPDISCOVER from 02:… via eth0`, `DHCPACK on 10.0.0.100 to 02:… via eth0`). */
  readonly log: string[] = [];
  readonly #host: Host;
  readonly #iface: NetInterface;
  readonly #dev: EthernetDevice;
  readonly #first: Ipv4Address;
  readonly #last: Ipv4Address;
  readonly #leaseTime: number;
  readonly #router: Ipv4Address | null;
  readonly #dns: Ipv4Address[];
  readonly #self: Ipv4Address;
  readonly #mask: Ipv4Address;
  #ipId = 0;

  constructor(host: Host, opts: DhcpServerOptions) {
    this.#host = host;
    ({ iface: this.#iface, dev: this.#dev } = cardOf(host, opts.iface ?? "eth0"));
    const a = this.#iface.addresses[0];
    if (!a) throw new TypeError(`${host.name}: ${this.#iface.name} has no address to serve DHCP from`);
    this.#self = a.addr;
    this.#mask = prefixMask(a.prefixLen);
    this.#first = ipv4(opts.range[0]);
    this.#last = ipv4(opts.range[1]);
    if (this.#last < this.#first) throw new RangeError(`dhcpd: empty range ${opts.range.join("-")}`);
    this.#leaseTime = opts.leaseTime ?? 3600;
    this.#router = opts.router ? ipv4(opts.router) : null;
    this.#dns = (opts.dns ?? []).map(ipv4);
    this.#dev.frameTaps.push((hdr, p, dir) => {
      if (dir !== "in") return;
      const r = dhcpIn(hdr, p, DHCP_SERVER_PORT);
      if (r && r.msg.op === BOOTREQUEST) this.#input(r.msg);
    });
    host.spawn("dhcpd", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_DGRAM");
      p.bind(fd, ["0.0.0.0", DHCP_SERVER_PORT]);
      for (;;) await p.recv(fd, 1500); // frames are read on the card; this keeps port 67 open
    }, { daemon: true });
  }

  #now(): Micros {
    return this.#host.ctx.scheduler.now();
  }

  #mac(m: DhcpMessage): string {
    const h = m.chaddr.toString(16).padStart(12, "0");
    return h.match(/../g)!.join(":");
  }

  #free(addr: Ipv4Address, mac: MacAddress): boolean {
    if (addr < this.#first || addr > this.#last || addr === this.#self) return false;
    const now = this.#now();
    const d = this.declined.get(addr);
    if (d !== undefined && d > now) return false;
    for (const l of this.leases.values()) if (l.addr === addr && l.mac !== mac && l.until > now) return false;
    return true;
  }

  #pick(m: DhcpMessage): Ipv4Address | null {
    const cur = this.leases.get(m.chaddr);
    if (cur && this.#free(cur.addr, m.chaddr)) return cur.addr;
    if (m.requestedIp !== undefined && this.#free(m.requestedIp, m.chaddr)) return m.requestedIp;
    for (let a = this.#first; a <= this.#last; a++) if (this.#free(a, m.chaddr)) return a;
    return null;
  }

  #input(m: DhcpMessage): void {
    const via = this.#iface.name;
    const now = this.#now();
    switch (m.type) {
      case DHCPDISCOVER: {
        this.log.push(`DHCPDISCOVER from ${this.#mac(m)} via ${via}`);
        const addr = this.#pick(m);
        if (addr === null) {
          this.log.push(`DHCPDISCOVER from ${this.#mac(m)} via ${via}: network ${formatIpv4Address(this.#self & this.#mask)}/${prefixOf(this.#mask)}: no free leases`);
          return;
        }
        const cur = this.leases.get(m.chaddr);
        if (!cur || cur.addr !== addr || cur.offered) this.leases.set(m.chaddr, { mac: m.chaddr, addr, until: now + OFFER_HOLD, offered: true });
        this.#reply(m, DHCPOFFER, addr);
        this.log.push(`DHCPOFFER on ${formatIpv4Address(addr)} to ${this.#mac(m)} via ${via}`);
        return;
      }
      case DHCPREQUEST: {
        if (m.serverId !== undefined && m.serverId !== this.#self) {
          // The client chose another server: our offer lapses.
          const cur = this.leases.get(m.chaddr);
          if (cur?.offered) this.leases.delete(m.chaddr);
          return;
        }
        const want = m.requestedIp ?? m.ciaddr;
        this.log.push(`DHCPREQUEST for ${formatIpv4Address(want)} from ${this.#mac(m)} via ${via}`);
        const cur = this.leases.get(m.chaddr);
        if (cur && cur.addr === want && (cur.offered ? cur.until > now : true) && this.#free(want, m.chaddr)) {
          cur.offered = false;
          cur.until = now + this.#leaseTime * SEC;
          this.#reply(m, DHCPACK, want);
          this.log.push(`DHCPACK on ${formatIpv4Address(want)} to ${this.#mac(m)} via ${via}`);
        } else {
          this.#reply(m, DHCPNAK, 0);
          this.log.push(`DHCPNAK on ${formatIpv4Address(want)} to ${this.#mac(m)} via ${via}`);
        }
        return;
      }
      case DHCPRELEASE: {
        const cur = this.leases.get(m.chaddr);
        if (cur && cur.addr === m.ciaddr) this.leases.delete(m.chaddr);
        this.log.push(`DHCPRELEASE of ${formatIpv4Address(m.ciaddr)} from ${this.#mac(m)} via ${via}`);
        return;
      }
      case DHCPDECLINE: {
        if (m.requestedIp !== undefined) this.declined.set(m.requestedIp, now + this.#leaseTime * SEC);
        this.leases.delete(m.chaddr);
        this.log.push(`DHCPDECLINE of ${formatIpv4Address(m.requestedIp ?? 0)} from ${this.#mac(m)} via ${via}`);
        return;
      }
    }
  }

  #reply(req: DhcpMessage, type: number, yiaddr: Ipv4Address): void {
    const nak = type === DHCPNAK;
    const m: DhcpMessage = {
      op: BOOTREPLY, xid: req.xid, secs: 0, flags: req.flags, ciaddr: nak ? 0 : req.ciaddr, yiaddr, siaddr: 0, giaddr: 0, chaddr: req.chaddr,
      type, serverId: this.#self,
      ...(nak ? { message: "requested address not available" } : {
        leaseTime: this.#leaseTime, subnetMask: this.#mask,
        ...(this.#router !== null ? { routers: [this.#router] } : {}), ...(this.#dns.length ? { dns: this.#dns } : {}),
      }),
    };
    // §4.1: to ciaddr when set; broadcast when asked (or for a NAK); else to yiaddr at chaddr.
    let dst: Ipv4Address, mac: MacAddress;
    if (req.ciaddr !== 0 && !nak) {
      dst = req.ciaddr;
      mac = req.chaddr;
    } else if (nak || (req.flags & DHCP_FLAG_BROADCAST) !== 0) {
      dst = INADDR_BROADCAST;
      mac = MAC_BROADCAST;
    } else {
      dst = yiaddr;
      mac = req.chaddr;
    }
    const p = udpDatagram(this.#self, dst, DHCP_SERVER_PORT, DHCP_CLIENT_PORT, emitDhcp(m), this.#ipId++ & 0xffff);
    this.#dev.sendFrame(mac, ETH_P_IP, p);
  }
}

/**
 * Starts a DHCP server on an Ethernet interface of `host` (`dhcpd eth0`).
 * @example
 * dhcpd(server, { range: ["10.0.0.100", "10.0.0.199"], router: "10.0.0.1", leaseTime: 3600 });
 */
export function dhcpd(host: Host, opts: DhcpServerOptions): DhcpServer {
  return new DhcpServer(host, opts);
}
