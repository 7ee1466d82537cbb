/**
 * tcpdump filter expressions (the pcap-filter(7) language) over raw IPv4
 * datagrams (LINKTYPE_RAW: no link header), compiled once into a predicate
 * that reads the packet's bytes in place — no allocation per packet.
 *
 * Supported, with pcap-filter's meaning:
 * - protocols `ip`, `ip6`, `tcp`, `udp`, `icmp`, `ip proto N`, `proto N`
 *   (`tcp`/`udp`/`icmp` names or numbers; fragments match their protocol);
 * - `host A`, `net 10.0.0.0/24`, `net 10.0.0` (a /24), `net N mask M`,
 *   `port N`, `portrange A-B`, each with `src`, `dst`, `src or dst`,
 *   `src and dst` and a protocol (`tcp port 80`, `udp dst port 53`);
 *   a bare `src A` / `dst A` means a host; ports match TCP, UDP and SCTP
 *   and only first fragments (offset 0), as the BPF libpcap generates;
 * - `less N`, `greater N` (`len <= N`, `len >= N`);
 * - `and`/`&&`, `or`/`||`, `not`/`!`, parentheses. As in pcap-filter, `and`
 *   and `or` have the **same** precedence and associate left to right
 *   (`a or b and c` is `(a or b) and c`); `not` binds tightest;
 * - qualifier inheritance: `host a or b` is `host a or host b`,
 *   `port 80 or 443` is `port 80 or port 443`;
 * - arithmetic relations `expr relop expr` with `+ - * / % & | ^ << >>`,
 *   packet loads `ip[off]`, `tcp[off:size]` (size 1, 2 or 4; the offset
 *   may be an expression), `udp[…]`, `icmp[…]`, `len`, and the named
 *   constants `tcpflags`, `tcp-fin` … `tcp-cwr`, `icmptype`, `icmpcode`,
 *   `icmp-echo`, `icmp-echoreply`, `icmp-unreach`, …: e.g.
 *   `tcp[tcpflags] & tcp-syn != 0`, `tcp[13] & 2 != 0`,
 *   `icmp[icmptype] == icmp-echo`. A transport load also requires its
 *   protocol and a first fragment. A load past the captured bytes rejects
 *   the packet (the BPF program returns 0), whatever the rest says.
 *
 * - on Ethernet captures (the predicate is given the whole frame as its
 *   third argument): `arp`, `rarp`, `ether host|src|dst MAC`,
 *   `ether broadcast`, `ether multicast` (and `broadcast`/`multicast`
 *   alone, which pcap-filter reads as the `ether` ones), `ether proto N`
 *   (or `\arp`, `\ip`), `vlan` and `vlan N`. On raw IP captures (no frame)
 *   they select nothing. IP primitives read the network-layer bytes (after
 *   the link header and any 802.1Q tag).
 *
 * Not supported (a clear error says so): `arp host`/`arp src` qualifiers,
 * host names (write addresses), service names other than the well-known
 * ones of services.ts (`port http` works), `gateway`, `ip broadcast`,
 * IPv6 addresses.
 *
 * @example
 * const f = compileFilter("tcp port 9090 and tcp[tcpflags] & tcp-syn != 0");
 * f(datagramBytes)  // true for the SYN and the SYN-ACK of a connection to port 9090
 */

import { servicePort } from "./services.js";

/**
 * A compiled filter: true when the datagram (`b`, captured bytes of the
 * network layer) is selected. `wireLen` is `len` (defaults to `b.length`);
 * `frame` is the whole Ethernet frame when the capture has link headers.
 */
export type PacketPredicate = (b: Uint8Array, wireLen?: number, frame?: Uint8Array) => boolean;

/**
 * A filter expression tcpdump would reject. `position` is the 0-based
 * offset in the expression where the problem is; the message reads like
 * `syntax error at 9: expected a number after 'port', found 'x'`.
 */
export class FilterSyntaxError extends Error {
  constructor(readonly expression: string, readonly position: number, readonly reason: string) {
    super(`syntax error at ${position}: ${reason}`);
    this.name = "FilterSyntaxError";
  }

  /** The expression with a caret under the error position (two lines). */
  caret(): string {
    return `${this.expression}\n${" ".repeat(this.position)}^`;
  }
}

// ---------------------------------------------------------------------------
// Lexer (the token shapes of libpcap's scanner.l)

type TokKind = "num" | "addr" | "mac" | "id" | "op" | "end";

interface Tok {
  kind: TokKind;
  text: string;
  pos: number;
  /** Numeric value of a `num`. */
  value: number;
}

const MAC_RE = /[0-9A-Fa-f]{1,2}(?::[0-9A-Fa-f]{1,2}){5}(?![:0-9A-Za-z])/y;
const WORD_RE = /[A-Za-z0-9\\]([-_.A-Za-z0-9]*[.A-Za-z0-9])?/y;
const OPS = ["<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "(", ")", "[", "]", ":", "&", "|", "^", "+", "-", "*", "/", "%", "=", "<", ">", "!"];

function parseNumber(s: string): number | undefined {
  if (/^0x[0-9a-f]+$/i.test(s)) return parseInt(s.slice(2), 16) >>> 0;
  if (/^0[0-7]+$/.test(s)) return parseInt(s.slice(1), 8) >>> 0;
  if (/^[0-9]+$/.test(s)) return Number(s) >>> 0;
  return undefined;
}

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    MAC_RE.lastIndex = i;
    const mac = MAC_RE.exec(src);
    if (mac) {
      out.push({ kind: "mac", text: mac[0], pos: i, value: 0 });
      i += mac[0].length;
      continue;
    }
    WORD_RE.lastIndex = i;
    const m = WORD_RE.exec(src);
    if (m) {
      const text = m[0].startsWith("\\") ? m[0].slice(1) : m[0]; // `\tcp` as in `ip proto \tcp`
      const n = parseNumber(text);
      const kind: TokKind = n !== undefined ? "num" : /^\d+(\.\d+){1,3}$/.test(text) ? "addr" : "id";
      out.push({ kind, text, pos: i, value: n ?? 0 });
      i += m[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new FilterSyntaxError(src, i, `unexpected character '${c}'`);
    out.push({ kind: "op", text: op, pos: i, value: 0 });
    i += op.length;
  }
  out.push({ kind: "end", text: "", pos: src.length, value: 0 });
  return out;
}

// ---------------------------------------------------------------------------
// Evaluation primitives over the datagram bytes

/** Thrown by a load past the captured bytes (or a division by zero); the whole filter rejects the packet, as BPF returns 0. */
const OUT_OF_BOUNDS = Symbol("out of bounds");

function ld(b: Uint8Array, off: number, size: number): number {
  if (off < 0 || off + size > b.length) throw OUT_OF_BOUNDS;
  if (size === 1) return b[off]!;
  if (size === 2) return (b[off]! << 8) | b[off + 1]!;
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

const isV4 = (b: Uint8Array): boolean => b.length > 0 && b[0]! >> 4 === 4;
const ipProto = (b: Uint8Array): number => ld(b, 9, 1);
const firstFragment = (b: Uint8Array): boolean => (ld(b, 6, 2) & 0x1fff) === 0;
const ipHlen = (b: Uint8Array): number => (b[0]! & 15) * 4;

type Pred = (b: Uint8Array, len: number) => boolean;
type Arith = (b: Uint8Array, len: number) => number;

/** Protocol numbers of the names pcap-filter knows as protocol qualifiers. */
const PROTO_NUM: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, sctp: 132, igmp: 2 };

/** Named constants usable in arithmetic (pcap-filter(7)). */
const CONSTANTS: Record<string, number> = {
  tcpflags: 13, "tcp-fin": 0x01, "tcp-syn": 0x02, "tcp-rst": 0x04, "tcp-push": 0x08, "tcp-ack": 0x10,
  "tcp-urg": 0x20, "tcp-ece": 0x40, "tcp-cwr": 0x80,
  icmptype: 0, icmpcode: 1, "icmp-echoreply": 0, "icmp-unreach": 3, "icmp-sourcequench": 4, "icmp-redirect": 5,
  "icmp-echo": 8, "icmp-routeradvert": 9, "icmp-routersolicit": 10, "icmp-timxceed": 11, "icmp-paramprob": 12,
  "icmp-tstamp": 13, "icmp-tstampreply": 14, "icmp-ireq": 15, "icmp-ireqreply": 16, "icmp-maskreq": 17,
  "icmp-maskreply": 18,
};

const UNSUPPORTED: Record<string, string> = {
  gateway: "'gateway' is not supported",
};

/**
 * The frame of the packet being evaluated (null on raw IP captures). Set
 * by the compiled predicate around each (synchronous, non-reentrant)
 * evaluation, so link primitives need no extra argument threaded through
 * every combinator.
 */
let curFrame: Uint8Array | null = null;

/** The EtherType after any 802.1Q tags, or -1 (no frame, 802.3 length frame). */
function frameType(): number {
  const f = curFrame;
  if (!f || f.length < 14) return -1;
  let off = 12;
  let t = (f[12]! << 8) | f[13]!;
  while (t === 0x8100 && f.length >= off + 6) {
    off += 4;
    t = (f[off]! << 8) | f[off + 1]!;
  }
  return t < 0x600 ? -1 : t;
}

function frameMac(off: number): number {
  const f = curFrame!;
  return ((f[off]! << 8) | f[off + 1]!) * 0x1_0000_0000 + (((f[off + 2]! << 24) | (f[off + 3]! << 16) | (f[off + 4]! << 8) | f[off + 5]!) >>> 0);
}

const ETHER_PROTO_NAMES: Record<string, number> = { ip: 0x0800, arp: 0x0806, rarp: 0x8035, ip6: 0x86dd };

type Dir = "src" | "dst" | "src or dst" | "src and dst";
type Kind = "host" | "net" | "port" | "portrange";

/** The qualifiers of a primitive, remembered for a following bare value (`host a or b`). */
interface Qual {
  proto: string | null;
  dir: Dir;
  kind: Kind;
}

function parseAddr(s: string): number[] | undefined {
  const parts = s.split(".");
  if (parts.length < 1 || parts.length > 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out.push(v);
  }
  return out;
}

function addrValue(parts: readonly number[]): number {
  let v = 0;
  for (let i = 0; i < 4; i++) v = (v << 8) | (parts[i] ?? 0);
  return v >>> 0;
}

const RELOPS = new Set(["=", "==", "!=", "<", "<=", ">", ">="]);
const KEYWORDS = new Set(["ether", "arp", "rarp", "vlan", "broadcast", "multicast", "host", "net", "port", "portrange", "src", "dst", "and", "or", "not", "less", "greater", "proto", "mask", "len", "ip", "ip6", "tcp", "udp", "icmp", "sctp", "igmp"]);

class Parser {
  readonly #src: string;
  readonly #t: Tok[];
  #i = 0;
  #last: Qual | null = null;

  constructor(src: string) {
    this.#src = src;
    this.#t = lex(src);
  }

  #peek(k = 0): Tok {
    return this.#t[Math.min(this.#i + k, this.#t.length - 1)]!;
  }

  #next(): Tok {
    const t = this.#peek();
    if (this.#i < this.#t.length - 1) this.#i++;
    return t;
  }

  #is(text: string, k = 0): boolean {
    const t = this.#peek(k);
    return (t.kind === "op" || t.kind === "id") && t.text === text;
  }

  #fail(t: Tok, reason: string): never {
    throw new FilterSyntaxError(this.#src, t.pos, reason);
  }

  #found(t: Tok): string {
    return t.kind === "end" ? "the end of the expression" : `'${t.text}'`;
  }

  #expect(text: string): Tok {
    if (!this.#is(text)) this.#fail(this.#peek(), `expected '${text}', found ${this.#found(this.#peek())}`);
    return this.#next();
  }

  parse(): Pred {
    if (this.#peek().kind === "end") return () => true; // an empty filter selects everything
    const p = this.#expr();
    const t = this.#peek();
    if (t.kind !== "end") this.#fail(t, `unexpected ${this.#found(t)}`);
    return p;
  }

  // expr := unary (('and'|'&&'|'or'|'||') unary)*   — equal precedence, left to right
  #expr(): Pred {
    let left = this.#unary();
    for (;;) {
      if (this.#is("and") || this.#is("&&")) {
        this.#next();
        const l = left;
        const r = this.#unary();
        left = (b, n) => l(b, n) && r(b, n);
      } else if (this.#is("or") || this.#is("||")) {
        this.#next();
        const l = left;
        const r = this.#unary();
        left = (b, n) => l(b, n) || r(b, n);
      } else return left;
    }
  }

  #unary(): Pred {
    if (this.#is("not") || this.#is("!")) {
      this.#next();
      const p = this.#unary();
      return (b, n) => !p(b, n);
    }
    return this.#primary();
  }

  #primary(): Pred {
    // A relation (`tcp[13] & 2 != 0`, `(len - 20) > 100`, `len > 60`) is tried
    // first; if what follows is not arithmetic + relop, back up and read a
    // boolean primitive or a parenthesized expression.
    const save = this.#i;
    const rel = this.#tryRelation();
    if (rel) return rel;
    this.#i = save;
    const t = this.#peek();
    if (this.#is("(")) {
      this.#next();
      const p = this.#expr();
      this.#expect(")");
      return p;
    }
    if (t.kind === "end") this.#fail(t, "unexpected end of the expression");
    return this.#primitive();
  }

  // ---- relations ----------------------------------------------------------

  #tryRelation(): Pred | null {
    this.#consumedLoad = false;
    const guards: Pred[] = [];
    let left: Arith;
    try {
      left = this.#arith(guards, 0);
    } catch (e) {
      if (e instanceof NotArith) return null;
      throw e;
    }
    const op = this.#peek();
    if (op.kind !== "op" || !RELOPS.has(op.text)) {
      if (guards.length === 0 && !this.#consumedLoad) return null;
      this.#fail(op, `expected a comparison (=, !=, <, <=, >, >=) after the arithmetic expression, found ${this.#found(op)}`);
    }
    this.#next();
    const right = this.#arith(guards, 0, true);
    const cmp = relation(op.text, left, right);
    this.#consumedLoad = false;
    if (guards.length === 0) return cmp;
    const g = guards.length === 1 ? guards[0]! : (b: Uint8Array, n: number) => guards.every((x) => x(b, n));
    return (b, n) => g(b, n) && cmp(b, n);
  }

  /** True once an arithmetic parse has read a packet load or `len` (then a missing relop is an error, not a backtrack). */
  #consumedLoad = false;

  /** Binary-operator precedence levels, lowest first (libpcap grammar.y). */
  static readonly LEVELS: readonly (readonly string[])[] = [["|", "^"], ["&"], ["<<", ">>"], ["+", "-"], ["*", "/", "%"]];

  #arith(guards: Pred[], level: number, committed = false): Arith {
    if (level === Parser.LEVELS.length) return this.#arithUnary(guards, committed);
    let left = this.#arith(guards, level + 1, committed);
    const ops = Parser.LEVELS[level]!;
    while (this.#peek().kind === "op" && ops.includes(this.#peek().text)) {
      const op = this.#next();
      // libpcap's gen_arth keeps only the left operand's protocol checks: a
      // transport load on the right (`len - tcp[12]`) reads whatever sits at
      // that offset of any packet. Reproduced, so results match tcpdump.
      const right = this.#arith([], level + 1, true);
      left = binary(op.text, left, right, () => this.#fail(op, "division by zero"));
    }
    return left;
  }

  #arithUnary(guards: Pred[], committed: boolean): Arith {
    if (this.#is("-")) {
      this.#next();
      const a = this.#arithUnary(guards, true);
      return (b, n) => (-a(b, n)) >>> 0;
    }
    return this.#arithAtom(guards, committed);
  }

  #arithAtom(guards: Pred[], committed: boolean): Arith {
    const t = this.#peek();
    const bail = (reason: string): never => {
      if (committed) this.#fail(t, reason);
      throw new NotArith();
    };
    if (t.kind === "num") {
      this.#next();
      const v = t.value;
      return () => v;
    }
    if (this.#is("(")) {
      this.#next();
      const a = this.#arith(guards, 0, committed);
      if (!this.#is(")")) bail(`expected ')', found ${this.#found(this.#peek())}`);
      this.#next();
      return a;
    }
    if (t.kind === "id") {
      if (t.text === "len") {
        this.#next();
        this.#consumedLoad = true;
        return (_b, n) => n;
      }
      if (Object.hasOwn(CONSTANTS, t.text)) {
        this.#next();
        const v = CONSTANTS[t.text]!;
        return () => v;
      }
      if ((t.text === "ip" || Object.hasOwn(PROTO_NUM, t.text)) && this.#is("[", 1)) {
        this.#next();
        this.#next();
        this.#consumedLoad = true;
        return this.#load(t.text, guards);
      }
    }
    return bail(`expected a number, a packet load (ip[…], tcp[…]) or 'len', found ${this.#found(t)}`);
  }

  /** `proto[off]` / `proto[off:size]`, the `[` already read. */
  #load(proto: string, guards: Pred[]): Arith {
    const off = this.#arith(guards, 0, true);
    let size = 1;
    if (this.#is(":")) {
      this.#next();
      const s = this.#next();
      if (s.kind !== "num" || (s.value !== 1 && s.value !== 2 && s.value !== 4)) this.#fail(s, "data size must be 1, 2, or 4");
      size = s.value;
    }
    this.#expect("]");
    if (proto === "ip") {
      guards.push(isV4);
      return (b, n) => ld(b, off(b, n), size);
    }
    const num = PROTO_NUM[proto]!;
    guards.push((b) => isV4(b) && ipProto(b) === num && firstFragment(b));
    return (b, n) => ld(b, ipHlen(b) + off(b, n), size);
  }

  // ---- primitives -----------------------------------------------------------

  #primitive(): Pred {
    const t = this.#peek();
    if (t.kind === "num" || t.kind === "addr" || (t.kind === "id" && !KEYWORDS.has(t.text) && !Object.hasOwn(UNSUPPORTED, t.text))) {
      // A bare value inherits the previous primitive's qualifiers (`host a or b`);
      // with no previous primitive libpcap reports a syntax error.
      if (!this.#last) this.#fail(t, `${this.#found(t)} needs a qualifier first (host, net, port, src, dst, …)`);
      return this.#value(this.#last);
    }
    if (t.kind === "id" && Object.hasOwn(UNSUPPORTED, t.text)) this.#fail(t, UNSUPPORTED[t.text]!);
    if (t.kind !== "id") this.#fail(t, `unexpected ${this.#found(t)}`);
    switch (t.text) {
      case "arp":
      case "rarp": {
        this.#next();
        if (this.#is("host") || this.#is("src") || this.#is("dst") || this.#is("net")) this.#fail(this.#peek(), `'${t.text} ${this.#peek().text}' is not supported: filter on 'ether' or the whole frame`);
        const type = t.text === "arp" ? 0x0806 : 0x8035;
        return () => frameType() === type;
      }
      case "broadcast":
      case "multicast":
        this.#next();
        return this.#etherGroup(t.text);
      case "vlan": {
        this.#next();
        let vid = -1;
        if (this.#peek().kind === "num") vid = this.#number("'vlan'");
        return () => {
          const f = curFrame;
          if (!f || f.length < 18 || ((f[12]! << 8) | f[13]!) !== 0x8100) return false;
          return vid < 0 || (((f[14]! << 8) | f[15]!) & 0xfff) === vid;
        };
      }
      case "ether":
        this.#next();
        return this.#ether();
      case "less":
      case "greater": {
        this.#next();
        const v = this.#number(`'${t.text}'`);
        return t.text === "less" ? (_b, n) => n <= v : (_b, n) => n >= v;
      }
      case "proto":
        this.#next();
        return this.#protoNumber(t);
      case "ip6":
        this.#next();
        return (b) => b.length > 0 && b[0]! >> 4 === 6;
    }
    // [proto] [dir] [kind] value, or a lone protocol.
    let proto: string | null = null;
    if (t.text === "ip" || Object.hasOwn(PROTO_NUM, t.text)) {
      proto = t.text;
      this.#next();
      if (proto === "ip" && this.#is("proto")) {
        this.#next();
        return this.#protoNumber(t);
      }
    }
    const dir = this.#dir();
    let kind: Kind | null = null;
    const k = this.#peek();
    if (k.kind === "id" && (k.text === "host" || k.text === "net" || k.text === "port" || k.text === "portrange")) {
      kind = k.text;
      this.#next();
    }
    if (kind === null && dir === null) {
      if (proto === null) this.#fail(t, `unexpected ${this.#found(t)}`);
      if (proto === "ip") return isV4;
      const num = PROTO_NUM[proto]!;
      return (b) => isV4(b) && ipProto(b) === num;
    }
    const q: Qual = { proto, dir: dir ?? "src or dst", kind: kind ?? "host" };
    return this.#value(q);
  }

  #etherGroup(which: string): Pred {
    return which === "broadcast"
      ? () => !!curFrame && curFrame.length >= 6 && frameMac(0) === 0xffff_ffff_ffff
      : () => !!curFrame && curFrame.length >= 6 && (curFrame[0]! & 1) === 1;
  }

  /** After `ether`: host/src/dst MAC, broadcast, multicast, proto N. */
  #ether(): Pred {
    const t = this.#peek();
    if (this.#is("broadcast") || this.#is("multicast")) return this.#etherGroup(this.#next().text);
    if (this.#is("proto")) {
      this.#next();
      const v = this.#next();
      const n = v.kind === "num" ? v.value : v.kind === "id" ? ETHER_PROTO_NAMES[v.text] : undefined;
      if (n === undefined || n > 0xffff) this.#fail(v, `expected an EtherType after 'ether proto', found ${this.#found(v)}`);
      return () => frameType() === n;
    }
    const dir = this.#dir() ?? "src or dst";
    if (this.#is("host")) this.#next();
    const v = this.#next();
    if (v.kind !== "mac") this.#fail(v.kind === "end" ? t : v, `expected a MAC address (02:00:00:00:00:01) after 'ether', found ${this.#found(v)}`);
    const mac = v.text.split(":").reduce((m, x) => m * 256 + parseInt(x, 16), 0);
    const src = () => frameMac(6) === mac;
    const dst = () => frameMac(0) === mac;
    const has = () => !!curFrame && curFrame.length >= 14;
    switch (dir) {
      case "src": return () => has() && src();
      case "dst": return () => has() && dst();
      case "src or dst": return () => has() && (src() || dst());
      case "src and dst": return () => has() && src() && dst();
    }
  }

  /** `src`, `dst`, `src or dst`, `src and dst`, or nothing. */
  #dir(): Dir | null {
    if (!this.#is("src") && !this.#is("dst")) return null;
    const first = this.#next().text as "src" | "dst";
    if ((this.#is("or") || this.#is("and")) && (this.#is(first === "src" ? "dst" : "src", 1))) {
      const join = this.#next().text;
      this.#next();
      return join === "or" ? "src or dst" : "src and dst";
    }
    return first;
  }

  #number(after: string): number {
    const v = this.#next();
    if (v.kind !== "num") this.#fail(v, `expected a number after ${after}, found ${this.#found(v)}`);
    return v.value;
  }

  #protoNumber(at: Tok): Pred {
    const v = this.#next();
    let num: number | undefined;
    if (v.kind === "num") num = v.value;
    else if (v.kind === "id" && Object.hasOwn(PROTO_NUM, v.text)) num = PROTO_NUM[v.text];
    if (num === undefined || num > 255) this.#fail(v, `expected a protocol number or name after '${at.text === "proto" ? "proto" : "ip proto"}', found ${this.#found(v)}`);
    const n = num;
    return (b) => isV4(b) && ipProto(b) === n;
  }

  #value(q: Qual): Pred {
    this.#last = q;
    const v = this.#next();
    const proto = q.proto;
    if (proto === "icmp" || proto === "igmp") {
      if (q.kind === "port" || q.kind === "portrange") this.#fail(v, `'${q.kind}' is not valid for '${proto}'`);
    }
    let inner: Pred;
    switch (q.kind) {
      case "host": {
        if (v.kind === "id") this.#fail(v, `unknown host '${v.text}' (sockstack resolves no names: write an IPv4 address)`);
        const parts = v.kind === "addr" ? parseAddr(v.text) : undefined;
        if (!parts || parts.length !== 4) this.#fail(v, `expected an IPv4 address after 'host', found ${this.#found(v)}`);
        inner = addrMatch(q.dir, addrValue(parts), 0xffffffff);
        break;
      }
      case "net": {
        const parts = v.kind === "addr" || v.kind === "num" ? parseAddr(v.text) : undefined;
        if (!parts) this.#fail(v, `expected a network (10.0.0.0/24, 10.0.0) after 'net', found ${this.#found(v)}`);
        let bits = parts.length * 8;
        let mask: number;
        if (this.#is("/")) {
          this.#next();
          bits = this.#number("'/'");
          if (bits > 32) this.#fail(this.#peek(-1), `mask length must be <= 32`);
          mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        } else if (this.#is("mask")) {
          this.#next();
          const m = this.#next();
          const mp = m.kind === "addr" ? parseAddr(m.text) : undefined;
          if (!mp || mp.length !== 4) this.#fail(m, `expected a dotted mask after 'mask', found ${this.#found(m)}`);
          mask = addrValue(mp);
        } else {
          mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        }
        const net = addrValue(parts);
        if ((net & ~mask) >>> 0 !== 0) this.#fail(v, `non-network bits set in "${v.text}"`);
        inner = addrMatch(q.dir, net, mask);
        break;
      }
      case "port": {
        const named = v.kind === "id" ? servicePort(v.text) : undefined;
        if (v.kind !== "num" && named === undefined) this.#fail(v, v.kind === "id" ? `unknown port '${v.text}' (sockstack knows the well-known service names only: write a number)` : `expected a port number, found ${this.#found(v)}`);
        const port = named ?? (v as { value: number }).value;
        if (port > 65535) this.#fail(v, `illegal port number ${port} > 65535`);
        inner = portMatch(q.dir, port, port, protoSet(q.proto));
        break;
      }
      case "portrange": {
        const m = /^(\d+)-(\d+)$/.exec(v.text);
        if (!m) this.#fail(v, `expected a port range (1000-2000) after 'portrange', found ${this.#found(v)}`);
        let lo = Number(m[1]);
        let hi = Number(m[2]);
        if (lo > 65535 || hi > 65535) this.#fail(v, `illegal port number in '${v.text}' > 65535`);
        if (lo > hi) [lo, hi] = [hi, lo];
        inner = portMatch(q.dir, lo, hi, protoSet(q.proto));
        break;
      }
    }
    if (proto === null || proto === "ip" || q.kind === "port" || q.kind === "portrange") return inner;
    const num = PROTO_NUM[proto]!;
    return (b, n) => isV4(b) && ipProto(b) === num && inner(b, n);
  }
}

/** Raised inside a relation attempt when the tokens are not arithmetic (the parser backs up). */
class NotArith {}

function protoSet(proto: string | null): readonly number[] {
  return proto === null || proto === "ip" ? [6, 17, 132] : [PROTO_NUM[proto]!];
}

function addrMatch(dir: Dir, net: number, mask: number): Pred {
  const m = (a: number) => ((a & mask) >>> 0) === net;
  const src = (b: Uint8Array) => m(ld(b, 12, 4));
  const dst = (b: Uint8Array) => m(ld(b, 16, 4));
  switch (dir) {
    case "src": return (b) => isV4(b) && src(b);
    case "dst": return (b) => isV4(b) && dst(b);
    case "src or dst": return (b) => isV4(b) && (src(b) || dst(b));
    case "src and dst": return (b) => isV4(b) && src(b) && dst(b);
  }
}

function portMatch(dir: Dir, lo: number, hi: number, protos: readonly number[]): Pred {
  const p0 = protos[0]!;
  const p1 = protos[1] ?? p0;
  const p2 = protos[2] ?? p0;
  const within = (v: number) => v >= lo && v <= hi;
  const ok = (b: Uint8Array) => {
    if (!isV4(b)) return false;
    const p = ipProto(b);
    return (p === p0 || p === p1 || p === p2) && firstFragment(b);
  };
  const sp = (b: Uint8Array) => within(ld(b, ipHlen(b), 2));
  const dp = (b: Uint8Array) => within(ld(b, ipHlen(b) + 2, 2));
  switch (dir) {
    case "src": return (b) => ok(b) && sp(b);
    case "dst": return (b) => ok(b) && dp(b);
    case "src or dst": return (b) => ok(b) && (sp(b) || dp(b));
    case "src and dst": return (b) => ok(b) && sp(b) && dp(b);
  }
}

function relation(op: string, l: Arith, r: Arith): Pred {
  switch (op) {
    case "=":
    case "==": return (b, n) => l(b, n) === r(b, n);
    case "!=": return (b, n) => l(b, n) !== r(b, n);
    case "<": return (b, n) => l(b, n) < r(b, n);
    case "<=": return (b, n) => l(b, n) <= r(b, n);
    case ">": return (b, n) => l(b, n) > r(b, n);
    default: return (b, n) => l(b, n) >= r(b, n);
  }
}

/** A binary operator on unsigned 32-bit values (BPF ALU semantics). */
function binary(op: string, l: Arith, r: Arith, divZero: () => never): Arith {
  switch (op) {
    case "+": return (b, n) => (l(b, n) + r(b, n)) >>> 0;
    case "-": return (b, n) => (l(b, n) - r(b, n)) >>> 0;
    case "*": return (b, n) => Math.imul(l(b, n), r(b, n)) >>> 0;
    case "/":
    case "%": {
      if (isConst(r) && r(EMPTY, 0) === 0) divZero();
      return op === "/"
        ? (b, n) => { const d = r(b, n); if (d === 0) throw OUT_OF_BOUNDS; return Math.floor(l(b, n) / d) >>> 0; }
        : (b, n) => { const d = r(b, n); if (d === 0) throw OUT_OF_BOUNDS; return (l(b, n) % d) >>> 0; };
    }
    case "&": return (b, n) => (l(b, n) & r(b, n)) >>> 0;
    case "|": return (b, n) => (l(b, n) | r(b, n)) >>> 0;
    case "^": return (b, n) => (l(b, n) ^ r(b, n)) >>> 0;
    case "<<": return (b, n) => { const s = r(b, n); return s > 31 ? 0 : (l(b, n) << s) >>> 0; };
    default: return (b, n) => { const s = r(b, n); return s > 31 ? 0 : l(b, n) >>> s; };
  }
}

const EMPTY = new Uint8Array(0);

/** True when an arithmetic closure reads nothing from the packet (a constant). */
function isConst(a: Arith): boolean {
  try {
    const x = a(EMPTY, 0);
    return x === a(EMPTY, 1);
  } catch {
    return false;
  }
}

/**
 * Compiles a pcap-filter expression into a predicate over IPv4 datagram
 * bytes. Throws {@link FilterSyntaxError} for an expression tcpdump would
 * reject (or that sockstack does not support), with the position.
 * An empty expression selects everything.
 * @example
 * const f = compileFilter("host 10.0.0.1 and (port 80 or 443)");
 * cap.records().filter((r) => f(r.bytes));
 */
export function compileFilter(expression: string): PacketPredicate {
  const p = new Parser(expression).parse();
  return (b, wireLen = b.length, frame) => {
    const outer = curFrame;
    curFrame = frame ?? null;
    try {
      return p(b, wireLen);
    } catch (e) {
      if (e === OUT_OF_BOUNDS) return false;
      throw e;
    } finally {
      curFrame = outer;
    }
  };
}

/**
 * Joins command-line words into one expression, as tcpdump does with the
 * arguments after its options (`tcpdump -nn tcp port 80`).
 * @example filterFromArgs(["tcp", "port", "80"]) === "tcp port 80"
 */
export function filterFromArgs(words: readonly string[]): string {
  return words.join(" ");
}
