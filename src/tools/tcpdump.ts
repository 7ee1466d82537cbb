/**
 * tcpdump-style text for IPv4 and IPv6 packets: the lines `tcpdump -nn`
 * (and `-nn -v`) prints for the same bytes, verified against tcpdump 4.99 on kernel
 * captures and on crafted malformed packets (tcpdump.test.ts).
 *
 * Covered: IPv4 (fragments, `bad-len`, `bad-hlen`, `truncated-ip`, `-v`
 * header with ECN, flags and bad header checksums), TCP (flags, relative
 * sequence numbers per connection like tcpdump's conversation table,
 * options incl. `[bad opt]`, `[len N]`, SACK blocks, bad header lengths,
 * `[|tcp]`, `-v` checksums), UDP (`bad length`, `truncated-udp…`), ICMP
 * (echo, unreachable incl. `need to frag (mtu N)`, time exceeded, `-v`
 * checksum and the quoted datagram), IPv6 and ICMPv6 (tcpdump-ipv6.ts;
 * TCP and UDP after extension headers with ports only, as tcpdump).
 * Not reproduced: tcpdump's application
 * decoders chosen by well-known port (DNS on 53, HTTP on 80, rx on 7000…),
 * IP options text, MPTCP/TFO/TCP-AO option details, `-vv` (printed as
 * `-v`). `-X` appends {@link hexDump}.
 *
 * Pure: no I/O. A {@link TcpdumpFormatter} keeps the per-connection initial
 * sequence numbers (as tcpdump does), so feed it packets in capture order.
 *
 * @example
 * const td = new TcpdumpFormatter();
 * td.format(packet, now); // "00:00:01.000200 IP 10.0.0.1.9090 > 10.0.0.2.47513: Flags [S.], seq …"
 */
import type { Micros } from "../core/time.js";
import { md5Digest } from "../tcp/md5sig.js";
import { NET_AF_INET6, parseInetAddress, type InetAddress } from "../net/inet-address.js";
import { formatIpv6Address } from "../wire/ipv6-address.js";
import { foldChecksum, pseudoHeaderSum, sum16 } from "../wire/checksum.js";
import { formatIpv4Address } from "../wire/ipv4-address.js";
import { finalizeChecksums, Packet } from "../wire/packet.js";
import { TCP, TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from "../wire/tcp.js";
import { Truncated, View, hex, hex4, shouldBe } from "./tcpdump-view.js";
import { ip6Text, type Ip6Printer } from "./tcpdump-ipv6.js";
import { TCPOPT_EOL, TCPOPT_MSS, TCPOPT_NOP, TCPOPT_SACK, TCPOPT_SACK_PERM, TCPOPT_TIMESTAMP, TCPOPT_WSCALE } from "../wire/tcp-options.js";

/** Options of the formatter. */
export interface TcpdumpOptions {
  /** `-v` level: 0 (default) or 1 (2 is printed like 1). */
  verbose?: number;
  /** `-S`: absolute sequence numbers (default false: relative, like tcpdump). */
  absoluteSeq?: boolean;
  /** `-X`: follow each packet's text with a hex and ASCII dump of the datagram ({@link hexDump}). */
  hex?: boolean;
  /** `-M secret`: check TCP MD5 signatures (RFC 2385) with this key: `md5 valid` or `md5  (invalid)`. */
  md5Secret?: string;
}

/** Protocol names of tcpdump's `-v` IP header (`proto TCP (6)`). */
const PROTO_NAMES: Record<number, string> = {
  0: "HBH", 1: "ICMP", 2: "IGMP", 4: "IPIP", 6: "TCP", 17: "UDP", 41: "IPv6", 47: "GRE", 50: "ESP", 51: "AH",
  58: "ICMPv6", 89: "OSPF", 103: "PIM", 112: "VRRP", 132: "SCTP",
};

/** TCP flag letters in tcpdump's table order (ACK is "." after P). */
const TCP_FLAG_CHARS: readonly [number, string][] = [
  [TCP_FIN, "F"], [TCP_SYN, "S"], [TCP_RST, "R"], [TCP_PSH, "P"], [TCP_ACK, "."], [TCP_URG, "U"], [TCP_ECE, "E"], [TCP_CWR, "W"],
];

/**
 * TCP flags as tcpdump prints them between brackets: `S`, `S.`, `P.`,
 * `F.`, `R.`, `.`, `none`.
 * @example tcpdumpFlags(0x12) === "S."
 */
export function tcpdumpFlags(flags: number): string {
  let s = "";
  for (const [bit, c] of TCP_FLAG_CHARS) if (flags & bit) s += c;
  return s || "none";
}

const TCP_OPT_NAMES: Record<number, string> = {
  0: "eol", 1: "nop", 2: "mss", 3: "wscale", 4: "sackOK", 5: "sack", 6: "echo", 7: "echoreply", 8: "TS",
  11: "cc", 12: "ccnew", 13: "ccecho", 19: "md5", 20: "scps", 28: "uto", 29: "tcp-ao", 30: "mptcp", 34: "tfo", 254: "exp",
};

const ICMP_TYPE_NAMES: Record<number, string> = {
  0: "echo reply", 4: "source quench", 8: "echo request", 10: "router solicitation", 13: "time stamp request",
  14: "time stamp reply", 15: "information request", 16: "information reply", 17: "address mask request",
};

/** Destination-unreachable codes whose text is `<what> <dst> unreachable<suffix>`. */
const UNREACH_TEXT: Record<number, [string, string]> = {
  0: ["net ", ""], 1: ["host ", ""], 5: ["", " - source route failed"], 6: ["net ", " - unknown"], 7: ["host ", " - unknown"],
  8: ["", " - source host isolated"], 9: ["net ", " - admin prohibited"], 10: ["host ", " - admin prohibited"],
  11: ["net ", " - tos prohibited"], 12: ["host ", " - tos prohibited"], 13: ["host ", " - admin prohibited filter"],
  14: ["host ", " - host precedence violation"], 15: ["host ", " - precedence cutoff"],
};

/**
 * Virtual time as tcpdump's default timestamp, `HH:MM:SS.uuuuuu` (time of
 * day, hours modulo 24).
 * @example formatTcpdumpTime(3_723_000_042) === "01:02:03.000042"
 */
export function formatTcpdumpTime(t: Micros): string {
  const us = Math.max(0, Math.floor(t));
  const s = Math.floor(us / 1e6);
  const p2 = (n: number) => String(n).padStart(2, "0");
  return `${p2(Math.floor(s / 3600) % 24)}:${p2(Math.floor(s / 60) % 60)}:${p2(s % 60)}.${String(us % 1e6).padStart(6, "0")}`;
}

/** A tcpdump-like formatter with tcpdump's per-conversation sequence state. */
export class TcpdumpFormatter {
  readonly #v: number;
  readonly #absolute: boolean;
  readonly #hex: boolean;
  readonly #secret: Uint8Array | null;
  /** tcpdump's tcp_seq_hash: normalized (addresses, ports) → initial seq/ack. */
  readonly #conns = new Map<string, { seq: number; ack: number }>();
  /** The IPv6 printer's view of this formatter (tcpdump-ipv6.ts). */
  readonly #six: Ip6Printer;

  constructor(opts: TcpdumpOptions = {}) {
    this.#v = opts.verbose ?? 0;
    this.#absolute = opts.absoluteSeq ?? false;
    this.#hex = opts.hex ?? false;
    this.#secret = opts.md5Secret === undefined ? null : new TextEncoder().encode(opts.md5Secret);
    this.#six = {
      verbose: this.#v,
      tcp: (v, o, length, src, dst, skey, dkey, cmp, pseudo, fragmented, withAddrs) =>
        this.#tcp(v, o, length, src, dst, skey, dkey, cmp, pseudo, fragmented, withAddrs),
      udp: (v, o, length, src, dst, fragmented, withAddrs, pseudo6) => this.#udp(v, o, length, src, dst, fragmented, withAddrs, pseudo6),
    };
  }

  /** Forgets all conversations (relative sequence numbers restart). */
  reset(): void {
    this.#conns.clear();
  }

  /**
   * The tcpdump text of one IPv4 datagram (possibly several lines with
   * `verbose`), prefixed by `HH:MM:SS.uuuuuu ` when `time` is given.
   * A {@link Packet} is read without being modified; if its checksums are
   * still offloaded they are shown as they will be on the wire (finalized
   * on a copy), like a pcap of it.
   */
  format(packet: Packet | Uint8Array, time?: Micros): string {
    const b = datagram(packet);
    let text = b.length > 0 && b[0]! >> 4 === 6 ? ip6Text(this.#six, b) : this.#ip(b, false);
    if (this.#hex) text += `\n${hexDump(b)}`;
    return time === undefined ? text : `${formatTcpdumpTime(time)} ${text}`;
  }

  #ip(b: Uint8Array, nested: boolean): string {
    let out = "";
    const v0 = new View(b, b.length);
    try {
      const vi = v0.u8(0, "ip");
      if (!nested && vi >> 4 !== 4) return `unknown ip ${vi >> 4}`;
      out = "IP ";
      const hlen = (vi & 15) * 4;
      if (hlen < 20) return `${out}bad-hlen ${hlen}`;
      let len = v0.u16(2, "ip");
      let captured = b.length;
      if (!nested && len > b.length) {
        out += `truncated-ip - ${len - b.length} bytes missing! `;
        len = b.length;
      }
      if (len < hlen) return `${out}bad-len ${len}`;
      if (nested) captured = Math.min(captured, len);
      const v = new View(b, Math.min(captured, len));
      const off = v.u16(6, "ip");
      const proto = v.u8(9, "ip");
      if (this.#v > 0) {
        const tos = v.u8(1, "ip");
        out += `(tos 0x${hex(tos)}${["", ",ECT(1)", ",ECT(0)", ",CE"][tos & 3]}`;
        const ttl = v.u8(8, "ip");
        if (ttl >= 1) out += `, ttl ${ttl}`;
        const fl: string[] = [];
        if (off & 0x2000) fl.push("+");
        if (off & 0x4000) fl.push("DF");
        if (off & 0x8000) fl.push("rsvd");
        out += `, id ${v.u16(4, "ip")}, offset ${(off & 0x1fff) * 8}, flags [${fl.length ? fl.join(", ") : "none"}]`;
        out += `, proto ${PROTO_NAMES[proto] ?? "unknown"} (${proto}), length ${v.u16(2, "ip")}`;
        if (v.has(0, hlen)) {
          const c = foldChecksum(sum16(b, 0, hlen));
          if (c !== 0) {
            const field = v.u16(10, "ip");
            out += `, bad cksum ${hex(field)} (->${hex(shouldBe(field, c))})!`;
          }
        }
        out += ")\n    ";
      }
      const saddr = v.u32(12, "ip");
      const daddr = v.u32(16, "ip");
      const src = formatIpv4Address(saddr);
      const dst = formatIpv4Address(daddr);
      if ((off & 0x1fff) !== 0) return `${out}${src} > ${dst}: ip-proto-${proto}`;
      const fragmented = (off & 0x2000) !== 0;
      const l4 = len - hlen;
      if (proto === 6) return out + this.#tcp(v, hlen, l4, src, dst, saddr, daddr, saddr > daddr ? 1 : saddr < daddr ? -1 : 0, pseudoHeaderSum(saddr, daddr, 6, l4), fragmented, true);
      if (proto === 17) return out + this.#udp(v, hlen, l4, src, dst, fragmented);
      out += `${src} > ${dst}: `;
      if (proto === 1) return out + this.#icmp(v, hlen, l4, fragmented);
      return `${out} ip-proto-${proto} ${l4}`;
    } catch (e) {
      if (e instanceof Truncated) return `${out} [|${e.proto}]`;
      throw e;
    }
  }


  /**
   * TCP after an IP header: `src`/`dst` are the printed addresses,
   * `skey`/`dkey` key the conversation, `cmp` orders the addresses
   * (tcpdump's memcmp), `pseudo` is the pseudo-header sum; with
   * `withAddrs` false (IPv6 after extension headers) only the ports are
   * printed, as tcpdump does.
   */
  #tcp(v: View, o: number, length: number, src: string, dst: string, skey: string | number, dkey: string | number, cmp: number, pseudo: number,
    fragmented: boolean, withAddrs: boolean): string {
    let out = "";
    try {
      // Field by field, bounds-checked: where the capture ends decides what
      // tcpdump prints (`[|tcp]`), so this reads the view's offsets itself.
      if (!v.has(o + TCP.DST_PORT, 2)) {
        out = `${src} > ${dst}:`;
        throw new Truncated("tcp");
      }
      const sport = v.u16(o + TCP.SRC_PORT, "tcp");
      const dport = v.u16(o + TCP.DST_PORT, "tcp");
      out = withAddrs ? `${src}.${sport} > ${dst}.${dport}: ` : `${sport} > ${dport}: `;
      const hlen = (v.u8(o + TCP.DATA_OFFSET, "tcp") >> 4) * 4;
      if (hlen < TCP.MIN_HEADER) return `${out} tcp ${length - hlen} [bad hdr length ${hlen} - too short, < 20]`;
      let seq = v.u32(o + TCP.SEQ, "tcp");
      let ack = v.u32(o + TCP.ACK, "tcp");
      const win = v.u16(o + TCP.WINDOW, "tcp");
      const urp = v.u16(o + TCP.URGENT, "tcp");
      const flags = v.u8(o + TCP.FLAGS, "tcp");
      out += `Flags [${tcpdumpFlags(flags)}]`;
      let rev = false;
      let thseq = 0;
      let thack = 0;
      if (!this.#absolute && flags & TCP_ACK) {
        const s = skey;
        const d = dkey;
        rev = sport > dport || (sport === dport && cmp > 0);
        const key = rev ? `${d}>${s}:${dport}>${sport}` : `${s}>${d}:${sport}>${dport}`;
        let th = this.#conns.get(key);
        if (th === undefined || flags & TCP_SYN) {
          th = rev ? { ack: seq, seq: (ack - 1) >>> 0 } : { seq, ack: (ack - 1) >>> 0 };
          this.#conns.set(key, th);
        } else if (rev) {
          seq = (seq - th.ack) >>> 0;
          ack = (ack - th.seq) >>> 0;
        } else {
          seq = (seq - th.seq) >>> 0;
          ack = (ack - th.ack) >>> 0;
        }
        thseq = th.seq;
        thack = th.ack;
      }
      if (hlen > length) return `${out} [bad hdr length ${hlen} - too long, > ${length}]`;
      if (this.#v > 0 && !fragmented && v.has(o, length)) {
        const sum = foldChecksum(sum16(v.b, o, length, pseudo));
        const field = v.u16(o + TCP.CHECKSUM, "tcp");
        out += `, cksum 0x${hex4(field)} ${sum === 0 ? "(correct)" : `(incorrect -> 0x${hex4(shouldBe(field, sum))})`}`;
      }
      const dlen = length - hlen;
      if (this.#v > 1 || dlen > 0 || flags & (TCP_FIN | TCP_SYN | TCP_RST)) {
        out += `, seq ${seq}`;
        if (dlen > 0) out += `:${(seq + dlen) >>> 0}`;
      }
      if (flags & TCP_ACK) out += `, ack ${ack}`;
      out += `, win ${win}`;
      if (flags & TCP_URG) out += `, urg ${urp}`;
      if (hlen > TCP.MIN_HEADER) {
        const secret = this.#secret;
        const sig = (at: number): string => (secret ? md5SignatureCheck(v, o, length, hlen, secret, at) : "shared secret not supplied with -M, can't check - ");
        const opts = tcpOptionsText(v, o + TCP.MIN_HEADER, hlen - TCP.MIN_HEADER, rev ? thseq : thack, sig);
        out += `, options [${opts.text}`;
        if (opts.bad) return out;
        out += "]";
      }
      return `${out}, length ${dlen}`;
    } catch (e) {
      if (e instanceof Truncated) return `${out} [|${e.proto}]`;
      throw e;
    }
  }

  #udp(v: View, o: number, length: number, src: string, dst: string, fragmented: boolean, withAddrs = true, pseudo6 = -1): string {
    let out = "";
    try {
      if (!v.has(o + 2, 2)) {
        out = `${src} > ${dst}: `;
        throw new Truncated("udp");
      }
      const sport = v.u16(o, "udp");
      const dport = v.u16(o + 2, "udp");
      out = withAddrs ? `${src}.${sport} > ${dst}.${dport}: ` : `${sport} > ${dport}: `;
      // IPv6 with -v: the checksum verdict before "UDP" (udp_print's udp6_cksum).
      if (pseudo6 >= 0 && this.#v > 0 && !fragmented && length >= 8 && v.has(o, length)) {
        const sum = foldChecksum(sum16(v.b, o, length, pseudo6));
        const field = v.u16(o + 6, "udp");
        out += sum === 0 ? "[udp sum ok] " : `[bad udp cksum 0x${hex4(field)} -> 0x${hex4(shouldBe(field, sum))}!] `;
      }
      if (length < 8) return `${out}truncated-udp ${length}`;
      let ulen = v.u16(o + 4, "udp");
      if (ulen < 8) return `${out}truncated-udplength ${ulen}`;
      ulen -= 8;
      let len = length - 8;
      if (ulen < len) len = ulen;
      if (!v.has(o, 8)) throw new Truncated("udp");
      return ulen > len && !fragmented ? `${out}UDP, bad length ${ulen} > ${len}` : `${out}UDP, length ${ulen}`;
    } catch (e) {
      if (e instanceof Truncated) return `${out} [|${e.proto}]`;
      throw e;
    }
  }

  #icmp(v: View, o: number, plen: number, fragmented: boolean): string {
    try {
      const type = v.u8(o, "icmp");
      const code = v.u8(o + 1, "icmp");
      const q = o + 8; // the quoted IP header of error messages
      let str: string;
      switch (type) {
        case 0:
        case 8:
          str = `echo ${type === 8 ? "request" : "reply"}, id ${v.u16(o + 4, "icmp")}, seq ${v.u16(o + 6, "icmp")}`;
          break;
        case 3: {
          const qdst = () => formatIpv4Address(v.u32(q + 16, "icmp"));
          if (code === 2) str = `${qdst()} protocol ${v.u8(q + 9, "icmp")} unreachable`;
          else if (code === 3) {
            const qp = v.u8(q + 9, "icmp");
            const qh = (v.u8(q, "icmp") & 15) * 4;
            const dport = v.u16(q + qh + 2, "icmp");
            str = qp === 6 ? `${qdst()} tcp port ${dport} unreachable`
              : qp === 17 ? `${qdst()} udp port ${dport} unreachable`
                : `${qdst()} protocol ${qp} port ${dport} unreachable`;
          } else if (code === 4) {
            const mtu = v.u16(o + 6, "icmp");
            str = `${qdst()} unreachable - need to frag${mtu ? ` (mtu ${mtu})` : ""}`;
          } else {
            const t = UNREACH_TEXT[code];
            str = t ? `${t[0]}${qdst()} unreachable${t[1]}` : `${qdst()} unreachable - #${code}`;
          }
          break;
        }
        case 11:
          v.u32(q + 16, "icmp");
          str = code === 0 ? "time exceeded in-transit" : code === 1 ? "ip reassembly time exceeded" : `time exceeded-#${code}`;
          break;
        case 12:
          str = code ? `parameter problem - code ${code}` : `parameter problem - octet ${v.u8(o + 4, "icmp")}`;
          break;
        default:
          str = ICMP_TYPE_NAMES[type] ?? `type-#${type}`;
      }
      let out = `ICMP ${str}, length ${plen}`;
      if (this.#v > 0 && !fragmented && v.has(o, plen)) {
        const sum = foldChecksum(sum16(v.b, o, plen));
        if (sum !== 0) {
          const field = v.u16(o + 2, "icmp");
          out += ` (wrong icmp cksum ${hex(field)} (->${hex(shouldBe(field, sum))})!)`;
        }
      }
      if (this.#v > 0 && (type === 3 || type === 4 || type === 5 || type === 11 || type === 12) && v.has(q, 4)) {
        const qlen = v.u16(q + 2, "icmp");
        const quoted = v.b.subarray(q, Math.min(v.end, q + qlen));
        out += `\n\t${this.#ip(quoted, true)}`;
      }
      return out;
    } catch (e) {
      if (e instanceof Truncated) return ` [|${e.proto}]`;
      throw e;
    }
  }
}

/**
 * The options text between `options [` and `]`; `bad` when tcpdump stops at
 * `[bad opt]`. This is tcpdump's own walk (print-tcp.c), not the codec's
 * option decoder: tcpdump prints what it read before a bad length, reads a
 * known kind's value whatever its length byte says (then `[len N]`) and
 * names kinds sockstack does not decode (uto, tfo, …) and prints an MD5
 * signature as tcpdump does without `-M` (it cannot check it).
 */
function tcpOptionsText(v: View, start: number, hlen: number, base: number, sig: (at: number) => string): { text: string; bad: boolean } {
  let text = "";
  let sep = "";
  let cp = start;
  const bad = () => ({ text: `${text}[bad opt]${sep ? "]" : ""}`, bad: true });
  while (hlen > 0) {
    text += sep;
    const opt = v.u8(cp++, "tcp");
    let len: number;
    if (opt === TCPOPT_EOL || opt === TCPOPT_NOP) len = 1;
    else {
      len = v.u8(cp++, "tcp");
      if (len < 2 || len > hlen) return bad();
      hlen--;
    }
    hlen--;
    let datalen = 0;
    text += TCP_OPT_NAMES[opt] ?? `unknown-${opt}`;
    switch (opt) {
      case TCPOPT_MSS:
        datalen = 2;
        if (datalen > hlen) return bad();
        text += ` ${v.u16(cp, "tcp")}`;
        break;
      case TCPOPT_WSCALE:
        datalen = 1;
        if (datalen > hlen) return bad();
        text += ` ${v.u8(cp, "tcp")}`;
        break;
      case TCPOPT_SACK:
        datalen = len - 2;
        if (datalen % 8 !== 0) text += " invalid sack";
        else {
          text += ` ${datalen / 8} `;
          for (let i = 0; i < datalen; i += 8) {
            if (i + 8 > hlen) return bad();
            text += `{${(v.u32(cp + i, "tcp") - base) >>> 0}:${(v.u32(cp + i + 4, "tcp") - base) >>> 0}}`;
          }
        }
        break;
      case 6:
      case 7:
      case 11:
      case 12:
      case 13:
        datalen = 4;
        if (datalen > hlen) return bad();
        text += ` ${v.u32(cp, "tcp")}`;
        break;
      case TCPOPT_TIMESTAMP:
        datalen = 8;
        if (datalen > hlen) return bad();
        text += ` val ${v.u32(cp, "tcp")} ecr ${v.u32(cp + 4, "tcp")}`;
        break;
      case TCPOPT_EOL:
      case TCPOPT_NOP:
      case TCPOPT_SACK_PERM:
        break;
      case 34:
        // Fast Open (tcpdump print_tcp_fastopen_option): `tfo cookiereq`, `tfo cookie <hex>`.
        datalen = len - 2;
        if (datalen > hlen) return bad();
        text += fastOpenText(v, cp, datalen);
        break;
      case 254: {
        // RFC 6994 experimental option: `exp-tfo …` with Fast Open's magic, else `exp-<magic>`.
        datalen = len - 2;
        if (datalen > hlen || datalen < 2) return bad();
        const magic = v.u16(cp, "tcp");
        text += magic === 0xf989 ? `-tfo${fastOpenText(v, cp + 2, datalen - 2)}` : `-${hex(magic).padStart(4, "0")}`;
        break;
      }
      case 19: {
        // TCP MD5 signature (print-tcp.c TCPOPT_SIGNATURE, tcp_verify_signature without -M):
        // `md5 shared secret not supplied with -M, can't check - <16 bytes hex>`.
        datalen = 16;
        if (datalen > hlen) return bad();
        const checked = sig(cp);
        text += ` ${checked}`;
        if (checked.endsWith("can't check - ")) for (let i = 0; i < datalen; i++) text += v.u8(cp + i, "tcp").toString(16).padStart(2, "0");
        break;
      }
      case 28: {
        datalen = 2;
        if (datalen > hlen) return bad();
        let uto = v.u16(cp, "tcp");
        text += ` 0x${hex(uto)}`;
        uto = uto & 1 ? (uto >> 1) * 60 : uto >> 1;
        text += ` ${uto}`;
        break;
      }
      default:
        datalen = len - 2;
        if (datalen) text += " 0x";
        for (let i = 0; i < datalen; i++) {
          if (i + 1 > hlen) return bad();
          text += v.u8(cp + i, "tcp").toString(16).padStart(2, "0");
        }
    }
    cp += datalen;
    hlen -= datalen;
    if (datalen + 1 + (opt === TCPOPT_EOL || opt === TCPOPT_NOP ? 0 : 1) !== len) text += `[len ${len}]`;
    sep = ",";
    if (opt === TCPOPT_EOL) break;
  }
  return { text, bad: false };
}

/**
 * tcpdump's tcp_verify_signature with `-M secret` (print-tcp.c): the RFC
 * 2385 digest of the segment at `v.b[o]` (IPv4 or IPv6 header at 0) under
 * the secret, compared with the one at `at`: `valid`, ` (invalid)`, or why
 * it cannot check (`snaplen too short, can't check - `).
 */
function md5SignatureCheck(v: View, o: number, length: number, hlen: number, secret: Uint8Array, at: number): string {
  const b = v.b;
  if (o + length > v.end) return "snaplen too short, can't check - ";
  const six = b[0]! >> 4 === 6;
  const word = (i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  const addr6 = (i: number): InetAddress => parseInetAddress(NET_AF_INET6, formatIpv6Address(b.subarray(i, i + 16)))!;
  const src = six ? addr6(8) : word(12);
  const dst = six ? addr6(24) : word(16);
  const tlen = six ? (b[4]! << 8) | b[5]! : length;
  const digest = new Uint8Array(16);
  md5Digest(secret, src, dst, b, o, tlen, b.subarray(o + hlen, o + length), digest, 0);
  for (let i = 0; i < 16; i++) if (digest[i] !== b[at + i]) return " (invalid)";
  return "valid";
}

/** A Fast Open option's body as tcpdump prints it: ` cookiereq`, ` cookie <hex>` or ` (invalid)` (odd, < 4 or > 16 bytes). */
function fastOpenText(v: View, cp: number, n: number): string {
  if (n === 0) return " cookiereq";
  if (n % 2 !== 0 || n < 4 || n > 16) return " (invalid)";
  let t = " cookie ";
  for (let i = 0; i < n; i++) t += v.u8(cp + i, "tcp").toString(16).padStart(2, "0");
  return t;
}

/** tcpdump's ND_ASCII_ISGRAPH: printable and not a space. */
const isGraph = (c: number) => c > 0x20 && c < 0x7f;

/**
 * `tcpdump -X`'s dump of `b`: lines of `\t0xOOOO:  ` (offset), 16 bytes as
 * eight 2-byte hex groups padded to 40 columns, two spaces and the bytes
 * as ASCII (`.` for anything not graphic, spaces included), like tcpdump's
 * hex_and_ascii_print. An odd final byte is a 2-digit group.
 * @example hexDump(bytes).split("\n")[0] === "\t0x0000:  4500 003c 24fc 4000 4006 17be 7f00 0001  E..<$.@.@......."
 */
export function hexDump(b: Uint8Array, offset = 0): string {
  const lines: string[] = [];
  for (let o = 0; o < b.length; o += 16) {
    const end = Math.min(b.length, o + 16);
    let hx = "";
    let asc = "";
    for (let i = o; i < end; i += 2) {
      hx += " " + b[i]!.toString(16).padStart(2, "0");
      asc += isGraph(b[i]!) ? String.fromCharCode(b[i]!) : ".";
      if (i + 1 < end) {
        hx += b[i + 1]!.toString(16).padStart(2, "0");
        asc += isGraph(b[i + 1]!) ? String.fromCharCode(b[i + 1]!) : ".";
      }
    }
    lines.push(`\t0x${(offset + o).toString(16).padStart(4, "0")}: ${hx.padEnd(40)}  ${asc}`);
  }
  return lines.join("\n");
}

/** The datagram's bytes, contiguous, without modifying a Packet (checksums finalized on a copy). */
function datagram(p: Packet | Uint8Array): Uint8Array {
  if (p instanceof Uint8Array) return p;
  if (!p.csumPartial && p.payload.length === 0) return p.head;
  const flat = new Uint8Array(p.length);
  flat.set(p.head, 0);
  flat.set(p.payload, p.head.length);
  if (p.csumPartial) finalizeChecksums(new Packet(flat, undefined, true));
  return flat;
}

/**
 * One packet's `tcpdump -nn` text without conversation state (sequence
 * numbers absolute, as with `-S`).
 */
export function tcpdumpLine(packet: Packet | Uint8Array, time?: Micros, opts: TcpdumpOptions = {}): string {
  return new TcpdumpFormatter({ absoluteSeq: true, ...opts }).format(packet, time);
}

