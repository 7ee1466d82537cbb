/**
 * Buffer autotuning (Linux tcp_rcv_space_adjust "DRS", tcp_sndbuf_expand,
 * tcp_cleanup_rbuf): the receive buffer grows when the application keeps
 * up, the send buffer holds twice the congestion window, and a read that
 * opened the window enough sends a window update.
 */
import { MAX_TCP_HEADER } from "./constants.js";
import { spaceFromWin, winFromSpace } from "./recv-buffer.js";
import { pipeBytes, sendAck } from "./output.js";
import type { Tcb } from "./tcb.js";
import { TcpState } from "./tcp-state.js";
import type { TcpLayer } from "./tcp-layer.js";

/**
 * After the application read `n` bytes: grow the receive buffer when the
 * application keeps up (autotuning), then send a window update when the
 * window opened enough (Linux tcp_cleanup_rbuf: the new window is at least
 * twice what the peer currently has).
 */
export function afterRead(tl: TcpLayer, t: Tcb, n: number): void {
  t.bytesRead += n;
  if (t.state !== TcpState.ESTABLISHED && t.state !== TcpState.FIN_WAIT1 && t.state !== TcpState.FIN_WAIT2) return;
  rcvSpaceAdjust(tl, t);
  const now = t.rwin.receiveWindow(t.rcvNxt);
  if (2 * now > t.rwin.windowClamp) return;
  const want = t.rwin.wanted(t.rcvBuf.tcpSpace(t.ooo?.bytes ?? 0), t.rcvBuf.fullSpace(), t.rcvMss);
  if (want && want >= 2 * now) sendAck(tl, t);
}

/**
 * Receive-buffer autotuning (Linux tcp_rcv_space_adjust, "DRS"): once per
 * RTT, if the application read more than in the previous RTT, size the
 * buffer for twice that (plus growth), up to tcp_rmem[2] — unless the user
 * fixed SO_RCVBUF or tcp_moderate_rcvbuf is off.
 */
function rcvSpaceAdjust(tl: TcpLayer, t: Tcb): void {
  if (t.rcvbufLocked || !tl.ctx.sysctl.tcp_moderate_rcvbuf) return;
  const rtt = t.rtt.srtt;
  const now = tl.ctx.scheduler.now();
  if (rtt <= 0) return;
  if (t.rcvSpaceTime === 0) {
    t.rcvSpaceTime = now;
    t.rcvSpaceCopied = t.bytesRead;
    t.rcvSpace = Math.min(t.rwin.rcvWnd, 10 * t.advMss);
    return;
  }
  if (now - t.rcvSpaceTime < rtt) return;
  const copied = t.bytesRead - t.rcvSpaceCopied;
  if (copied > t.rcvSpace) {
    let rcvwin = 2 * copied + 16 * t.advMss;
    const grow = Math.floor((rcvwin * (copied - t.rcvSpace)) / Math.max(1, t.rcvSpace));
    rcvwin += 2 * grow;
    const rcvbuf = Math.min(spaceFromWin(rcvwin, t.rcvBuf.scalingRatio), tl.ctx.sysctl.tcp_rmem[2]);
    if (rcvbuf > t.rcvBuf.rcvbuf) {
      t.rcvBuf.rcvbuf = rcvbuf;
      t.rwin.windowClamp = Math.min(winFromSpace(rcvbuf, t.rcvBuf.scalingRatio), 65535 * 2 ** t.rwin.rcvWscale);
    }
    t.rcvSpace = copied;
  }
  t.rcvSpaceCopied = t.bytesRead;
  t.rcvSpaceTime = now;
}

/** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) and SKB_DATA_ALIGN(sizeof(struct sk_buff)) on x86_64. */
const SHINFO_SIZE = 320;
const SKB_SIZE = 256;

/**
 * Linux tcp_sndbuf_expand's memory per segment: the worst case of one skb
 * per MSS with a kmalloc'ed head — roundup_pow_of_two(mss + MAX_TCP_HEADER
 * + shared info) + the sk_buff (2304 bytes for an MSS of 1460).
 * @example sndbufPerMss(1460) === 2304
 */
export function sndbufPerMss(mss: number): number {
  let p = 1;
  while (p < mss + MAX_TCP_HEADER + SHINFO_SIZE) p *= 2;
  return p + SKB_SIZE;
}

/**
 * Send-buffer autotuning (Linux tcp_sndbuf_expand): room for the
 * congestion control's factor (ops->sndbuf_expand: BBR 3, else 2) times
 * max(10, cwnd, reordering + 1) segments, up to tcp_wmem[2], unless the
 * user fixed SO_SNDBUF. The Linux personality counts each segment as
 * {@link sndbufPerMss} (the buffer is charged skb truesize); the FreeBSD
 * one, whose buffer counts payload, twice the MSS. `onAck`: Linux expands
 * after an ACK only when a writer found the buffer full (tcp_check_space
 * with SOCK_NOSPACE) and the congestion window is not full
 * (tcp_should_expand_sndbuf); at the connection's start always
 * (tcp_init_buffer_space).
 */
export function sndbufExpand(tl: TcpLayer, t: Tcb, onAck = false): void {
  if (t.sndbufLocked) return;
  let want: number;
  if (tl.personality.writeRecords) {
    if (onAck && !(t.chrono?.nospace && Math.ceil(pipeBytes(t) / t.mss) < t.cwnd)) return;
    const segs = Math.max(t.cwnd, 10, t.reordering + 1);
    want = t.ccSndbufExpand * segs * sndbufPerMss(Math.max(t.peerMss, t.mss));
  } else {
    want = t.ccSndbufExpand * Math.max(t.cwnd, 10) * t.mss * 2;
  }
  want = Math.min(tl.ctx.sysctl.tcp_wmem[2], want);
  if (want > t.sndBuf.capacity) t.sndBuf.capacity = want;
}
