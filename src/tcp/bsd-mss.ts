/**
 * FreeBSD's buffer sizing when a connection learns its MSS (tcp_input.c
 * `tcp_mss`, called on the SYN-ACK and when the syncache creates the
 * child): both socket buffers are rounded up to a multiple of the
 * segment size, at most kern.ipc.maxsockbuf — so `getsockopt(SO_RCVBUF)`
 * reads 65536 before the handshake and 65700 (45 · 1460) after it. Only
 * with the personality knob `tcp_rcvbuf_bsd` (core/personality.ts); Linux
 * keeps the buffer sizes the application or autotuning chose.
 */
import type { Tcb } from "./tcb.js";
import type { TcpLayer } from "./tcp-layer.js";
import { bsdRoundBuffer } from "./recv-window.js";
import { TCP_MSS_DEFAULT } from "./constants.js";

/**
 * Rounds `t`'s buffers like FreeBSD `tcp_mss` (no-op unless `tcp_rcvbuf_bsd`).
 * The segment size is min(peer MSS, our MSS), without timestamp space
 * (FreeBSD's t_maxseg).
 */
export function bsdTcpMss(tl: TcpLayer, t: Tcb): void {
  const s = tl.ctx.sysctl;
  if (!s.tcp_rcvbuf_bsd) return;
  const mss = Math.min(t.peerMss || TCP_MSS_DEFAULT, t.advMss);
  t.rcvBuf.rcvbuf = bsdRoundBuffer(t.rcvBuf.rcvbuf, mss, s.rmem_max);
  t.sndBuf.capacity = bsdRoundBuffer(t.sndBuf.capacity, mss, s.wmem_max);
}
