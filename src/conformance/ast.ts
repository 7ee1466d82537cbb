/**
 * The syntax tree of a packetdrill script, as produced by `parseScript`
 * (parser.ts). Pure data: no evaluation happens here. Sequence numbers,
 * windows and option values are the literal numbers of the script; times are
 * integer microseconds (the script writes seconds: `+.1` → 100000 µs).
 *
 * Every node that corresponds to a piece of the script carries its 1-based
 * source `line` so the runner can say "line 42: expected … got …".
 *
 * @example
 * ```ts
 * const r = parseScript("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
 * if (r.ok) {
 *   const e = r.script.events[0]!; // { type: "syscall", name: "socket", … }
 * }
 * ```
 */
import type { TcpOption as WireTcpOption } from "../wire/tcp-options.js";

/** A parsed script. */
export interface Script {
  /**
   * Options in the order seen, last one wins (`--tolerance_usecs=75000` →
   * `{ tolerance_usecs: "75000" }`). A bare flag (`--strict_segments`) maps
   * to `""`. `--define=X=Y` is recorded here as `define: "X=Y"` (the last
   * one) and applied to the rest of the script; see also `defines`.
   */
  readonly options: Record<string, string>;
  /** Every option line in order, with its line (repeats kept). */
  readonly optionList: readonly ScriptOption[];
  /** The final symbol table: caller's defines plus the script's `--define`s. */
  readonly defines: Readonly<Record<string, string>>;
  /** A backquoted command before the first event (packetdrill's init command). */
  readonly initCommand: ShellCommand | null;
  /** A backquoted command after the last event (packetdrill's cleanup command). */
  readonly cleanupCommand: ShellCommand | null;
  /** The timed events in script order. */
  readonly events: readonly Event[];
}

/** One `--name[=value]` line. */
export interface ScriptOption {
  readonly name: string;
  /** `""` for a bare flag. */
  readonly value: string;
  readonly line: number;
}

/** An untimed backquoted command (init / cleanup). */
export interface ShellCommand {
  /** The text between the backquotes, verbatim. */
  readonly command: string;
  readonly line: number;
}

/**
 * When an event happens. All values in microseconds.
 * - `absolute`: `0.100` — since the start of the script.
 * - `relative`: `+0.1` — since the previous event's *script* time.
 * - `any`: `*` — whenever (outbound packets only).
 * - `range`: `0.1~0.2` (absolute) or `+0.1~+0.2` (`relative: true`) — the
 *   event must happen inside the window (outbound packets only).
 */
export type TimeSpec =
  | { readonly kind: "absolute"; readonly us: number }
  | { readonly kind: "relative"; readonly us: number }
  | { readonly kind: "any" }
  | { readonly kind: "range"; readonly relative: boolean; readonly startUs: number; readonly endUs: number };

/** A timed line of the script. */
export type Event = PacketEvent | SyscallEvent | ShellEvent | CodeEvent;

/** `TIME < …` (injected by the tool) or `TIME > …` (expected from the stack). */
export interface PacketEvent {
  readonly type: "packet";
  readonly line: number;
  readonly time: TimeSpec;
  /** `<` inbound (the tool injects it), `>` outbound (the stack must send it). */
  readonly direction: "inbound" | "outbound";
  /** IP-level annotations written right after the direction: `(tos 0x20)`, `[noecn]`. */
  readonly ip: IpInfo | null;
  readonly packet: TcpPacketSpec | UdpPacketSpec | IcmpPacketSpec;
}

/** ECN codepoint names as packetdrill writes them; `ect01` means "either ECT(0) or ECT(1)". */
export type EcnName = "noecn" | "ect0" | "ect1" | "ce" | "ect01";

/**
 * IP header annotations. Only the fields the script wrote are non-null;
 * combining them into a TOS byte (DSCP << 2 | ECN) is the runner's job.
 */
export interface IpInfo {
  /** Whole TOS / traffic class byte (`tos 0x20`, `class 0x20`). */
  readonly tos: number | null;
  /** `dscp 0x08` or a named class (`dscp cs1` → 8); the 6-bit value. */
  readonly dscp: number | null;
  /** `[ect0]`, `(ecn ce)`, … */
  readonly ecn: EcnName | null;
  /** `ttl 64` / `hlim 64`. */
  readonly ttl: number | null;
  /** IPv6 `flowlabel 0x12345`. */
  readonly flowLabel: number | null;
}

/** Explicit ports: `< 1234 > 8080 S 0:0(0) …` / `udp 53 > 1234 (10)`. */
export interface PortPair {
  readonly src: number;
  readonly dst: number;
}

/**
 * A TCP segment: `S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 6>`.
 */
export interface TcpPacketSpec {
  readonly protocol: "tcp";
  readonly ports: PortPair | null;
  /**
   * Flag letters as written, without spaces: `"S"`, `"S."`, `"P."`, `"F."`,
   * `"R."`, `"SEW"`, `"."` (ACK only), `""` for `-` (no flags). Letters are
   * from `.FSRPEWAU`, where `.` is ACK.
   */
  readonly flags: string;
  readonly seq: TcpSeqSpec;
  /** `ack N`, or null when the line has none. */
  readonly ack: number | null;
  /** `win N`, or null when not written (then not checked on outbound). */
  readonly win: number | null;
  /** `urg N`, or null. */
  readonly urg: number | null;
  /**
   * The options in order; `[]` when the line writes none (the segment must
   * then carry none), `"any"` for `<...>` (do not check).
   */
  readonly options: readonly TcpOption[] | "any";
  /** TCP over UDP: `…/udp(1 > 9811)`. */
  readonly udpEncap: PortPair | null;
}

/**
 * `start:end(len)`; `start:end(len)!` marks the numbers absolute (not
 * relative to the ISN); `...(len)` (start/end null) means "any sequence".
 */
export interface TcpSeqSpec {
  readonly start: number | null;
  readonly end: number | null;
  readonly len: number;
  readonly absolute: boolean;
}

/** A wire option kind's type (`wire/tcp-options.ts`), which script options reuse. */
type WireOption<K extends WireTcpOption["kind"]> = Extract<WireTcpOption, { readonly kind: K }>;

/**
 * One TCP option of a packet line: the wire codec's option of the same
 * kind (`mss 1460` → `{ kind: "mss", mss: 1460 }`, `sackOK` →
 * `sack-permitted`, `sack 1:2` → blocks `[[1, 2]]`), except that a
 * timestamp's `val` may be `...` and its `ecr` absolute, plus the options
 * sockstack parses but does not send (MD5, Fast Open).
 */
export type TcpOption =
  | WireOption<"nop">
  | WireOption<"eol">
  | WireOption<"mss">
  | WireOption<"wscale">
  | WireOption<"sack-permitted">
  | WireOption<"sack">
  /** `TS val V ecr E`; `val ...` → `val: null` (ignore); `ecr E!` → `ecrAbsolute`. */
  | (Omit<WireOption<"timestamp">, "val"> & { readonly val: number | null; readonly ecrAbsolute: boolean })
  /** `md5 <hex>` or `md5 valid`; the text as written. */
  | { readonly kind: "md5"; readonly key: string }
  /** `FO [cookie]` (RFC 7413 option 34) / `FOEXP [cookie]` (experimental option 254). */
  | { readonly kind: "fastopen"; readonly cookie: string; readonly experimental: boolean };

/** `udp (len)`. */
export interface UdpPacketSpec {
  readonly protocol: "udp";
  readonly ports: PortPair | null;
  /** UDP payload length. */
  readonly len: number;
}

/**
 * `icmp unreachable port_unreachable [mtu N] [id N] [seq:end(len)]`: an
 * ICMP message quoting a packet of the connection.
 */
export interface IcmpPacketSpec {
  readonly protocol: "icmp";
  /** `unreachable`, `time_exceeded`, `echo_request`, … as written. */
  readonly icmpType: string;
  /** `port_unreachable`, `frag_needed`, … as written, or null. */
  readonly icmpCode: string | null;
  /** `mtu N` (fragmentation needed / packet too big), or null. */
  readonly mtu: number | null;
  /** `id N` (echo), or null. */
  readonly id: number | null;
  /** The quoted packet: `[1:1(0)]` (TCP) or `[udp (10)]`; null when absent. */
  readonly echoed: IcmpEchoed | null;
}

/** What an ICMP error quotes. */
export type IcmpEchoed =
  | { readonly protocol: "tcp"; readonly seq: TcpSeqSpec; readonly udpEncap: PortPair | null }
  | { readonly protocol: "udp"; readonly len: number };

/**
 * `TIME name(args) = result [ERRNO (text)] [(note)]`, optionally blocking:
 * `+0...0.2 accept(3, ..., ...) = 4`.
 */
export interface SyscallEvent {
  readonly type: "syscall";
  readonly line: number;
  readonly time: TimeSpec;
  /**
   * For a blocking call `T1...T2`, T2 in µs: absolute when `time` is
   * absolute, else relative to the previous event like T1 (packetdrill adds
   * the same base to both). Null for a non-blocking call.
   */
  readonly endUs: number | null;
  readonly name: string;
  readonly args: readonly Expr[];
  /** The expected return value: usually an `int`; `...` (ellipsis) = any. */
  readonly result: Expr;
  /** `-1 EINPROGRESS (Operation now in progress)` → `{ name: "EINPROGRESS", text: "Operation now in progress" }`. */
  readonly errno: { readonly name: string; readonly text: string | null } | null;
  /** A parenthesised note after a non-error result: `= 0x02 (flags O_RDWR)` → `"flags O_RDWR"`. */
  readonly note: string | null;
}

/** `TIME \`command\`` — a shell command (sysctl, sockstat, …). */
export interface ShellEvent {
  readonly type: "shell";
  readonly line: number;
  readonly time: TimeSpec;
  /** Text between the backquotes, verbatim. */
  readonly command: string;
}

/**
 * `TIME %{ python }%` — code run after the script against `tcp_info`
 * snapshots taken at this point.
 */
export interface CodeEvent {
  readonly type: "code";
  readonly line: number;
  readonly time: TimeSpec;
  /**
   * Text between `%{` and `}%`, verbatim (packetdrill strips leading and
   * trailing blanks before running it). Its first character is on
   * `textLine`; each `\n` inside advances the line by one.
   */
  readonly text: string;
  readonly textLine: number;
}

/**
 * A syscall argument or result. Symbolic names (`SOCK_STREAM`,
 * `O_NONBLOCK`) stay `word`s; the runner gives them values.
 */
export type Expr =
  /** `...`: fill in / don't care. */
  | { readonly kind: "ellipsis"; readonly line: number }
  /** Decimal, negative or hex (`0x02`); `text` as written. */
  | { readonly kind: "int"; readonly value: number; readonly text: string; readonly line: number }
  /** `"abc"` (adjacent strings concatenated); `"abc"...` sets `open`. */
  | { readonly kind: "string"; readonly value: string; readonly open: boolean; readonly line: number }
  /** A symbol: `SOCK_STREAM`, `NULL`, `EPOLLIN`. */
  | { readonly kind: "word"; readonly name: string; readonly line: number }
  /** `a | b | c`, left-associative. */
  | { readonly kind: "binary"; readonly op: "|"; readonly lhs: Expr; readonly rhs: Expr; readonly line: number }
  /** `[1]`, `[{fd=3, events=POLLIN}]`, `[5, 6]`. */
  | { readonly kind: "array"; readonly items: readonly Expr[]; readonly line: number }
  /**
   * `{l_onoff=1, l_linger=0}`, `{..., 100}` (positional), `{msg_iov(1)=[…]}`.
   */
  | { readonly kind: "struct"; readonly fields: readonly StructField[]; readonly line: number }
  /** `htons(8080)`, `inet_addr("192.0.2.1")`: a word written directly before `(`. */
  | { readonly kind: "call"; readonly name: string; readonly args: readonly Expr[]; readonly line: number };

/** One member of a `{…}` expression. */
export interface StructField {
  /** Field name, or null for a positional member (`{..., 100}`). */
  readonly name: string | null;
  /** `msg_iov(1)=…` → the `(1)` arguments; null when absent. */
  readonly args: readonly Expr[] | null;
  readonly value: Expr;
  readonly line: number;
}

/** Where and why a script failed to parse (1-based line and column). */
export interface ScriptParseError {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** The result of `parseScript`. */
export type ParseResult =
  | { readonly ok: true; readonly script: Script }
  | { readonly ok: false; readonly error: ScriptParseError };
