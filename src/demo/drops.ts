/**
 * Why a host dropped a packet, named from the counter the drop raised (the
 * counters Linux keeps for the same drops: `nstat` shows them). The demo
 * context watches a host's counters while it handles each received packet;
 * a counter listed here means the packet went no further.
 */

/** A drop reason in the two narration languages. */
export interface DropReason {
  en: string;
  zh: string;
}

const REASONS: Record<string, DropReason> = {
  "TcpExt.ListenOverflows": { en: "accept queue full", zh: "全连接队列已满" },
  "TcpExt.TCPReqQFullDrop": { en: "SYN queue full", zh: "半连接队列已满" },
  "TcpExt.ListenDrops": { en: "listen drop", zh: "监听丢弃" },
  "TcpExt.TCPRcvOutOfWindow": { en: "out of window", zh: "超出接收窗口" },
  "Sockstack.TcpRstOutOfWindow": { en: "RST out of window", zh: "RST 不在窗口内" },
  "TcpExt.TCPRcvQDrop": { en: "receive buffer full", zh: "接收缓冲区已满" },
  "TcpExt.TCPOFODrop": { en: "out-of-order queue full", zh: "乱序队列已满" },
  "Tcp.InCsumErrors": { en: "bad checksum", zh: "校验和错误" },
  "Udp.InCsumErrors": { en: "bad checksum", zh: "校验和错误" },
  "Ip.InCsumErrors": { en: "bad checksum", zh: "校验和错误" },
  "Icmp.InCsumErrors": { en: "bad checksum", zh: "校验和错误" },
  "Sockstack.TcpBadFlagsDrop": { en: "unexpected flags or sequence", zh: "标志位或序号不符" },
  "Udp.RcvbufErrors": { en: "receive buffer full", zh: "接收缓冲区已满" },
};

/**
 * The reason for a drop counted as `group.counter`, or null when that
 * counter does not mean a drop.
 * @example dropReason("TcpExt", "ListenOverflows") // { en: "accept queue full", zh: "全连接队列已满" }
 */
export function dropReason(group: string, counter: string): DropReason | null {
  return REASONS[`${group}.${counter}`] ?? null;
}

/** The Chinese text of an English drop reason (for the ladder in `--lang zh`). */
export function dropReasonZh(en: string): string {
  for (const r of Object.values(REASONS)) if (r.en === en) return r.zh;
  return en;
}
