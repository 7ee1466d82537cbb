/**
 * The advertised receive window, as Linux chooses it
 * (net/ipv4/tcp_output.c `tcp_select_initial_window`, `__tcp_select_window`,
 * `tcp_select_window`; tcp_input.c `tcp_init_buffer_space`, `tcp_grow_window`).
 *
 * **Initial window (SYN, SYN-ACK).** space = tcp_full_space = rcvbuf/2
 * (see recv-buffer.ts), rounded *down to a multiple of the MSS* the
 * window is meant for, i.e. our advertised MSS minus 12 when timestamps
 * are in use. With the default rcvbuf 131072 the space is 65536:
 *
 * | link     | MSS    | SYN (client, TS not yet known) | SYN-ACK (server, TS agreed) |
 * |----------|--------|--------------------------------|-----------------------------|
 * | lo       | 65495¹ | ⌊65536/65495⌋·65495 = **65495** | ⌊65536/65483⌋·65483 = **65483** |
 * | Ethernet | 1460   | 44·1460 = **64240**            | 45·1448 = **65160**          |
 *
 * ¹ lo's MTU is 65536 but Linux caps the advertised MSS at 65535 − 40.
 * The window field of SYN/SYN-ACK is never scaled (RFC 7323 §2.2) so it
 * is min(rcv_wnd, 65535). The window-scale shift is chosen for the largest
 * buffer the socket could grow to: ilog2(max(tcp_rmem[2], rmem_max)) − 15,
 * clamped to 0..14 → 33554432 gives **wscale 10** (what `ss` shows on lo).
 *
 * **After the handshake** (`tcp_init_buffer_space`) window_clamp becomes
 * the full space (less one MSS reserved when that leaves ≥ 2 MSS), and
 * rcv_ssthresh = min(rcv_wnd, window_clamp): `ss` shows rcv_ssthresh:65483
 * on a fresh lo connection.
 *
 * **Every segment sent** (`tcp_select_window`): the window is the free space,
 * but not above rcv_ssthresh (which grows by ~2 MSS per received segment
 * while memory allows: `tcp_grow_window`), rounded *up* to a multiple of
 * 2^wscale when scaling (65483 → 65536, field 64 with wscale 10: the peer's
 * `snd_wnd:65536` in `ss`), or down to a multiple of the MSS without
 * scaling; it goes to 0 when the free space is below both 1/16 of the
 * buffer's window and one MSS, and it never shrinks the right edge already
 * offered (RFC 9293 §3.8.6.2.2 discourages shrinking; Linux's default
 * `tcp_shrink_window = 0`). Receive-buffer autotuning
 * (`tcp_rcv_space_adjust`, which raises rcvbuf and window_clamp) is not
 * modelled here.
 *
 * Checked against Linux 6.18 on lo with tcpdump: `[S] win 65495 … wscale 10`,
 * `[S.] win 65483 … wscale 10`, then `[.] ack 1, win 64` (64 << 10 = 65536),
 * and `ss -tni`: `rcv_space:65483 rcv_ssthresh:65483` on the server side.
 */
import { seqAdd, seqDiff } from "../core/seq.js";
import { TCP_MAX_WSCALE } from "./constants.js";
import type { AbstractCtor } from "./rtt.js";


/** Inputs of {@link selectInitialWindow}. */
export interface InitialWindowParams {
  /** tcp_full_space (rcvbuf/2 by default). */
  space: number;
  /** The MSS the window is for: our advertised MSS, minus 12 if timestamps are on. */
  mss: number;
  /** An explicit clamp (TCP_WINDOW_CLAMP / route window), 0 = none. */
  windowClamp?: number;
  /** Whether window scaling may be used (sysctl and, for a SYN-ACK, the peer's SYN). */
  wscaleOk: boolean;
  /** Linux sysctl tcp_rmem[2] (33554432). */
  rmemMax2?: number;
  /** Linux sysctl net.core.rmem_max (4194304). */
  coreRmemMax?: number;
  /** Route `initrwnd` in segments, 0 = none. */
  initRcvWnd?: number;
}

/** Result of {@link selectInitialWindow}. */
export interface InitialWindow {
  /** rcv_wnd: the window offered (the SYN's window field is min(rcvWnd, 65535)). */
  rcvWnd: number;
  /** window_clamp: the largest window that will ever be offered. */
  windowClamp: number;
  /** Our window-scale shift (sent in the wscale option). */
  rcvWscale: number;
}

/** Linux `tcp_select_initial_window` (tcp_workaround_signed_windows = 0). */
export function selectInitialWindow(p: InitialWindowParams): InitialWindow {
  let windowClamp = p.windowClamp || 65535 * 2 ** TCP_MAX_WSCALE;
  let space = Math.min(Math.max(p.space, 0), windowClamp);
  if (space > p.mss) space = Math.floor(space / p.mss) * p.mss;
  let rcvWnd = space;
  if (p.initRcvWnd) rcvWnd = Math.min(rcvWnd, p.initRcvWnd * p.mss);
  let rcvWscale = 0;
  if (p.wscaleOk) {
    let s = Math.max(space, p.rmemMax2 ?? 33554432, p.coreRmemMax ?? 4194304);
    s = Math.min(s, windowClamp);
    rcvWscale = Math.min(Math.max(Math.floor(Math.log2(s)) - 15, 0), TCP_MAX_WSCALE);
  }
  windowClamp = Math.min(65535 * 2 ** rcvWscale, windowClamp);
  return { rcvWnd, windowClamp, rcvWscale };
}

/**
 * The receive-window state of one connection (Linux rcv_wnd, rcv_wup,
 * rcv_ssthresh, window_clamp, rx_opt.rcv_wscale) as a mixin:
 * `withReceiveWindow(Base)` is `Base` with these fields and the window
 * choice. The TCB is built this way (`t.rwin` is the TCB itself), so the
 * fields live in the connection record — no separate object, header and
 * pointer per connection (BENCHMARKS.md, memory-per-connection).
 * {@link ReceiveWindow} is the standalone form.
 */
export function withReceiveWindow<B extends AbstractCtor>(Base: B) {
  abstract class ReceiveWindowFields extends Base {
    /** rcv_wnd: the window last advertised (bytes, unscaled). */
    rcvWnd = 0;
    // rcv_wup stored `| 0`: a sequence number ≥ 2³¹ in a plain field would be a
    // boxed double (16 B more per connection); read back `>>> 0`.
    #rcvWup = 0;
    /** rcv_ssthresh: the current limit of the offered window, grown as data arrives. */
    rcvSsthresh = 0;
    /** window_clamp. */
    windowClamp = 0;
    /** Our window-scale shift (0 when the peer did not agree to scaling). */
    rcvWscale = 0;
    /** Our advertised MSS for this connection (minus TS option space), Linux tp->advmss. */
    advmss = 0;

    /** rcv_wup: rcv.nxt when rcv_wnd was last advertised (RFC 9293 RCV.WND is relative to it). */
    get rcvWup(): number {
      return this.#rcvWup >>> 0;
    }
    set rcvWup(v: number) {
      this.#rcvWup = v | 0;
    }

    /** Sets the window chosen for the SYN or SYN-ACK ({@link selectInitialWindow}) and our advertised MSS; rcv_wup 0. */
    initWindow(init: InitialWindow, advmss: number): void {
      this.rcvWup = 0;
      this.rcvWnd = init.rcvWnd;
      this.rcvSsthresh = init.rcvWnd;
      this.windowClamp = init.windowClamp;
      this.rcvWscale = init.rcvWscale;
      this.advmss = advmss;
    }

    /** The window field of a SYN or SYN-ACK (never scaled, RFC 7323 §2.2). */
    synWindow(): number {
      return Math.min(this.rcvWnd, 65535);
    }

    /**
     * The handshake completed (Linux `tcp_init_buffer_space`): clamps the
     * window to the buffer and reserves one segment. `peerScales = false`
     * when the peer sent no wscale option (then our shift is 0 too).
     * Returns the initial `rcv_space` (`ss` rcv_space) for autotuning.
     */
    established(fullSpace: number, rcvNxt: number, peerScales = true): number {
      if (!peerScales) {
        this.rcvWscale = 0;
        this.windowClamp = Math.min(this.windowClamp, 65535);
      }
      const maxwin = fullSpace;
      if (this.windowClamp >= maxwin) this.windowClamp = maxwin;   // tcp_app_win = 31: no app reserve
      if (this.windowClamp > 2 * this.advmss && this.windowClamp + this.advmss > maxwin) {
        this.windowClamp = Math.max(2 * this.advmss, maxwin - this.advmss);
      }
      this.rcvSsthresh = Math.min(this.rcvSsthresh, this.windowClamp);
      this.rcvWup = rcvNxt;
      return Math.min(this.rcvSsthresh, this.rcvWnd, 10 * this.advmss);
    }

    /** Linux `tcp_receive_window`: what is left of the offered window at `rcvNxt` (≥ 0). */
    receiveWindow(rcvNxt: number): number {
      const w = seqDiff(seqAdd(this.rcvWup, this.rcvWnd), rcvNxt);
      return w < 0 ? 0 : w;
    }

    /**
     * Linux `__tcp_select_window`: the window we would like to offer now.
     * @param freeSpace tcp_space (RecvBuffer.tcpSpace(ooo bytes))
     * @param allowedSpace tcp_full_space (RecvBuffer.fullSpace())
     * @param rcvMss our estimate of the peer's segment size (Linux icsk_ack.rcv_mss)
     */
    wanted(freeSpace: number, allowedSpace: number, rcvMss: number): number {
      let mss = rcvMss;
      const fullSpace = Math.min(this.windowClamp, allowedSpace);
      if (mss > fullSpace) {
        mss = fullSpace;
        if (mss <= 0) return 0;
      }
      const unit = 1 << this.rcvWscale; // rcvWscale ≤ 14: an int shift, not a float pow
      if (freeSpace < fullSpace >> 1) {
        // don't let the window reappear through rounding; go to zero early
        freeSpace = Math.floor(freeSpace / unit) * unit;
        if (freeSpace < allowedSpace >> 4 || freeSpace < mss) return 0;
      }
      if (freeSpace > this.rcvSsthresh) freeSpace = this.rcvSsthresh;
      if (this.rcvWscale) return Math.ceil(freeSpace / unit) * unit;
      let window = this.rcvWnd;
      if (window <= freeSpace - mss || window > freeSpace) window = Math.floor(freeSpace / mss) * mss;
      else if (mss === fullSpace && freeSpace > window + (fullSpace >> 1)) window = freeSpace;
      return window;
    }

    /**
     * Linux `tcp_select_window`: chooses the window for an outgoing segment,
     * records it (rcv_wnd, rcv_wup = rcvNxt) and returns the 16-bit window
     * field (scaled). Never shrinks the right edge already offered.
     */
    select(rcvNxt: number, freeSpace: number, allowedSpace: number, rcvMss: number): number {
      const cur = this.receiveWindow(rcvNxt);
      let win = this.wanted(freeSpace, allowedSpace, rcvMss);
      const unit = 1 << this.rcvWscale; // rcvWscale ≤ 14: an int shift, not a float pow
      if (win < cur) win = Math.ceil(cur / unit) * unit;
      this.rcvWnd = win;
      this.rcvWup = rcvNxt;
      win = Math.min(win, 65535 * unit);
      return Math.floor(win / unit);
    }

    /**
     * FreeBSD's window choice (tcp_output.c; the freebsd personality): the free buffer space (`sbspace` = buffer − queued
     * in-order bytes), at most 65535 << scale; 0 when it is below both a
     * quarter of the buffer and one segment (receiver SWS avoidance, RFC 9293
     * §3.8.6.2.2); never less than what is left of the window already offered;
     * rounded *up* to the scale unit. Records rcv_wnd / rcv_wup like
     * {@link select} and returns the 16-bit field.
     * @example
     * declare const w: ReceiveWindow, rcvNxt: number;
     * w.selectBsd(rcvNxt, 65700 - 799, 65700, 1460) // 64901 (wscale 0)
     */
    selectBsd(rcvNxt: number, sbspace: number, hiwat: number, maxseg: number): number {
      const unit = 1 << this.rcvWscale; // rcvWscale ≤ 14: an int shift, not a float pow
      let recwin = Math.min(Math.max(sbspace, 0), 65535 * unit);
      if (recwin < hiwat / 4 && recwin < maxseg) recwin = 0;
      const cur = this.receiveWindow(rcvNxt);
      if (recwin < cur) recwin = cur;
      recwin = Math.ceil(recwin / unit) * unit;
      this.rcvWnd = recwin;
      this.rcvWup = rcvNxt;
      return Math.min(recwin / unit, 65535);
    }

    /**
     * Linux `tcp_grow_window`, called for each in-order data segment of
     * ≥ 128 bytes: raises rcv_ssthresh by max(2·advmss, 2·len) while the
     * buffer has room (our fixed truesize model always passes Linux's
     * "this skb's overhead fits" check).
     */
    grow(segLen: number, freeSpace: number): void {
      if (segLen < 128) return;
      const room = Math.min(this.windowClamp, freeSpace) - this.rcvSsthresh;
      if (room <= 0) return;
      const incr = Math.max(2 * this.advmss, 2 * segLen);
      this.rcvSsthresh += Math.min(room, incr);
    }
  }
  return ReceiveWindowFields;
}

/**
 * A standalone receive window (tests, tools); a TCB is its own (see
 * {@link withReceiveWindow}).
 * @example
 * import { RecvBuffer } from "./recv-buffer.js";
 * const rb = new RecvBuffer(131072);
 * const w = new ReceiveWindow(selectInitialWindow({ space: rb.fullSpace(), mss: 1460, wscaleOk: true }), 1460);
 * const synWindowField = w.synWindow();
 * // once established (rcv.nxt 1):
 * w.established(rb.fullSpace(), 1);
 * // for every segment sent:
 * const window = w.select(1, rb.tcpSpace(0), rb.fullSpace(), 536);
 */
export class ReceiveWindow extends withReceiveWindow(Object) {
  constructor(init: InitialWindow, advmss: number) {
    super();
    this.initWindow(init, advmss);
  }
}

/** The receive window's interface, what `t.rwin` of a TCB offers. */
export type Rwin = Pick<ReceiveWindow, keyof ReceiveWindow>;

/**
 * The window field of a FreeBSD SYN or SYN-ACK (tcp_output.c, syncache.c):
 * the free receive space, unscaled, at most 65535 — 65535 for the default
 * recvspace 65536, where Linux offers 64240 / 65160 (MSS multiples).
 * @example bsdSynWindow(65536) === 65535
 */
export function bsdSynWindow(sbspace: number): number {
  return Math.min(Math.max(sbspace, 0), 65535);
}

/**
 * FreeBSD `tcp_mss`'s buffer sizing once the MSS is known: a buffer larger
 * than one segment is rounded up to a multiple of the MSS, at most
 * `sbMax` (kern.ipc.maxsockbuf), and never shrunk.
 * @example bsdRoundBuffer(65536, 1460, 2097152) === 65700
 */
export function bsdRoundBuffer(bufsize: number, mss: number, sbMax: number): number {
  if (mss <= 0 || bufsize <= mss) return bufsize;
  const r = Math.min(Math.ceil(bufsize / mss) * mss, sbMax);
  return Math.max(r, bufsize);
}
