/**
 * The TCB's compactly stored fields, declared once as data. Five kinds
 * keep an idle connection small (BENCHMARKS.md, memory-per-connection):
 *
 * - {@link TCB_SEQ_FIELDS}, sequence numbers: stored `| 0` as int32 and read
 *   back `>>> 0` (V8 keeps a field in the object only while it holds a small
 *   integer; a field that ever held an unsigned 32-bit value ≥ 2³¹ becomes a
 *   boxed double, 16 B more per field per connection). Readers see the
 *   unsigned number.
 * - {@link TCB_PACKED_FIELDS}, small integers (ports, MSS values, window
 *   scale, probe count, state): packed into int32 words, 8 B per field
 *   less each.
 * - {@link TCB_FLAGS}, booleans: one bit each of one integer field (the bit
 *   is the position in the list).
 * - {@link TcbCold}, rarely set state (socket options, urgent data, undo
 *   bookkeeping, rare counters): every TCB shares {@link COLD_DEFAULTS}
 *   until one of these is first set to another value, then owns a copy.
 * - {@link TcbWarm}, the state of data transfer (loss recovery, delayed
 *   ACKs, byte counters, receive autotuning): the same copy-on-write scheme
 *   with {@link WARM_DEFAULTS}, so a connection that has only shaken hands
 *   (or only sends keepalives) shares it and one that moves data owns one.
 *
 * The accessors that give all of them plain field names (`t.sndUna`,
 * `t.sackOk`, `t.tos`) are generated from these lists into
 * `tcb-accessors.ts` by {@link tcbAccessorsSource} — hand-written-shape
 * code, so V8 compiles each accessor on its own (one closure per field
 * would share one feedback vector and make the loads megamorphic).
 * `tcb-fields.test.ts` fails when the file is stale; regenerate with
 * `UPDATE_GENERATED=1 node scripts/run-tests.mjs tcb-fields`.
 */
import type { ErrnoCode } from "../core/errno.js";
import type { Micros } from "../core/time.js";
import type { Listener } from "./listener.js";
import type { FastOpenSock } from "./fastopen.js";
import type { OooQueue } from "./ooo-queue.js";
import type { SentLog } from "./rack.js";
import type { SackScoreboard } from "./sack-scoreboard.js";
import type { ZeroCopySock } from "./zerocopy.js";
import { TcpState } from "./tcp-state.js";
import type { TcpChrono } from "./chrono.js";
import type { Md5Keys } from "./md5sig.js";
import type { PacingSock } from "./pacing.js";
import type { MtuProbe } from "./mtu-probe.js";

/** Sequence numbers (RFC 9293 §3.3.1 names), stored as int32: name → doc. */
export const TCB_SEQ_FIELDS = {
  iss: "Initial send sequence number (ISS).",
  sndUna: "Oldest unacknowledged sequence number (SND.UNA).",
  sndNxt: "Next sequence number to send (SND.NXT).",
  sndMax: "Highest sequence number sent + 1 (snd.nxt before any go-back after an RTO).",
  sndWl1: "Segment sequence number of the last window update (SND.WL1).",
  sndWl2: "Segment acknowledgment number of the last window update (SND.WL2).",
  irs: "Initial receive sequence number (IRS).",
  rcvNxt: "Next sequence number expected (RCV.NXT).",
  sndBufSeq: "Sequence number of the first byte held in sndBuf.",
  highRxt: "Retransmission pointer: everything below it was retransmitted in this recovery episode.",
  recover: "RFC 6582 \"recover\" / Linux high_seq.",
  finSeq: "Sequence number of our FIN (once queued).",
  rttSeq: "Sequence number being timed without timestamps (Karn), sent at `rttTime`.",
  sndSml: "End of the last new segment sent shorter than the MSS (Linux snd_sml): Nagle holds a small segment only while such a one is unacknowledged (Minshall's variant, tcp_minshall_check).",
  tsRecent: "TS.Recent (RFC 7323 §4.3).",
  cwndUsageSeq: "Linux tcp_cwnd_validate's `cwnd_usage_seq`: where the window whose cwnd use is recorded (`isCwndLimited`, `maxPacketsOut`) ends.",
} as const;

/**
 * Small unsigned integers packed into int32 words (in list order; a field
 * that does not fit in the current word's 32 bits starts the next word):
 * name → [bits, initial value, doc, TypeScript type, unit]. A setter keeps
 * the low `bits` bits of the value: every field here has a bound (ports and
 * MSS values are 16-bit on the wire, window scales ≤ 14, states < 16,
 * Linux's icsk_probes_out is a u8 too, TCP_KEEPIDLE and TCP_KEEPINTVL are
 * 1–32767 s). With a unit the word holds value ÷ unit (whole units).
 */
export const TCB_PACKED_FIELDS = {
  localPort: [16, 0, "Local port.", "number"],
  remotePort: [16, 0, "Remote port.", "number"],
  mss: [16, 536, "Effective send MSS (payload bytes per segment, TCP options excluded).", "number"],
  advMss: [16, 536, "MSS we announce (route MTU − 40, or TCP_MAXSEG).", "number"],
  peerMss: [16, 536, "MSS the peer announced (536 when absent).", "number"],
  sndWscale: [4, 0, "Peer's window scale.", "number"],
  probesOut: [8, 0, "Unanswered keepalive / zero-window probes (Linux icsk_probes_out, a u8 there too).", "number"],
  state: [4, TcpState.CLOSE, "The connection's state (Linux numbering, tcp-state.ts); changed only by `setState`.", "TcpState"],
  // In the record, not in TcbCold: a keepalive probe reads them on every firing, and a socket
  // that sets them (Node's setKeepAlive sets TCP_KEEPIDLE) would otherwise own a TcbCold copy
  // that every probe touches (idle-timers: −16 % CPU, BENCHMARKS.md).
  keepIdle: [15, 0, "TCP_KEEPIDLE in µs (0 = tcp_keepalive_time); whole seconds, 1–32767 s.", "number", 1_000_000],
  keepIntvl: [15, 0, "TCP_KEEPINTVL in µs (0 = tcp_keepalive_intvl); whole seconds, 1–32767 s.", "number", 1_000_000],
} as const;

/** Booleans, one bit each (bit = position): name → doc. */
export const TCB_FLAGS = {
  wscaleOk: "Window scaling negotiated (RFC 7323).",
  atoStarted: "The delayed-ACK engine has seen data (Linux icsk_ack.ato ≠ 0); adaptAto initialises it on the first.",
  synDelivered: "Our SYN or SYN-ACK was acknowledged: tcpi_delivered counts it as one segment (Linux tp->delivered), without a TcbWarm copy at the handshake.",
  sackOk: "SACK negotiated (RFC 2018).",
  tsOk: "Timestamps negotiated (RFC 7323).",
  sndbufLocked: "User set SO_SNDBUF (no send-buffer autotuning then).",
  rcvbufLocked: "User set SO_RCVBUF (no receive-buffer autotuning then).",
  finQueued: "The application has no more to send: a FIN follows the queued data.",
  finSent: "Our FIN has been sent (its sequence number is finSeq).",
  finReceived: "The peer's FIN was received (read returns 0 after the queue drains).",
  rcvShutdown: "shutdown(SHUT_RD).",
  sndShutdown: "shutdown(SHUT_WR) or close().",
  orphan: "close() was called: no socket owns the connection any more (Linux orphan).",
  reset: "Set once the connection was reset or timed out (no more I/O).",
  pingpong: "Interactive mode: we sent data recently (delayed ACKs may wait longer).",
  nodelay: "TCP_NODELAY.",
  cork: "TCP_CORK.",
  keepalive: "SO_KEEPALIVE.",
  lingerOn: "SO_LINGER.",
  oobInline: "SO_OOBINLINE.",
  reuseAddr: "SO_REUSEADDR at bind time (TIME-WAIT inherits it, C5).",
  reusePort: "SO_REUSEPORT at bind time (TIME-WAIT inherits it, C5).",
  bindExplicit: "Bound by bind() (vs. by connect's autobind).",
  portHeld: "Holds a port in the bind table.",
  hashed: "Set while in the connection tables.",
  passive: "Created by a passive open (accept) rather than connect.",
  finRead: "The application has read the end of stream (a read returned 0): Linux's copied_seq has passed the FIN, so Recv-Q no longer counts it.",
  isCwndLimited: "Linux tcp_cwnd_validate's `is_cwnd_limited`: the last window was cwnd-limited.",
  inet6: "Owned by an AF_INET6 socket: unbound or disconnected, its local address is the IPv6 wildcard (`::`).",
  v6only: "IPV6_V6ONLY (Linux sk_ipv6only): bound to `::`, the socket takes IPv6 only; it cannot bind or connect to IPv4-mapped addresses.",
} as const;

/**
 * State that an idle established connection leaves at its defaults (socket
 * options, urgent data, loss-undo bookkeeping, rare counters). A TCB shares
 * {@link COLD_DEFAULTS} until one of these is first set to another value,
 * then owns a copy: ≈ 200 B that most connections never pay. Each field is
 * a TCB accessor of the same name.
 */
export class TcbCold {
  /** TCP_MAXSEG set by the user (0 = none). */
  userMss = 0;
  /** Zero-window probe backoff exponent (Linux icsk_backoff while probing). */
  probeBackoff = 0;
  /** When the probe timer first fired in this probing episode, µs, or -1 (Linux icsk_probes_tstamp; TCP_USER_TIMEOUT counts from it). */
  probesStamp: Micros = -1;
  /** Total retransmitted segments (tcpi_total_retrans). */
  totalRetrans = 0;
  /** Segments the peer reported received twice by D-SACK (Linux tp->dsack_dups). */
  dsackDups = 0;
  /** When the last out-of-window / challenge ACK was sent (Linux last_oow_ack_time), µs, or -1. */
  lastOowAck: Micros = -1;
  /** Linux undo_marker: snd.una when the current loss episode began, or -1 (no undo possible). */
  undoMarker = -1;
  /** Linux undo_retrans: retransmissions of this episode not yet shown spurious by D-SACK. */
  undoRetrans = 0;
  /** TCP_KEEPCNT (0 = tcp_keepalive_probes). */
  keepCnt = 0;
  /** TCP_SYNCNT (0 = tcp_syn_retries). */
  synRetries = 0;
  /** TCP_KEEPINIT in µs (FreeBSD's connection-establishment limit; 0 = net.inet.tcp.keepinit, `tcp_keepinit`). */
  keepInit: Micros = 0;
  /** Our SYNs announce the MSS alone and the peer's window scale, SACK and timestamps are not used (FreeBSD `rexmit_drop_options` from the third SYN retransmission). */
  synMssOnly = false;
  /** TCP_LINGER2 in µs (at most TCP_FIN_TIMEOUT_MAX): 0 = tcp_fin_timeout; negative = close() resets instead of waiting in FIN-WAIT-2 (Linux tcp_close). */
  linger2: Micros = 0;
  /** TCP_USER_TIMEOUT in µs (0 = off). */
  userTimeout: Micros = 0;
  /** SO_LINGER's time in µs (with lingerOn). */
  lingerTime: Micros = 0;
  /** IP_TOS of the owning socket: the TOS byte of every segment (its ECN bits are ECN's: tcp/ecn.ts sets ECT(0) on new data). */
  tos = 0;
  /** ECN state (RFC 3168; Linux tp->ecn_flags): TCP_ECN_OK, QUEUE_CWR, DEMAND_CWR, SEEN — tcp/ecn.ts. */
  ecnFlags = 0;
  /** Segments the peer acknowledged with ECN-Echo (Linux tp->delivered_ce, tcpi_delivered_ce). */
  deliveredCe = 0;
  /** IP_TTL of the owning socket, or -1 for ip_default_ttl. */
  ttl = -1;
  /** IPV6_UNICAST_HOPS of the owning socket (an IPv6 connection's hop limit), or -1 for the route's (hop_limit). */
  hopLimit6 = -1;
  /** IPV6_TCLASS of the owning socket: an IPv6 connection's traffic class (ECN bits as for `tos`). */
  tclass6 = 0;
  /** The interface a link-local bind or connect named (sin6_scope_id; Linux sk_bound_dev_if): routes leave by it. 0: none. */
  boundIf = 0;
  /** SO_RCVLOWAT. */
  rcvLowat = 1;
  /** TCP_NOTSENT_LOWAT (Linux tp->notsent_lowat); 0: the `tcp_notsent_lowat` sysctl applies (notsent-lowat.ts). */
  notsentLowat = 0;
  /**
   * TCP_DEFER_ACCEPT as Linux keeps it (rskq_defer_accept): a number of
   * SYN-ACK timeouts during which a listener drops bare final ACKs (see
   * tcp/listen.ts `secsToRetrans`).
   */
  deferAccept = 0;
  /** Sequence number of the urgent byte in flight from the peer, or -1. */
  urgSeq = -1;
  /** The out-of-band byte waiting for recv(MSG_OOB), or -1. */
  urgByte = -1;
  /**
   * Sequence number of the last urgent byte received (Linux's urg_seq while
   * urg_data is set), or -1: splice stops there as tcp_read_sock does
   * (sys/splice.ts). Without SO_OOBINLINE the byte was taken out of the
   * queue; with it (`urgMarkInline`) the byte is still in the stream.
   */
  urgMark = -1;
  /** The urgent byte at `urgMark` stayed in the stream (SO_OOBINLINE when it arrived). */
  urgMarkInline = false;
  /** Our urgent pointer (send side): seq after the last urgent byte, or -1. */
  sndUp = -1;
  /** A soft error (ICMP) reported if the connection times out. */
  softError: ErrnoCode | null = null;
  /** Bytes retransmitted (tcpi_bytes_retrans). */
  bytesRetrans = 0;
  /** Reordering degree seen (tcpi_reordering; RFC 6675 DupThresh). */
  reordering = 3;
  /** The queues of a listening socket (state LISTEN). */
  lq: Listener | null = null;
  /** A pending error for the socket (sk_err): ECONNRESET, ETIMEDOUT, … */
  error: ErrnoCode | null = null;
  /** Fast Open state (fastopen.ts), null for connections that never used it. */
  fo: FastOpenSock | null = null;
  /** SO_ZEROCOPY state and the error queue (zerocopy.ts), null until SO_ZEROCOPY is set. */
  zc: ZeroCopySock | null = null;
  /** Internal pacing (pacing.ts): the departure clock and timer, SO_MAX_PACING_RATE; null unless the connection paces. */
  pacing: PacingSock | null = null;
  /** TCP_MD5SIG keys (md5sig.ts; Linux md5sig_info), null until the first key is added; non-null turns GSO off (sk_gso_disable). */
  md5: Md5Keys | null = null;
  /** MTU probing (mtu-probe.ts, Linux icsk_mtup), null unless `tcp_mtu_probing` applied to the connection. */
  mtup: MtuProbe | null = null;
}

/** The shared defaults (never written: the accessors copy first). */
export const COLD_DEFAULTS = new TcbCold();

/**
 * The state of data transfer, at its defaults until the connection sends
 * or receives data or loses a segment (loss recovery, delayed-ACK engine,
 * the byte and segment counters of tcp_info, receive-buffer autotuning).
 * A TCB shares {@link WARM_DEFAULTS} until one of these is first set to
 * another value, then owns a copy: ≈ 210 B that an idle connection never
 * pays. Each field is a TCB accessor of the same name.
 */
export class TcbWarm {
  /** Consecutive RTO expirations (Linux icsk_retransmits). */
  retransmits = 0;
  /** Retransmitted segments now in flight (RFC 6675 pipe). */
  retransOut = 0;
  /** When the segment timed without timestamps (`rttSeq`, Karn) was sent, µs, or -1. */
  rttTime: Micros = -1;
  /** Duplicate ACKs counted (NewReno / RFC 6675 without RACK). */
  dupAcks = 0;
  /** The sender's SACK scoreboard (created at the first SACK block). */
  sb: SackScoreboard | null = null;
  /** The segments in flight with their transmit times, and RACK/TLP state (rack.ts; created at the first data sent when RACK is on). */
  sentLog: SentLog | null = null;
  /** Linux tcp_cwnd_validate's `max_packets_out`: the most segments out in the last window. */
  maxPacketsOut = 0;
  /** What `rtoAt` is for: the RTO, RACK's reordering timer or the tail loss probe (rack.ts XMIT_*; Linux icsk_pending). */
  xmitTimer = 0;
  /** The delayed-ACK deadline (µs), or -1. */
  delackAt: Micros = -1;
  /** The zero-window probe (persist) deadline (µs), or -1. */
  persistAt: Micros = -1;
  /** Quick ACKs left (ACK every segment at the start, after idle, TCP_QUICKACK). */
  quickAcks = 0;
  /** Adaptive ACK timeout (µs). */
  ato: Micros = 40_000;
  /** Segments received since our last ACK. */
  unackedSegs = 0;
  /** Estimate of the peer's segment size (Linux icsk_ack.rcv_mss). */
  rcvMss = 536;
  /** The out-of-order queue (created at the first segment beyond a hole). */
  ooo: OooQueue | null = null;
  /** Counters for tcp_info: data segments out and in, bytes acknowledged, received and sent. */
  dataSegsOut = 0;
  dataSegsIn = 0;
  bytesAcked = 0;
  /** Segments the peer has acknowledged or SACKed, the SYN or SYN-ACK included (Linux tp->delivered). */
  delivered = 0;
  bytesReceived = 0;
  bytesSent = 0;
  /** Last time data was sent, µs. */
  lastDataSent: Micros = 0;
  /** Receive-buffer autotuning (Linux rcvq_space): bytes the application read in the last measured RTT… */
  rcvSpace = 0;
  /** …total bytes read when that measurement started, and when. */
  rcvSpaceCopied = 0;
  rcvSpaceTime: Micros = 0;
  /** Total bytes the application has read. */
  bytesRead = 0;
  /** Last time an ACK arrived, µs (tcpi_last_ack_recv). */
  lastAckRecv: Micros = 0;
  /** The sender's chronograph: busy, rwnd- and sndbuf-limited time (chrono.ts), created when data is first queued. */
  chrono: TcpChrono | null = null;
}

/** The shared defaults of {@link TcbWarm} (never written: the accessors copy first). */
export const WARM_DEFAULTS = new TcbWarm();

/**
 * The source of `tcb-accessors.ts`: the backing fields and the accessors of
 * every field in the three lists, in the shape a hand-written class would
 * have. Pure; `tcb-fields.test.ts` compares it with the file.
 * @example tcbAccessorsSource().includes("get sndUna(): number")
 */
export function tcbAccessorsSource(): string {
  const doc = (s: string) => `  /** ${s} */\n`;
  const flagConst = (name: string) => `F_${name.toUpperCase()}`;
  const out: string[] = [
    "// Generated from the lists in tcb-fields.ts by tcbAccessorsSource(): do not edit.",
    "// Regenerate: UPDATE_GENERATED=1 node scripts/run-tests.mjs tcb-fields",
    "/**",
    " * The TCB's compactly stored fields behind plain names (see tcb-fields.ts):",
    " * int32 sequence numbers, one bit per flag, copy-on-write cold and warm state.",
    " */",
    'import { Timer } from "../core/scheduler.js";',
    'import { COLD_DEFAULTS, TcbCold, TcbWarm, WARM_DEFAULTS } from "./tcb-fields.js";',
    'import type { TcpState } from "./tcp-state.js";',
    "",
    "// Bits of TcbAccessors.#flags (position in TCB_FLAGS).",
  ];
  Object.keys(TCB_FLAGS).forEach((name, i) => out.push(`const ${flagConst(name)} = 1 << ${i};`));
  out.push(
    "",
    "/** The base class of `Tcb`: its int32 sequence numbers, flag bits and cold state as accessors. */",
    "export abstract class TcbAccessors extends Timer {",
  );
  // Lay out the packed fields: word, shift, mask.
  const packed: { name: string; word: number; shift: number; bits: number; doc: string; type: string; unit: number }[] = [];
  const words: number[] = [];
  let used = 32;
  for (const [name, f] of Object.entries(TCB_PACKED_FIELDS)) {
    const [bits, init, d, type] = f;
    const unit = f.length > 4 ? (f as readonly unknown[])[4] as number : 1;
    if (used + bits > 32) { words.push(0); used = 0; }
    const word = words.length - 1;
    packed.push({ name, word, shift: used, bits, doc: d, type, unit });
    words[word] = (words[word]! | (init << used)) | 0;
    used += bits;
  }
  for (const name of Object.keys(TCB_SEQ_FIELDS)) out.push(`  #${name} = 0;`);
  words.forEach((init, i) => out.push(`  #p${i} = ${init};`));
  out.push("  #flags = 0;", "  #cold: TcbCold = COLD_DEFAULTS;", "  #warm: TcbWarm = WARM_DEFAULTS;", "", "  // ---- sequence numbers, stored as int32 ----");
  for (const [name, d] of Object.entries(TCB_SEQ_FIELDS)) {
    out.push(
      "",
      doc(d).trimEnd(),
      `  get ${name}(): number {`,
      `    return this.#${name} >>> 0;`,
      "  }",
      `  set ${name}(v: number) {`,
      `    this.#${name} = v | 0;`,
      "  }",
    );
  }
  out.push("", "  // ---- small integers, packed in int32 words ----");
  const hex = (n: number) => (n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`);
  for (const f of packed) {
    const mask = f.bits === 32 ? -1 : (1 << f.bits) - 1;
    const w = `this.#p${f.word}`;
    let read = f.shift + f.bits === 32 ? `${w} >>> ${f.shift}` : f.shift === 0 ? `${w} & ${hex(mask)}` : `(${w} >>> ${f.shift}) & ${hex(mask)}`;
    if (f.unit !== 1) read = `(${read}) * ${f.unit}`;
    const keep = ~(mask << f.shift) | 0;
    const v = f.unit !== 1 ? `(v / ${f.unit})` : "v";
    const put = f.shift === 0 ? `(${v} & ${hex(mask)})` : `((${v} & ${hex(mask)}) << ${f.shift})`;
    out.push(
      "",
      doc(f.doc).trimEnd(),
      `  get ${f.name}(): ${f.type} {`,
      `    return ${read};`,
      "  }",
      `  set ${f.name}(v: ${f.type}) {`,
      `    ${w} = (${w} & ${hex(keep)}) | ${put};`,
      "  }",
    );
  }
  out.push("", "  // ---- flags, one bit each in #flags ----");
  for (const [name, d] of Object.entries(TCB_FLAGS)) {
    const f = flagConst(name);
    out.push(
      "",
      doc(d).trimEnd(),
      `  get ${name}(): boolean {`,
      `    return (this.#flags & ${f}) !== 0;`,
      "  }",
      `  set ${name}(v: boolean) {`,
      `    this.#flags = v ? this.#flags | ${f} : this.#flags & ~${f};`,
      "  }",
    );
  }
  const groups = [
    ["cold", "TcbCold", "COLD_DEFAULTS", COLD_DEFAULTS, "rarely set state"],
    ["warm", "TcbWarm", "WARM_DEFAULTS", WARM_DEFAULTS, "data-transfer state"],
  ] as const;
  for (const [field, cls, defaults, obj, what] of groups) {
    out.push("", `  // ---- ${what}, in the shared ${cls} defaults until first written ----`);
    for (const name of Object.keys(obj)) {
      const type = `${cls}["${name}"]`;
      out.push(
        "",
        `  /** See {@link ${cls}.${name}}. */`,
        `  get ${name}(): ${type} {`,
        `    return this.#${field}.${name};`,
        "  }",
        `  set ${name}(v: ${type}) {`,
        `    if (this.#${field} === ${defaults}) {`,
        `      if (v === ${defaults}.${name}) return;`,
        `      this.#${field} = new ${cls}();`,
        "    }",
        `    this.#${field}.${name} = v;`,
        "  }",
      );
    }
  }
  out.push("}", "");
  return out.join("\n");
}
