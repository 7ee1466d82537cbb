/**
 * tcpdump's text for IPv6 (ip6_print) and ICMPv6 (icmp6_print): the `-v`
 * header with class and flow label, HBH/DSTOPT with their options, RT6,
 * frag, `no next header`; ICMPv6 echo, errors with their quoted
 * addresses, Neighbor Discovery and MLDv2 first lines (`-v`'s ND option
 * lines are not reproduced). TCP and UDP after the IPv6 header are
 * printed by the formatter that calls this (tcpdump.ts), through
 * {@link Ip6Printer}.
 */
import { foldChecksum, sum16 } from "../wire/checksum.js";
import { formatIpv6Address } from "../wire/ipv6-address.js";
import { IPV6 } from "../wire/ipv6.js";
import { Truncated, View, hex, hex4, shouldBe } from "./tcpdump-view.js";

/** @internal What the IPv6 printer needs from the formatter: its `-v` level and its TCP and UDP printers. */
export interface Ip6Printer {
  readonly verbose: number;
  tcp(v: View, o: number, length: number, src: string, dst: string, skey: string | number, dkey: string | number, cmp: number, pseudo: number,
    fragmented: boolean, withAddrs: boolean): string;
  udp(v: View, o: number, length: number, src: string, dst: string, fragmented: boolean, withAddrs: boolean, pseudo6: number): string;
}

/** @internal tcpdump's ip6_print: the fixed header, the extension headers in order, then the upper layer. */
export function ip6Text(p: Ip6Printer, b: Uint8Array): string {
  let out = "IP6 ";
  const v0 = new View(b, b.length);
  try {
    if (!v0.has(0, IPV6.HEADER)) throw new Truncated("ip6");
    const plen = v0.u16(4, "ip6");
    let end = IPV6.HEADER + plen;
    if (end > b.length) {
      out += `truncated-ip6 - ${end - b.length} bytes missing!`;
      end = b.length;
    }
    const v = new View(b, end);
    const nh0 = v.u8(6, "ip6");
    if (p.verbose > 0) {
      const w = v.u32(0, "ip6");
      out += "(";
      if (w & 0x0ff00000) out += `class 0x${hex((w >>> 20) & 0xff)}, `;
      if (w & 0x000fffff) out += `flowlabel 0x${(w & 0xfffff).toString(16).padStart(5, "0")}, `;
      out += `hlim ${v.u8(7, "ip6")}, next-header ${IP6_NH_NAMES[nh0] ?? "unknown"} (${nh0}) payload length: ${plen}) `;
    }
    const src = formatIpv6Address(b.subarray(8, 24));
    const dst = formatIpv6Address(b.subarray(24, 40));
    if (nh0 !== 6 && nh0 !== 17) out += `${src} > ${dst}: `;
    let nh = nh0;
    let off: number = IPV6.HEADER;
    let fragmented = false;
    // RFC 8200 §8.1: with a routing header the pseudo header names the final destination (its last address).
    let finalDst = 24;
    const pseudo = (proto: number, len: number) => sum16(b, 8, 16, sum16(b, finalDst, 16)) + (len >>> 16) + (len & 0xffff) + proto;
    for (;;) {
      if (nh === 0 || nh === 60) {
        const len = (v.u8(off + 1, "ip6") + 1) * 8;
        out += nh === 0 ? "HBH " : "DSTOPT ";
        if (p.verbose > 0) out += optionsText6(v, off + 2, off + len) + " ";
        nh = v.u8(off, "ip6");
        off += len;
        continue;
      }
      if (nh === 43) {
        const len = (v.u8(off + 1, "ip6") + 1) * 8;
        const type = v.u8(off + 2, "rt6");
        const left = v.u8(off + 3, "rt6");
        out += `RT6 (len=${v.u8(off + 1, "rt6")}, type=${type}${type === 0 ? " [Deprecated]" : ""}, segleft=${left}`;
        if (type === 0 || type === 2) {
          if (p.verbose > 0) out += `, rsv=0x${hex(v.u32(off + 4, "rt6"))}`;
          for (let i = 0, a = off + 8; a + 16 <= off + len; i++, a += 16) {
            if (!v.has(a, 16)) throw new Truncated("rt6");
            out += `, [${i}]${formatIpv6Address(b.subarray(a, a + 16))}`;
            if (left > 0) finalDst = a;
          }
        }
        out += ") ";
        nh = v.u8(off, "ip6");
        off += len;
        continue;
      }
      if (nh === 44) {
        const w = v.u16(off + 2, "frag");
        const id = v.u32(off + 4, "frag");
        const fo = w & 0xfff8;
        const flen = end - off - 8;
        out += `frag (${p.verbose > 0 ? `0x${id.toString(16).padStart(8, "0")}:` : ""}${fo}|${flen})`;
        if (fo !== 0) return out;
        out += " ";
        fragmented = true;
        nh = v.u8(off, "frag");
        off += 8;
        continue;
      }
      break;
    }
    const l4 = end - off;
    if (nh === 6) {
      const cmp = compareBytes(b, 8, 24);
      return out + p.tcp(v, off, l4, src, dst, src, dst, cmp, pseudo(6, l4), fragmented, nh0 === 6);
    }
    if (nh === 17) return out + p.udp(v, off, l4, src, dst, fragmented, nh0 === 17, pseudo(17, l4));
    if (nh === 58) return out + icmp6Text(p, v, off, l4, b, fragmented, pseudo(58, l4));
    if (nh === 59) return `${out}no next header`;
    return `${out} ip-proto-${nh} ${l4}`;
  } catch (e) {
    if (e instanceof Truncated) return `${out}[|${e.proto}]`;
    throw e;
  }
}


function icmp6Text(p: Ip6Printer, v: View, o: number, len: number, b: Uint8Array, fragmented: boolean, pseudo: number): string {
  const type = v.u8(o, "icmp6");
  const code = v.u8(o + 1, "icmp6");
  let sum = "";
  if (p.verbose > 0 && !fragmented && v.has(o, len)) {
    const c = foldChecksum(sum16(b, o, len, pseudo));
    const field = v.u16(o + 2, "icmp6");
    sum = c === 0 ? "[icmp6 sum ok] " : `[bad icmp6 cksum 0x${hex4(field)} -> 0x${hex4(shouldBe(field, c))}!] `;
  }
  const q = o + 8; // the quoted packet of an error
  const qaddr = (at: number) => {
    if (!v.has(at, 16)) throw new Truncated("icmp6");
    return formatIpv6Address(b.subarray(at, at + 16));
  };
  const tail = p.verbose > 0 ? "" : `, length ${len}`;
  let text: string;
  switch (type) {
    case 1: {
      if (code === 4) {
        const qnh = v.u8(q + 6, "icmp6");
        const dport = v.u16(q + 40 + 2, "icmp6");
        text = `destination unreachable, unreachable port, ${qaddr(q + 24)} ${qnh === 17 ? "udp" : qnh === 6 ? "tcp" : `protocol ${qnh}`} port ${dport}`;
      } else if (code === 2) text = `destination unreachable, beyond scope ${qaddr(q + 24)}, source address ${qaddr(q + 8)}`;
      else {
        const t = ["unreachable route", " unreachable prohibited", "", "unreachable address", "", "unreachable source policy", "unreachable reject route"][code];
        text = `destination unreachable, ${t ?? `unknown unreach code (${code})`} ${qaddr(q + 24)}`;
      }
      break;
    }
    case 2:
      text = `packet too big, mtu ${v.u32(o + 4, "icmp6")}`;
      break;
    case 3:
      text = code === 0 ? `time exceeded in-transit for ${qaddr(q + 24)}` : code === 1 ? "time exceeded in-transit (reassembly)" : `time exceeded in-transit, unknown code (${code})`;
      break;
    case 4: {
      const ptr = v.u32(o + 4, "icmp6");
      const what = ["erroneous", "next header", "option"][code];
      text = `parameter problem, ${what ?? `unknown code (${code})`} - octet ${ptr}`;
      break;
    }
    case 128:
    case 129:
      text = `echo ${type === 128 ? "request" : "reply"}, id ${v.u16(o + 4, "icmp6")}, seq ${v.u16(o + 6, "icmp6")}`;
      break;
    case 133:
      return `${sum}ICMP6, router solicitation, length ${len}`;
    case 134:
      return `${sum}ICMP6, router advertisement, length ${len}`;
    case 135:
      return p.verbose > 0 ? `${sum}ICMP6, neighbor solicitation, length ${len}, who has ${qaddr(o + 8)}`
        : `ICMP6, neighbor solicitation, who has ${qaddr(o + 8)}, length ${len}`;
    case 136: {
      if (p.verbose === 0) return `ICMP6, neighbor advertisement, tgt is ${qaddr(o + 8)}, length ${len}`;
      const f = v.u8(o + 4, "icmp6");
      const fl = [f & 0x80 ? "router" : "", f & 0x40 ? "solicited" : "", f & 0x20 ? "override" : ""].filter(Boolean);
      return `${sum}ICMP6, neighbor advertisement, length ${len}, tgt is ${qaddr(o + 8)}, Flags [${fl.length ? fl.join(", ") : "none"}]`;
    }
    case 137:
      text = `redirect, ${qaddr(o + 24)} to ${qaddr(o + 8)}`;
      break;
    case 130: {
      // print-icmp6.c: MLDv1 (24 bytes) and MLDv2 (28 or more) queries.
      const mrc = v.u16(o + 4, "icmp6");
      if (len === 24) {
        text = `multicast listener querymax resp delay: ${mrc} addr: ${qaddr(o + 8)}`;
        break;
      }
      if (len < 28) {
        text = `multicast listener query unknown-version (len ${len}) `;
        break;
      }
      const mrt = mrc < 32768 ? mrc : ((mrc & 0x0fff) | 0x1000) << (((mrc >> 12) & 7) + 3);
      const qqic = v.u8(o + 25, "icmp6");
      const qqi = qqic < 128 ? qqic : ((qqic & 0x0f) | 0x10) << (((qqic >> 4) & 7) + 3);
      const nsrcs = v.u16(o + 26, "icmp6");
      text = `multicast listener query v2${p.verbose > 0 ? ` [max resp delay=${mrt}]` : ""} [gaddr ${qaddr(o + 8)}` +
        `${p.verbose > 0 ? ` robustness=${v.u8(o + 24, "icmp6") & 7} qqi=${qqi}` : ""}${sourcesText(p, v, b, o + 28, nsrcs, len - 28)}]`;
      break;
    }
    case 143: {
      const n = v.u16(o + 6, "icmp6");
      text = `multicast listener report v2, ${n} group record(s)`;
      if (p.verbose > 0) {
        // mldv2_report_print: each record's group, type and sources.
        let r = o + 8;
        for (let i = 0; i < n; i++) {
          const rtype = v.u8(r, "icmp6"), aux = v.u8(r + 1, "icmp6"), nsrc = v.u16(r + 2, "icmp6");
          text += ` [gaddr ${qaddr(r + 4)} ${MLD2_RECORD_NAMES[rtype] ?? "unknown"}${sourcesText(p, v, b, r + 20, nsrc, Infinity, true)}]`;
          r += 20 + nsrc * 16 + aux * 4;
        }
      }
      break;
    }
    default:
      text = `unknown icmp6 type (${type})`;
  }
  return `${sum}ICMP6, ${text}${tail}`;
}

/** MLDv2 group record types as tcpdump names them (mldv2report2str). */
const MLD2_RECORD_NAMES: Record<number, string> = { 1: "is_in", 2: "is_ex", 3: "to_in", 4: "to_ex", 5: "allow", 6: "block" };

/**
 * An MLDv2 source list as tcpdump prints it: `{ a b }` at -vv, else
 * `, N source(s)` (in a report even for none; in a query only when some).
 */
function sourcesText(p: Ip6Printer, v: View, b: Uint8Array, at: number, n: number, room: number, always = false): string {
  if (n === 0 && !always) return "";
  if (n * 16 > room) return " [invalid number of sources]";
  if (p.verbose > 1) {
    let out = " {";
    for (let i = 0; i < n; i++) {
      if (!v.has(at + i * 16, 16)) throw new Truncated("icmp6");
      out += ` ${formatIpv6Address(b.subarray(at + i * 16, at + i * 16 + 16))}`;
    }
    return `${out} }`;
  }
  return `, ${n} source(s)`;
}

/** tcpdump's ipproto names for the IPv6 -v header's next-header. */
const IP6_NH_NAMES: Record<number, string> = { 0: "Options", 6: "TCP", 17: "UDP", 43: "Routing", 44: "Fragment", 58: "ICMPv6" };

/** memcmp of the two 16-byte addresses at `a` and `b` in `buf`. */
function compareBytes(buf: Uint8Array, a: number, b: number): number {
  for (let i = 0; i < 16; i++) if (buf[a + i] !== buf[b + i]) return buf[a + i]! > buf[b + i]! ? 1 : -1;
  return 0;
}

/** tcpdump's ip6_opt_print for -v: `(rtalert: 0x0000) (padn)`, unknown as `(opt_type 0x9e: len=0)`. */
function optionsText6(v: View, start: number, end: number): string {
  let out = "";
  for (let i = start; i < end;) {
    const t = v.u8(i, "ip6");
    if (t === 0) {
      out += "(pad1)";
      i++;
      continue;
    }
    const l = v.u8(i + 1, "ip6");
    if (t === 1) out += "(padn)";
    else if (t === 5) out += `(rtalert: 0x${hex4(v.u16(i + 2, "ip6"))}) `;
    else out += `(opt_type 0x${hex(t)}: len=${l})`;
    i += 2 + l;
  }
  return out;
}
