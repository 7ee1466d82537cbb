import { test } from "node:test";
import assert from "node:assert/strict";
import { ReceiveWindow, selectInitialWindow, bsdRoundBuffer, bsdSynWindow } from "./recv-window.js";
import { RecvBuffer } from "./recv-buffer.js";

const FULL = new RecvBuffer(131072).fullSpace();   // 65536 with Linux defaults

test("SYN / SYN-ACK windows match Linux 6.x on lo (65495 / 65483) and Ethernet (64240 / 65160)", () => {
  // client SYN: MSS not yet reduced by the timestamp option
  const lo = selectInitialWindow({ space: FULL, mss: 65495, wscaleOk: true });
  assert.deepEqual(lo, { rcvWnd: 65495, windowClamp: 65535 * 1024, rcvWscale: 10 });
  // server SYN-ACK: timestamps agreed, MSS − 12
  assert.equal(selectInitialWindow({ space: FULL, mss: 65483, wscaleOk: true }).rcvWnd, 65483);
  assert.equal(selectInitialWindow({ space: FULL, mss: 1460, wscaleOk: true }).rcvWnd, 64240);
  assert.equal(selectInitialWindow({ space: FULL, mss: 1448, wscaleOk: true }).rcvWnd, 65160);
  // no scaling: shift 0, clamp 65535
  assert.deepEqual(selectInitialWindow({ space: FULL, mss: 1460, wscaleOk: false }), { rcvWnd: 64240, windowClamp: 65535, rcvWscale: 0 });
  // a large SO_RCVBUF: the SYN field saturates at 65535
  const big = new ReceiveWindow(selectInitialWindow({ space: 1 << 20, mss: 1460, wscaleOk: true }), 1460);
  assert.equal(big.synWindow(), 65535);
  // route initrwnd
  assert.equal(selectInitialWindow({ space: FULL, mss: 1460, wscaleOk: true, initRcvWnd: 10 }).rcvWnd, 14600);
});

test("after the handshake on lo: rcv_ssthresh 65483, rcv_space 65483, first ACK window field 64 (peer snd_wnd 65536)", () => {
  const w = new ReceiveWindow(selectInitialWindow({ space: FULL, mss: 65483, wscaleOk: true }), 65483);
  assert.equal(w.synWindow(), 65483);
  const isn = 0xfffffff0;                       // rcv.nxt near the wrap
  const rcvNxt = (isn + 1) >>> 0;
  w.rcvWup = rcvNxt;
  assert.equal(w.established(FULL, rcvNxt), 65483);
  assert.equal(w.rcvSsthresh, 65483);
  assert.equal(w.windowClamp, 65536);
  const field = w.select(rcvNxt, FULL, FULL, 536);
  assert.equal(field, 64);
  assert.equal(field << w.rcvWscale, 65536);
});

test("Ethernet: one MSS reserved in window_clamp; unscaled windows are MSS multiples", () => {
  const w = new ReceiveWindow(selectInitialWindow({ space: FULL, mss: 1448, wscaleOk: false }), 1448);
  w.established(FULL, 0, false);
  assert.equal(w.windowClamp, 65536 - 1448);
  assert.equal(w.rcvSsthresh, 64088);
  // the SYN-ACK offered 65160: that edge is kept (never shrink) although 45·1448 > clamp
  assert.equal(w.select(0, FULL, FULL, 1448), 65160);
  // one segment later: min(free, rcv_ssthresh) = 64088, rounded down to MSS → 44·1448
  const field = w.select(1448, FULL - 1448, FULL, 1448);
  assert.equal(field, 44 * 1448);
});

test("window closes to zero when the buffer fills, and never shrinks the offered edge", () => {
  const rb = new RecvBuffer(131072);
  const w = new ReceiveWindow(selectInitialWindow({ space: rb.fullSpace(), mss: 1448, wscaleOk: true }), 1448);
  let rcvNxt = 0xffff0000;                      // crosses 2^32 below
  w.established(rb.fullSpace(), rcvNxt);
  let field = w.select(rcvNxt, rb.tcpSpace(), rb.fullSpace(), 1448);
  assert.ok(field > 0);
  let edge = (rcvNxt + (field << w.rcvWscale)) >>> 0;
  // the application does not read; data arrives up to the edge
  while (true) {
    const n = Math.min(1448, (edge - rcvNxt) >>> 0);
    if (n <= 0) break;
    rb.push(new Uint8Array(n));
    rcvNxt = (rcvNxt + n) >>> 0;
    field = w.select(rcvNxt, rb.tcpSpace(), rb.fullSpace(), 1448);
    // right edge never moves left
    const newEdge = (rcvNxt + (field << w.rcvWscale)) >>> 0;
    assert.ok(((newEdge - edge) | 0) >= 0, "no shrinking");
    edge = newEdge;
  }
  // Linux rounds the kept window *up* to 2^wscale (ALIGN in tcp_select_window),
  // so the edge creeps while the window closes: more than rcvbuf/2 gets queued,
  // but never more than the buffer memory itself.
  assert.ok(rb.length > 65536 && rb.length <= 131072, `queued ${rb.length}`);
  assert.equal(field, 0, "zero window (seed D6)");
  // the application reads everything: the window reopens
  rb.clear();
  field = w.select(rcvNxt, rb.tcpSpace(), rb.fullSpace(), 1448);
  assert.ok(field << w.rcvWscale >= 60000);
});

test("rcv_ssthresh grows by ≥ 2·advmss per received segment up to the clamp", () => {
  const w = new ReceiveWindow({ rcvWnd: 14600, windowClamp: 65535 << 7, rcvWscale: 7 }, 1460);
  w.rcvSsthresh = 14600;
  w.grow(100, 1 << 20);                         // < 128 bytes: ignored
  assert.equal(w.rcvSsthresh, 14600);
  w.grow(1460, 1 << 20);
  assert.equal(w.rcvSsthresh, 14600 + 2920);
  w.grow(1460, 18000);                          // room limited by free space
  assert.equal(w.rcvSsthresh, 18000);
});

test("FreeBSD personality: SYN window min(space, 65535), tcp_mss rounds the buffer to the MSS", () => {
  assert.equal(bsdSynWindow(65536), 65535);
  assert.equal(bsdSynWindow(8192), 8192);
  assert.equal(bsdRoundBuffer(65536, 1460, 2097152), 65700);
  assert.equal(bsdRoundBuffer(65536, 1460, 65600), 65600);
  assert.equal(bsdRoundBuffer(1000, 1460, 2097152), 1000);
});

test("FreeBSD personality: windows are the free space, capped, SWS-zeroed, never shrinking, rounded up to the scale", () => {
  const w = new ReceiveWindow({ rcvWnd: 0, windowClamp: 65535, rcvWscale: 0 }, 1460);
  w.rcvWup = 1000;
  // 65700-byte buffer, 799 bytes queued: 64901 (rcv-data-segments scripts)
  assert.equal(w.selectBsd(1000, 65700 - 799, 65700, 1460), 64901);
  // read: the buffer is empty again, capped at 65535 unscaled
  assert.equal(w.selectBsd(1000, 65700, 65700, 1460), 65535);
  // the right edge already offered is kept: 100 bytes later the window is 65435 at least
  assert.equal(w.selectBsd(1100, 1000, 65700, 1460), 65435);
  const s = new ReceiveWindow({ rcvWnd: 0, windowClamp: 65535 << 6, rcvWscale: 6 }, 1460);
  assert.equal(s.selectBsd(0, 65700, 65700, 1460), 1027); // ⌈65700/64⌉
  const z = new ReceiveWindow({ rcvWnd: 0, windowClamp: 65535, rcvWscale: 0 }, 1460);
  assert.equal(z.selectBsd(0, 1000, 65700, 1460), 0); // < ¼ buffer and < 1 MSS
});
