/**
 * Where Linux's skbs lie in the send buffer, for its memory accounting
 * (`sk_wmem_queued`, net/core/sock.h, net/ipv4/tcp.c and tcp_output.c).
 *
 * Linux charges every skb of the write and retransmission queues with its
 * `truesize`: the payload (page fragments, `skb->truesize += copy` in
 * tcp_sendmsg_locked) plus the fixed cost of the skb itself —
 * `SKB_TRUESIZE(skb_end_offset)` of the header-only skb that
 * `tcp_stream_alloc_skb` allocates, charged by `tcp_skb_entail`.
 * On x86_64 `SKB_DATA_ALIGN(sizeof(struct sk_buff))` is 256 and
 * `SKB_DATA_ALIGN(sizeof(struct skb_shared_info))` 320; the head of
 * `MAX_TCP_HEADER` (192 with this kernel's configuration: no WLAN, no IP
 * tunnels) comes from the 576-byte small-head cache, so `skb_end_offset`
 * is 256 and each skb costs **832** bytes besides its payload. Checked on
 * Linux 6.18 (TCP_REPAIR socket, `ss -m`): a 1-byte write shows `w833`,
 * a 100-byte one adds 932.
 *
 * An skb is cut (`tcp_fragment`/`tso_fragment`, one more skb: +832) when
 * a transmission takes only its first part — a GSO packet ends inside it
 * (cwnd quota, TSO autosizing, the peer's window) — and freed when fully
 * acknowledged (`tcp_clean_rtx_queue`); a partly acknowledged one is
 * trimmed (`tcp_trim_head` gives back the acknowledged bytes, its 832
 * stay). So `sk_wmem_queued` = unacknowledged payload + 832 × skbs.
 *
 * This class keeps the skbs as the ascending absolute stream offsets of
 * their first bytes (the send buffer's offsets: 32-bit wrap does not
 * matter); skb i spans [start i, start i+1) and the last one runs to the
 * buffer's write end. The first one may start before snd.una (trimmed).
 */
import { SKB_TRUESIZE_OVERHEAD } from "../core/truesize.js";

/** Bytes Linux charges per send-queue skb besides its payload: the receive queues' figure, exact here (see the module comment). */
export const SEND_SKB_OVERHEAD = SKB_TRUESIZE_OVERHEAD;

/** The skbs of a send buffer (Linux personality). */
export class SendSkbs {
  #starts: number[] = [];
  #head = 0;
  /** The last skb takes no more bytes (MSG_EOR, or its fragments are full): the next write starts a new one. */
  closed = false;

  /** Live skbs. */
  get count(): number {
    return this.#starts.length - this.#head;
  }

  /** Absolute start of the last skb, or -1 when there is none. */
  get lastStart(): number {
    return this.#starts.length > this.#head ? this.#starts[this.#starts.length - 1]! : -1;
  }

  /** A new, empty skb at the buffer's write end `end` (tcp_stream_alloc_skb + tcp_skb_entail). */
  open(end: number): void {
    const s = this.#starts;
    if (s.length > this.#head && s[s.length - 1] === end) return; // the last one is still empty
    s.push(end);
    this.closed = false;
  }

  /**
   * A transmission ended at `at` (absolute, `una` < `at` < `end`): the skb
   * holding `at` is cut there (tcp_fragment), unless `at` already starts one.
   */
  split(at: number): void {
    const s = this.#starts;
    let i = s.length - 1;
    // Transmissions happen at the front of the unsent data: search from the tail.
    while (i >= this.#head && s[i]! > at) i--;
    if (i < this.#head || s[i] === at) return;
    if (i === s.length - 1) s.push(at);
    else s.splice(i + 1, 0, at);
  }

  /** Where the skb holding `at` ends: the next skb's start, or -1 when `at` is in the last one (it ends at the write end). */
  endAfter(at: number): number {
    const s = this.#starts;
    let next = -1;
    for (let i = s.length - 1; i >= this.#head && s[i]! > at; i--) next = s[i]!;
    return next;
  }

  /** snd.una reached `una` (write end `end`): fully acknowledged skbs are freed. */
  acknowledge(una: number, end: number): void {
    const s = this.#starts;
    if (una >= end) {
      this.clear();
      return;
    }
    let h = this.#head;
    while (h + 1 < s.length && s[h + 1]! <= una) h++;
    this.#head = h;
    if (h >= 32 && h * 2 >= s.length) {
      s.splice(0, h);
      this.#head = 0;
    }
  }

  /** No skb left (everything acknowledged or dropped). */
  clear(): void {
    this.#starts.length = 0;
    this.#head = 0;
    this.closed = false;
  }
}
