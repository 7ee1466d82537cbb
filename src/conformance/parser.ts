/**
 * Parser for packetdrill scripts (the language of `../shared/conformance`
 * and of Linux's packetdrill tests): options, timed events (packets,
 * syscalls, shell commands, `%{ }%` code), untimed init/cleanup commands,
 * `#ifdef` regions and `--define` substitution. See `ast.ts` for the tree.
 *
 * Like packetdrill's grammar the language is free-form: an event may span
 * lines, and one ends where the next time column begins. Semantic rules
 * that packetdrill enforces while parsing are enforced here too (inbound
 * TCP needs `win`, `<...>` and `*` / ranges only on outbound packets,
 * `start:end(len)` must agree), so a script that parses is one packetdrill
 * would accept.
 */

import type {
  CodeEvent,
  EcnName,
  Event,
  Expr,
  IcmpEchoed,
  IcmpPacketSpec,
  IpInfo,
  PacketEvent,
  ParseResult,
  PortPair,
  Script,
  ScriptOption,
  ShellCommand,
  ShellEvent,
  StructField,
  SyscallEvent,
  TcpOption,
  TcpPacketSpec,
  TcpSeqSpec,
  TimeSpec,
  UdpPacketSpec,
} from "./ast.js";
import { Lexer, ScriptSyntaxError } from "./lexer.js";
import type { Token } from "./lexer.js";

/** Options of `parseScript`. */
export interface ParseOptions {
  /**
   * Symbols defined before the script starts (packetdrill's `-D` / the OS
   * name, e.g. `{ FreeBSD: "" }` for the FreeBSD scripts' `#ifdef FreeBSD`).
   * A non-empty value is substituted for the symbol wherever it appears as a
   * word; an empty value only makes `#ifdef NAME` true.
   */
  readonly defines?: Readonly<Record<string, string>>;
  /**
   * Symbols from packetdrill's command line (`-D NAME=VALUE`): like
   * `defines`, but a header `--define` of the same name does not replace
   * them (packetdrill's command line overrides the script's options).
   */
  readonly overrides?: Readonly<Record<string, string>>;
}

/**
 * Parses a packetdrill script. Never throws: a syntax or semantic error is
 * returned with its 1-based line and column.
 *
 * @example
 * ```ts
 * const r = parseScript("--tolerance_usecs=10000\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0.1 > S 0:0(0) <...>\n");
 * // r.ok === true; r.script.options.tolerance_usecs === "10000"
 * // r.script.events[1] → { type: "packet", time: { kind: "relative", us: 100000 }, direction: "outbound", … }
 * ```
 */
export function parseScript(text: string, opts: ParseOptions = {}): ParseResult {
  const parser = new ScriptParser(text, { ...opts.defines, ...opts.overrides }, new Set(Object.keys(opts.overrides ?? {})));
  try {
    return { ok: true, script: parser.parse() };
  } catch (e) {
    if (e instanceof ScriptSyntaxError) {
      return { ok: false, error: { line: e.line, column: e.column, message: e.message } };
    }
    // A bug in the parser must still not escape as an exception.
    const at = parser.lastPosition();
    return { ok: false, error: { line: at.line, column: at.column, message: `internal parser error: ${String(e)}` } };
  }
}

const U8 = 0xff;
const U16 = 0xffff;
const U32 = 0xffffffff;

/** DSCP class names → 6-bit codepoint (RFC 2474 CSn, RFC 2597 AFxy, RFC 3246 EF, RFC 8622 LE, RFC 5865 VOICE-ADMIT). */
function dscpByName(name: string): number | undefined {
  const n = name.toLowerCase();
  if (/^cs[0-7]$/.test(n)) return Number(n[2]) * 8;
  if (/^af[1-4][1-3]$/.test(n)) return Number(n[2]) * 8 + Number(n[3]) * 2;
  if (n === "ef") return 46;
  if (n === "le") return 1;
  if (n === "voice_admit") return 44;
  return undefined;
}

const ECN_NAMES: ReadonlySet<string> = new Set<EcnName>(["noecn", "ect0", "ect1", "ce", "ect01"]);

/** Valid TCP flag letters (packetdrill): `.` is ACK; E = ECE, W = CWR, A = AE (AccECN). */
const TCP_FLAG_CHARS = ".FSRPEWAU";

/** Packet-prefix keywords of encapsulated packets packetdrill knows but sockstack does not. */
const ENCAPSULATIONS: ReadonlySet<string> = new Set(["ipv4", "ipv6", "gre", "mpls", "encap"]);

/**
 * Converts a time column number (`0`, `0.200`, `.1`) to µs exactly, from
 * its decimal text (no binary floating-point rounding: `0.1` → 100000).
 * Digits beyond the sixth decimal round to nearest.
 */
function secondsTextToUs(text: string): number {
  const dot = text.indexOf(".");
  const whole = dot < 0 ? text : text.slice(0, dot);
  const frac = dot < 0 ? "" : text.slice(dot + 1);
  let us = Number(whole || "0") * 1_000_000 + Number((frac + "000000").slice(0, 6));
  if (frac.length > 6 && frac.charCodeAt(6) >= 53 /* '5' */) us += 1;
  return us;
}

class ScriptParser {
  readonly #lx: Lexer;
  readonly #defines: Map<string, string>;
  readonly #options: Record<string, string> = {};
  readonly #optionList: ScriptOption[] = [];
  readonly #events: Event[] = [];
  #init: ShellCommand | null = null;
  #cleanup: ShellCommand | null = null;
  #cleanupTok: Token | null = null;
  #last: Token | null = null;

  readonly #locked: ReadonlySet<string>;

  constructor(text: string, defines: Readonly<Record<string, string>>, locked: ReadonlySet<string> = new Set()) {
    this.#locked = locked;
    this.#defines = new Map(Object.entries(defines));
    this.#lx = new Lexer(text, this.#defines);
  }

  /** Position of the last consumed token (for internal-error reports). */
  lastPosition(): { line: number; column: number } {
    return this.#last === null ? { line: 1, column: 1 } : { line: this.#last.line, column: this.#last.column };
  }

  parse(): Script {
    for (;;) {
      const t = this.#peek();
      if (t.kind === "eof") break;
      if (t.kind === "option") {
        this.#option(this.#next());
      } else if (t.kind === "command") {
        this.#untimedCommand(this.#next());
      } else if (this.#cleanupTok !== null) {
        throw this.#error(this.#cleanupTok, "a command without a time is allowed only before the first event or after the last one");
      } else {
        this.#events.push(this.#event());
      }
    }
    return {
      options: this.#options,
      optionList: this.#optionList,
      defines: Object.fromEntries(this.#defines),
      initCommand: this.#init,
      cleanupCommand: this.#cleanup,
      events: this.#events,
    };
  }

  // ---------------------------------------------------------------- tokens

  #peek(n = 0): Token {
    return this.#lx.peek(n);
  }

  #next(): Token {
    const t = this.#lx.next();
    this.#last = t;
    return t;
  }

  #error(t: { line: number; column: number }, message: string): ScriptSyntaxError {
    return new ScriptSyntaxError(t.line, t.column, message);
  }

  #isPunct(t: Token, c: string): boolean {
    return t.kind === "punct" && t.value === c;
  }

  #isWord(t: Token, w: string): boolean {
    return t.kind === "word" && t.value === w;
  }

  /** Describes a token for messages: `'win'`, `end of file`. */
  #describe(t: Token): string {
    switch (t.kind) {
      case "eof":
        return "end of file";
      case "string":
        return `string "${t.value}"`;
      case "command":
        return "`command`";
      case "code":
        return "%{ code }%";
      case "option":
        return `option --${t.value}`;
      default:
        return `'${t.value}'`;
    }
  }

  #expectPunct(c: string, what?: string): Token {
    const t = this.#next();
    if (!this.#isPunct(t, c)) throw this.#error(t, `expected '${c}'${what ? ` ${what}` : ""}, found ${this.#describe(t)}`);
    return t;
  }

  #expectWord(w: string, what?: string): Token {
    const t = this.#next();
    if (!this.#isWord(t, w)) throw this.#error(t, `expected '${w}'${what ? ` ${what}` : ""}, found ${this.#describe(t)}`);
    return t;
  }

  /** A non-negative integer no larger than `max`. */
  #uint(max: number, what: string): number {
    const t = this.#next();
    if (t.kind !== "int") throw this.#error(t, `expected ${what} (an integer), found ${this.#describe(t)}`);
    const v = this.#intValue(t);
    if (v < 0 || v > max) throw this.#error(t, `${what} ${t.value} out of range (0..${max})`);
    return v;
  }

  #intValue(t: Token): number {
    const neg = t.value.startsWith("-");
    const digits = neg ? t.value.slice(1) : t.value;
    const v = /^0x/i.test(digits) ? parseInt(digits.slice(2), 16) : Number(digits);
    if (!Number.isSafeInteger(v)) throw this.#error(t, `integer ${t.value} is too large`);
    return neg ? -v : v;
  }

  // --------------------------------------------------------------- options

  #option(t: Token): void {
    const value = t.optionValue ?? "";
    this.#options[t.value] = value;
    this.#optionList.push({ name: t.value, value, line: t.line });
    if (t.value === "define" || t.value === "D") {
      // --define=NAME=VALUE (or --define=NAME, a bare symbol for #ifdef).
      const eq = value.indexOf("=");
      const name = eq < 0 ? value : value.slice(0, eq);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw this.#error(t, `--define needs NAME=VALUE, got '${value}'`);
      if (!this.#locked.has(name)) this.#lx.define(name, eq < 0 ? "" : value.slice(eq + 1));
    }
  }

  #untimedCommand(t: Token): void {
    const cmd: ShellCommand = { command: t.value, line: t.line };
    if (this.#events.length === 0 && this.#init === null) {
      this.#init = cmd;
    } else if (this.#cleanup === null) {
      this.#cleanup = cmd;
      this.#cleanupTok = t;
    } else {
      throw this.#error(t, "a command without a time is allowed only before the first event or after the last one");
    }
  }

  // ---------------------------------------------------------------- events

  #event(): Event {
    const first = this.#peek();
    const time = this.#time();
    let endUs: number | null = null;
    let endTok: Token | null = null;
    if (this.#peek().kind === "ellipsis") {
      endTok = this.#next();
      if (time.kind !== "absolute" && time.kind !== "relative") {
        throw this.#error(endTok, "a blocking call (T1...T2) needs a plain start time, not '*' or a range");
      }
      if (this.#isPunct(this.#peek(), "+")) {
        const plus = this.#next();
        if (time.kind !== "relative") throw this.#error(plus, "end time of a blocking call cannot be relative when the start is absolute");
      }
      endUs = this.#seconds("the end time of a blocking call");
      if (endUs < (time.kind === "absolute" || time.kind === "relative" ? time.us : 0)) {
        throw this.#error(endTok, "blocking call ends before it starts");
      }
    }
    const t = this.#peek();
    const line = first.line;
    let ev: Event;
    if (this.#isPunct(t, "<") || this.#isPunct(t, ">")) {
      ev = this.#packet(line, time);
    } else if (t.kind === "command") {
      this.#next();
      ev = { type: "shell", line, time, command: t.value } satisfies ShellEvent;
    } else if (t.kind === "code") {
      this.#next();
      ev = { type: "code", line, time, text: t.value, textLine: this.#lx.position(t.start + 2).line } satisfies CodeEvent;
    } else if (t.kind === "word") {
      ev = this.#syscall(line, time, endUs);
    } else {
      throw this.#error(t, `expected a packet ('<' or '>'), a system call, a \`command\` or a %{ code }% block after the time, found ${this.#describe(t)}`);
    }
    if (endTok !== null && ev.type !== "syscall") throw this.#error(endTok, "only a system call can block (T1...T2)");
    if ((time.kind === "any" || time.kind === "range") && !(ev.type === "packet" && ev.direction === "outbound")) {
      throw this.#error(first, time.kind === "any" ? "time '*' can only be used with outbound packets" : "a time range can only be used with outbound packets");
    }
    return ev;
  }

  /** `0.1`, `+0.1`, `*`, `0.1~0.2`, `+0.1~+0.2`. */
  #time(): TimeSpec {
    const t = this.#peek();
    if (this.#isPunct(t, "*")) {
      this.#next();
      return { kind: "any" };
    }
    let relative = false;
    if (this.#isPunct(t, "+")) {
      this.#next();
      relative = true;
    } else if (t.kind !== "int" && t.kind !== "float") {
      throw this.#error(t, `expected a time ('0.1', '+0.1', '*'), an option or a \`command\`, found ${this.#describe(t)}`);
    }
    const us = this.#seconds("a time");
    const tilde = this.#peek();
    if (!this.#isPunct(tilde, "~")) return relative ? { kind: "relative", us } : { kind: "absolute", us };
    this.#next();
    const plus = this.#peek();
    if (this.#isPunct(plus, "+") !== relative) {
      throw this.#error(plus, relative ? "a relative range is written '+a~+b'" : "an absolute range is written 'a~b'");
    }
    if (relative) this.#next();
    const endUs = this.#seconds("the end of a time range");
    if (endUs < us) throw this.#error(tilde, "time range is backwards");
    return { kind: "range", relative, startUs: us, endUs };
  }

  #seconds(what: string): number {
    const t = this.#next();
    if (t.kind !== "int" && t.kind !== "float") throw this.#error(t, `expected ${what} in seconds, found ${this.#describe(t)}`);
    if (t.value.startsWith("-")) throw this.#error(t, "negative time");
    if (/^0x/i.test(t.value)) throw this.#error(t, `expected ${what} in seconds, found ${this.#describe(t)}`);
    return secondsTextToUs(t.value);
  }

  // --------------------------------------------------------------- packets

  #packet(line: number, time: TimeSpec): PacketEvent {
    const dirTok = this.#next();
    const direction = dirTok.value === "<" ? "inbound" : "outbound";
    let ip: IpInfo | null = null;
    const open = this.#peek();
    if (this.#isPunct(open, "(") || this.#isPunct(open, "[")) ip = this.#ipInfo();
    const t = this.#peek();
    let packet: PacketEvent["packet"];
    if (this.#isWord(t, "udp")) {
      packet = this.#udp();
    } else if (this.#isWord(t, "icmp")) {
      packet = this.#icmp();
    } else if (t.kind === "word" && ENCAPSULATIONS.has(t.value)) {
      throw this.#error(t, `encapsulated packets ('${t.value} …' prefixes: IP-in-IP, GRE, MPLS, PSP) are not supported`);
    } else if (t.kind === "word" && (t.value === "sctp" || t.value === "udplite")) {
      throw this.#error(t, `${t.value} packets are not supported`);
    } else {
      packet = this.#tcp(direction, dirTok);
    }
    return { type: "packet", line, time, direction, ip, packet };
  }

  /** `(tos 0x20)`, `[noecn]`, `(ecn ect0, ttl 64)`, `[dscp cs1, ect0]`. */
  #ipInfo(): IpInfo {
    const open = this.#next();
    const close = open.value === "(" ? ")" : "]";
    let tos: number | null = null;
    let dscp: number | null = null;
    let ecn: EcnName | null = null;
    let ttl: number | null = null;
    let flowLabel: number | null = null;
    const once = (t: Token, set: boolean, what: string): void => {
      if (set) throw this.#error(t, `${what} given twice`);
    };
    for (;;) {
      const t = this.#next();
      if (t.kind !== "word") throw this.#error(t, `expected an IP attribute (tos, dscp, ecn, ttl, …), found ${this.#describe(t)}`);
      const k = t.value;
      if (k === "tos" || k === "class") {
        once(t, tos !== null || dscp !== null || ecn !== null, "tos");
        tos = this.#uint(U8, k);
      } else if (k === "dscp") {
        once(t, tos !== null || dscp !== null, "dscp");
        const v = this.#peek();
        if (v.kind === "word") {
          this.#next();
          const d = dscpByName(v.value);
          if (d === undefined) throw this.#error(v, `unknown DSCP name '${v.value}'`);
          dscp = d;
        } else {
          dscp = this.#uint(0x3f, "dscp");
        }
      } else if (k === "ecn" || ECN_NAMES.has(k)) {
        once(t, tos !== null || ecn !== null, "ecn");
        const v = k === "ecn" ? this.#next() : t;
        if (v.kind !== "word" || !ECN_NAMES.has(v.value)) throw this.#error(v, `expected noecn, ect0, ect1, ce or ect01, found ${this.#describe(v)}`);
        ecn = v.value as EcnName;
      } else if (k === "ttl" || k === "hlim") {
        once(t, ttl !== null, k);
        ttl = this.#uint(U8, k);
      } else if (k === "flowlabel") {
        once(t, flowLabel !== null, k);
        flowLabel = this.#uint(0xfffff, k);
      } else {
        throw this.#error(t, `unknown IP attribute '${k}' (expected tos, class, dscp, ecn, ect0, ect1, ce, noecn, ect01, ttl, hlim, flowlabel)`);
      }
      const sep = this.#next();
      if (this.#isPunct(sep, close)) break;
      if (!this.#isPunct(sep, ",")) throw this.#error(sep, `expected ',' or '${close}' in IP attributes, found ${this.#describe(sep)}`);
    }
    return { tos, dscp, ecn, ttl, flowLabel };
  }

  /** `1234 > 8080` before the flags / payload length. */
  #optPorts(): PortPair | null {
    const t = this.#peek();
    if (t.kind !== "int" || !this.#isPunct(this.#peek(1), ">")) return null;
    const src = this.#uint(U16, "source port");
    this.#next();
    const dst = this.#uint(U16, "destination port");
    return { src, dst };
  }

  #tcp(direction: "inbound" | "outbound", dirTok: Token): TcpPacketSpec {
    const ports = this.#optPorts();
    const flags = this.#tcpFlags();
    const seq = this.#seq();
    let ack: number | null = null;
    let win: number | null = null;
    let urg: number | null = null;
    for (;;) {
      const t = this.#peek();
      if (this.#isWord(t, "ack")) {
        this.#next();
        if (ack !== null) throw this.#error(t, "'ack' given twice");
        ack = this.#uint(U32, "ack");
      } else if (this.#isWord(t, "win")) {
        this.#next();
        if (win !== null) throw this.#error(t, "'win' given twice");
        win = this.#uint(U16, "window");
      } else if (this.#isWord(t, "urg")) {
        this.#next();
        if (urg !== null) throw this.#error(t, "'urg' given twice");
        urg = this.#uint(U16, "urgent pointer");
      } else {
        break;
      }
    }
    let options: TcpPacketSpec["options"] = [];
    const lt = this.#peek();
    if (this.#isPunct(lt, "<")) {
      options = this.#tcpOptions();
      if (options === "any" && direction === "inbound") {
        throw this.#error(lt, "<...> for TCP options can only be used with outbound packets");
      }
    }
    const udpEncap = this.#optUdpEncap();
    if (win === null && direction === "inbound") {
      throw this.#error(dirTok, "window must be specified for inbound packets ('win N')");
    }
    return { protocol: "tcp", ports, flags, seq, ack, win, urg, options, udpEncap };
  }

  /** `S`, `S.`, `.`, `P.`, `SEW`, `F.`, `-` (none). */
  #tcpFlags(): string {
    const t = this.#peek();
    if (this.#isPunct(t, "-")) {
      this.#next();
      return "";
    }
    let flags = "";
    if (t.kind === "word") flags += this.#next().value;
    if (this.#isPunct(this.#peek(), ".")) {
      this.#next();
      flags += ".";
      if (this.#peek().kind === "word") flags += this.#next().value;
    }
    if (flags === "") throw this.#error(t, `expected TCP flags (S, S., ., P., F., R, …), 'udp' or 'icmp', found ${this.#describe(t)}`);
    for (const c of flags) {
      if (!TCP_FLAG_CHARS.includes(c)) throw this.#error(t, `invalid TCP flag '${c}' in '${flags}' (valid: ${TCP_FLAG_CHARS})`);
    }
    return flags;
  }

  /** `start:end(len)[!]` or `...(len)`. */
  #seq(): TcpSeqSpec {
    const t = this.#peek();
    if (t.kind === "ellipsis") {
      this.#next();
      this.#expectPunct("(", "after '...' in the sequence");
      const len = this.#uint(U16, "payload length");
      this.#expectPunct(")");
      return { start: null, end: null, len, absolute: false };
    }
    if (t.kind !== "int") throw this.#error(t, `expected sequence numbers 'start:end(len)', found ${this.#describe(t)}`);
    const start = this.#uint(U32, "start sequence number");
    this.#expectPunct(":", "in 'start:end(len)'");
    const end = this.#uint(U32, "end sequence number");
    this.#expectPunct("(", "in 'start:end(len)'");
    const len = this.#uint(U16, "payload length");
    this.#expectPunct(")", "in 'start:end(len)'");
    if (end !== start + len) throw this.#error(t, `inconsistent TCP sequence numbers and payload size: ${start}:${end}(${len})`);
    let absolute = false;
    if (this.#isPunct(this.#peek(), "!")) {
      this.#next();
      absolute = true;
    }
    return { start, end, len, absolute };
  }

  /** `/udp(1 > 9811)` after a TCP segment: TCP over UDP encapsulation ports. */
  #optUdpEncap(): PortPair | null {
    if (!this.#isPunct(this.#peek(), "/")) return null;
    this.#next();
    this.#expectWord("udp", "after '/'");
    this.#expectPunct("(", "in '/udp(src > dst)'");
    const src = this.#uint(U16, "UDP source port");
    this.#expectPunct(">", "in '/udp(src > dst)'");
    const dst = this.#uint(U16, "UDP destination port");
    this.#expectPunct(")", "in '/udp(src > dst)'");
    return { src, dst };
  }

  #tcpOptions(): TcpOption[] | "any" {
    this.#expectPunct("<");
    if (this.#peek().kind === "ellipsis") {
      this.#next();
      this.#expectPunct(">", "after '<...'");
      return "any";
    }
    const list: TcpOption[] = [];
    for (;;) {
      list.push(this.#tcpOption());
      const sep = this.#next();
      if (this.#isPunct(sep, ">")) return list;
      if (!this.#isPunct(sep, ",")) throw this.#error(sep, `expected ',' or '>' in TCP options, found ${this.#describe(sep)}`);
    }
  }

  #tcpOption(): TcpOption {
    const t = this.#next();
    if (t.kind !== "word") throw this.#error(t, `expected a TCP option (mss, nop, wscale, sackOK, sack, TS, eol, …), found ${this.#describe(t)}`);
    switch (t.value) {
      case "nop":
        return { kind: "nop" };
      case "eol":
        return { kind: "eol" };
      case "mss":
        return { kind: "mss", mss: this.#uint(U16, "mss") };
      case "wscale":
        return { kind: "wscale", shift: this.#uint(U8, "wscale") };
      case "sackOK":
        return { kind: "sack-permitted" };
      case "sack": {
        const blocks: [number, number][] = [];
        while (this.#peek().kind === "int") {
          const start = this.#uint(U32, "SACK block start");
          this.#expectPunct(":", "in SACK block 'start:end'");
          const end = this.#uint(U32, "SACK block end");
          blocks.push([start, end]);
        }
        if (blocks.length === 0) throw this.#error(this.#peek(), "expected SACK blocks 'start:end' after 'sack'");
        return { kind: "sack", blocks };
      }
      case "TS": {
        this.#expectWord("val", "after 'TS'");
        let val: number | null = null;
        if (this.#peek().kind === "ellipsis") this.#next();
        else val = this.#uint(U32, "TS val");
        this.#expectWord("ecr", "in 'TS val V ecr E'");
        const ecr = this.#uint(U32, "TS ecr");
        let ecrAbsolute = false;
        if (this.#isPunct(this.#peek(), "!")) {
          this.#next();
          ecrAbsolute = true;
        }
        return { kind: "timestamp", val, ecr, ecrAbsolute };
      }
      case "md5": {
        const k = this.#next();
        if (k.kind !== "word" && k.kind !== "int") throw this.#error(k, `expected an MD5 key (hex) or 'valid' after 'md5', found ${this.#describe(k)}`);
        return { kind: "md5", key: k.value };
      }
      case "FO":
      case "FOEXP": {
        const c = this.#peek();
        const cookie = c.kind === "word" || c.kind === "int" ? this.#next().value : "";
        if (cookie !== "" && !/^([0-9a-fA-F]{2})*$/.test(cookie)) throw this.#error(c, `Fast Open cookie '${cookie}' is not an even number of hex digits`);
        return { kind: "fastopen", cookie, experimental: t.value === "FOEXP" };
      }
      default:
        throw this.#error(t, `unknown TCP option '${t.value}'`);
    }
  }

  #udp(): UdpPacketSpec {
    this.#next();
    const ports = this.#optPorts();
    this.#expectPunct("(", "in 'udp (len)'");
    const len = this.#uint(U16, "UDP payload length");
    this.#expectPunct(")", "in 'udp (len)'");
    return { protocol: "udp", ports, len };
  }

  /** `icmp TYPE [CODE] [mtu N] [id N] [[echoed]]`. */
  #icmp(): IcmpPacketSpec {
    this.#next();
    const typeTok = this.#next();
    if (typeTok.kind !== "word") throw this.#error(typeTok, `expected an ICMP type (unreachable, time_exceeded, …), found ${this.#describe(typeTok)}`);
    let icmpCode: string | null = null;
    const c = this.#peek();
    if (c.kind === "word" && !((c.value === "mtu" || c.value === "id") && this.#peek(1).kind === "int")) {
      icmpCode = this.#next().value;
    }
    let mtu: number | null = null;
    let id: number | null = null;
    if (this.#isWord(this.#peek(), "mtu")) {
      this.#next();
      mtu = this.#uint(U16, "mtu");
    }
    if (this.#isWord(this.#peek(), "id")) {
      this.#next();
      id = this.#uint(U16, "id");
    }
    let echoed: IcmpEchoed | null = null;
    if (this.#isPunct(this.#peek(), "[")) {
      this.#next();
      if (this.#isWord(this.#peek(), "udp")) {
        this.#next();
        this.#expectPunct("(", "in '[udp (len)]'");
        const len = this.#uint(U16, "UDP payload length");
        this.#expectPunct(")", "in '[udp (len)]'");
        echoed = { protocol: "udp", len };
      } else if (this.#isWord(this.#peek(), "sctp") || this.#isWord(this.#peek(), "udplite")) {
        throw this.#error(this.#peek(), `ICMP quoting ${this.#peek().value} is not supported`);
      } else {
        const seq = this.#seq();
        echoed = { protocol: "tcp", seq, udpEncap: this.#optUdpEncap() };
      }
      this.#expectPunct("]", "after the packet quoted by the ICMP message");
    }
    return { protocol: "icmp", icmpType: typeTok.value, icmpCode, mtu, id, echoed };
  }

  // -------------------------------------------------------------- syscalls

  #syscall(line: number, time: TimeSpec, endUs: number | null): SyscallEvent {
    const nameTok = this.#next();
    this.#expectPunct("(", `after system call name '${nameTok.value}'`);
    const args = this.#exprList(")");
    this.#expectPunct("=", `after ${nameTok.value}(…) (the expected return value, e.g. '= 0')`);
    const result = this.#expr();
    let errno: SyscallEvent["errno"] = null;
    let note: string | null = null;
    const e = this.#peek();
    if (e.kind === "word") {
      this.#next();
      const text = this.#isPunct(this.#peek(), "(") ? this.#note() : null;
      errno = { name: e.value, text };
    } else if (this.#isPunct(e, "(")) {
      note = this.#note();
    }
    return { type: "syscall", line, time, endUs, name: nameTok.value, args, result, errno, note };
  }

  /** `( words … )` after a return value: the source text inside, blanks collapsed. */
  #note(): string {
    const open = this.#next();
    let depth = 1;
    let end = open.end;
    for (;;) {
      const t = this.#next();
      if (t.kind === "eof") throw this.#error(open, "unterminated '(' note after the return value");
      if (this.#isPunct(t, "(")) depth++;
      else if (this.#isPunct(t, ")") && --depth === 0) break;
      end = t.end;
    }
    return this.#lx.source.slice(open.end, end).replace(/\s+/g, " ").trim();
  }

  /** Comma-separated expressions up to (and consuming) `close`; may be empty. */
  #exprList(close: string): Expr[] {
    const items: Expr[] = [];
    if (this.#isPunct(this.#peek(), close)) {
      this.#next();
      return items;
    }
    for (;;) {
      items.push(this.#expr());
      const sep = this.#next();
      if (this.#isPunct(sep, close)) return items;
      if (!this.#isPunct(sep, ",")) throw this.#error(sep, `expected ',' or '${close}', found ${this.#describe(sep)}`);
    }
  }

  /** `primary ('|' primary)*`. */
  #expr(): Expr {
    let lhs = this.#primary();
    while (this.#isPunct(this.#peek(), "|")) {
      const bar = this.#next();
      const rhs = this.#primary();
      lhs = { kind: "binary", op: "|", lhs, rhs, line: bar.line };
    }
    return lhs;
  }

  #primary(): Expr {
    const t = this.#next();
    const line = t.line;
    switch (t.kind) {
      case "ellipsis":
        return { kind: "ellipsis", line };
      case "int":
        return { kind: "int", value: this.#intValue(t), text: t.value, line };
      case "string": {
        let value = t.value;
        while (this.#peek().kind === "string") value += this.#next().value;
        let open = false;
        if (this.#peek().kind === "ellipsis") {
          this.#next();
          open = true;
        }
        return { kind: "string", value, open, line };
      }
      case "word": {
        const p = this.#peek();
        if (this.#isPunct(p, "(") && !p.spaceBefore) {
          this.#next();
          return { kind: "call", name: t.value, args: this.#exprList(")"), line };
        }
        return { kind: "word", name: t.value, line };
      }
      case "punct":
        if (t.value === "[") return { kind: "array", items: this.#exprList("]"), line };
        if (t.value === "{") return { kind: "struct", fields: this.#fields(), line };
        break;
      case "float":
        throw this.#error(t, `a number with a fraction (${t.value}) is not a valid argument or return value`);
      default:
        break;
    }
    throw this.#error(t, `expected an expression (number, name, "string", ..., [ ], { }), found ${this.#describe(t)}`);
  }

  /** `{ name=expr, name(args)=expr, expr, … }` after the `{`. */
  #fields(): StructField[] {
    const fields: StructField[] = [];
    if (this.#isPunct(this.#peek(), "}")) {
      this.#next();
      return fields;
    }
    for (;;) {
      const first = this.#peek();
      const lhs = this.#expr();
      if (this.#isPunct(this.#peek(), "=")) {
        const eq = this.#next();
        if (lhs.kind === "word") {
          fields.push({ name: lhs.name, args: null, value: this.#expr(), line: first.line });
        } else if (lhs.kind === "call") {
          fields.push({ name: lhs.name, args: lhs.args, value: this.#expr(), line: first.line });
        } else {
          throw this.#error(eq, "a field name must precede '=' in { }");
        }
      } else {
        fields.push({ name: null, args: null, value: lhs, line: first.line });
      }
      const sep = this.#next();
      if (this.#isPunct(sep, "}")) return fields;
      if (!this.#isPunct(sep, ",")) throw this.#error(sep, `expected ',' or '}', found ${this.#describe(sep)}`);
    }
  }
}
