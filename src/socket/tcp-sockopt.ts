/**
 * The IPPROTO_IP and IPPROTO_TCP options of a TCP socket (Linux
 * do_tcp_setsockopt / do_tcp_getsockopt and the IP options TCP keeps in
 * its TCB): what StreamSocket's setOption / getOption handle before the
 * generic SOL_SOCKET ones of socket.ts.
 */
import type { StackContext } from "../core/stack-context.js";
import { SEC } from "../core/time.js";
import type { Tcb } from "../tcp/tcb.js";
import type { TcpLayer } from "../tcp/tcp-layer.js";
import { TcpState } from "../tcp/tcp-state.js";
import { createCongestionControl } from "../tcp/congestion/registry.js";
import { updateMss } from "../tcp/setup.js";
import { MAX_TCP_WINDOW, TCP_FIN_TIMEOUT_MAX, TCP_MIN_MSS, TCP_MSS_DEFAULT } from "../tcp/constants.js";
import { retransToSecs, secsToRetrans } from "../tcp/synack.js";
import { tcpInfo } from "../tcp/tcp-info.js";
import { foOf, TFO_CLIENT_ENABLE } from "../tcp/fastopen.js";
import { ZeroCopySock } from "../tcp/zerocopy.js";
import { getTimestamping, setTimestamping } from "../tcp/tx-timestamp.js";
import { maxPacingRate, setMaxPacingRate } from "../tcp/pacing.js";
import { md5SetKey } from "../tcp/md5sig.js";
import { fail, intValue } from "./socket.js";
import type { OptionSpec, OptionValue } from "./options.js";

/** What the TCP option handlers reach of their socket. */
export interface TcpOptionSocket {
  readonly ctx: StackContext;
  readonly tcp: TcpLayer;
  readonly t: Tcb;
  /** The socket's family (AF_INET, AF_INET6): which addresses TCP_MD5SIG takes. */
  readonly family: number;
  /** The socket's stored-only option values (created on first use). */
  stored(): Map<string, OptionValue>;
}

/** setsockopt of a TCP-level or IP-level option TCP keeps; false when `o` is not one (the caller goes on to SOL_SOCKET). */
export function setTcpOption(s: TcpOptionSocket, o: OptionSpec, value: OptionValue): boolean {
  const t = s.t;
  const sc = "setsockopt";
  const int = () => intValue(value, sc);
  switch (o.name) {
    case "SO_ZEROCOPY": {
      // Linux sk_setsockopt: 0 or 1; inherited by accepted connections.
      const v = int();
      if (v < 0 || v > 1) fail("EINVAL", sc);
      if (v || t.zc) (t.zc ??= new ZeroCopySock()).enabled = v === 1;
      return true;
    }
    case "SO_TIMESTAMPING": {
      const e = setTimestamping(t, int());
      if (e) fail(e, sc);
      return true;
    }
    case "TCP_NOTSENT_LOWAT": {
      // Linux do_tcp_setsockopt: any value (0 restores the sysctl), then sk_write_space wakes writers that may go on.
      t.notsentLowat = int() >>> 0;
      s.tcp.writeSpace(t);
      return true;
    }
    case "SO_MAX_PACING_RATE":
      // Linux sk_setsockopt: a u32, ~0U for no limit; a limit turns internal pacing on (SK_PACING_NEEDED).
      setMaxPacingRate(t, int() >>> 0);
      return true;
    case "IP_TOS": {
      // Linux __ip_sock_set_tos: TCP keeps the ECN bits to itself; every segment carries the rest.
      t.tos = int() & 0xfc;
      return true;
    }
    case "IP_TTL": {
      const v = int();
      if (v !== -1 && (v < 1 || v > 255)) fail("EINVAL", sc);
      t.ttl = v;
      return true;
    }
    case "IP_MTU_DISCOVER": case "IP_RECVERR":
      s.stored().set(o.name, int());
      return true;
    case "TCP_NODELAY":
      t.nodelay = int() !== 0;
      if (t.nodelay) {
        // Linux __tcp_sock_set_nodelay sets TCP_NAGLE_PUSH and pushes: the data already queued goes out even
        // under TCP_CORK (tcp_nagle_test checks PUSH first); later writes are corked again.
        const cork = t.cork;
        t.cork = false;
        s.tcp.push(t);
        t.cork = cork;
      }
      return true;
    case "TCP_CORK": {
      t.cork = int() !== 0;
      if (!t.cork) s.tcp.push(t);
      return true;
    }
    case "TCP_MAXSEG": {
      const v = int();
      if (v && (v < TCP_MIN_MSS || v > MAX_TCP_WINDOW)) fail("EINVAL", sc);
      t.userMss = v;
      if (t.state !== TcpState.CLOSE && t.state !== TcpState.LISTEN) updateMss(t);
      return true;
    }
    case "TCP_KEEPIDLE": {
      const v = int();
      if (v < 1 || v > 32767) fail("EINVAL", sc);
      t.keepIdle = v * 1_000_000;
      s.tcp.resetKeepalive(t);
      return true;
    }
    case "TCP_KEEPINTVL": {
      const v = int();
      if (v < 1 || v > 32767) fail("EINVAL", sc);
      t.keepIntvl = v * 1_000_000;
      return true;
    }
    case "TCP_KEEPCNT": {
      const v = int();
      if (v < 1 || v > 127) fail("EINVAL", sc);
      t.keepCnt = v;
      return true;
    }
    case "TCP_SYNCNT": {
      const v = int();
      if (v < 1 || v > 255) fail("EINVAL", sc);
      t.synRetries = v;
      return true;
    }
    case "TCP_KEEPINIT": {
      // FreeBSD tcp_default_ctloutput: seconds (0 = net.inet.tcp.keepinit); Linux has no such option.
      if (!s.tcp.personality.keepInit) fail("ENOPROTOOPT", sc);
      const v = int();
      if (v < 0) fail("EINVAL", sc);
      t.keepInit = v * SEC;
      return true;
    }
    case "TCP_LINGER2": {
      const v = int();
      t.linger2 = v < 0 ? -1 : Math.min(v * SEC, TCP_FIN_TIMEOUT_MAX);
      return true;
    }
    // Linux keeps a count of SYN-ACK timeouts, not seconds (tcp_setsockopt secs_to_retrans).
    case "TCP_DEFER_ACCEPT": t.deferAccept = secsToRetrans(int()); return true;
    case "TCP_WINDOW_CLAMP": {
      const v = int();
      if (v < 0) fail("EINVAL", sc);
      s.stored().set(o.name, v);
      return true;
    }
    case "TCP_QUICKACK":
      if (int()) {
        t.quickAcks = 16;
        t.pingpong = false;
      } else {
        t.pingpong = true;
      }
      return true;
    case "TCP_USER_TIMEOUT": {
      const v = int();
      if (v < 0) fail("EINVAL", sc);
      t.userTimeout = v * 1000;
      return true;
    }
    case "TCP_INQ": s.stored().set("TCP_INQ", int() !== 0 ? 1 : 0); return true;
    // TCP Fast Open (Linux do_tcp_setsockopt).
    case "TCP_FASTOPEN": {
      const v = int();
      if (v < 0 || (t.state !== TcpState.CLOSE && t.state !== TcpState.LISTEN)) fail("EINVAL", sc);
      foOf(t).maxQlen = Math.min(v, s.ctx.sysctl.somaxconn);
      // FreeBSD: on a client socket the option turns on Fast Open for sendto's implied connect.
      if (s.tcp.personality.fastOpenApi === "freebsd" && t.state === TcpState.CLOSE) foOf(t).bsdClient = v !== 0;
      return true;
    }
    case "TCP_FASTOPEN_CONNECT": {
      const v = int();
      if (v < 0 || v > 1) fail("EINVAL", sc);
      if (!(s.ctx.sysctl.tcp_fastopen & TFO_CLIENT_ENABLE)) fail("EOPNOTSUPP", sc);
      if (t.state !== TcpState.CLOSE) fail("EINVAL", sc);
      foOf(t).connect = v === 1;
      return true;
    }
    case "TCP_FASTOPEN_NO_COOKIE": {
      const v = int();
      if (v < 0 || v > 1 || (t.state !== TcpState.CLOSE && t.state !== TcpState.LISTEN)) fail("EINVAL", sc);
      foOf(t).noCookie = v === 1;
      return true;
    }
    case "TCP_MD5SIG": case "TCP_MD5SIG_EXT": {
      const r = md5SetKey(t.md5, s.family, o.name === "TCP_MD5SIG_EXT", value);
      if (typeof r === "string") fail(r, sc);
      if (r.keys !== t.md5) t.md5 = r.keys;
      return true;
    }
    case "TCP_CONGESTION": {
      if (typeof value !== "string") fail("EINVAL", sc);
      const cc = createCongestionControl(value);
      if (!cc) fail("ENOENT", sc);
      // Differs from Linux mid-connection: tcp_reinit_congestion_control keeps snd_cwnd and
      // ssthresh (they live in tcp_sock); here the new algorithm starts from its initial window
      // (docs/linux-comparison.md).
      t.cc = cc;
      return true;
    }
  }
  return false;
}

/** getsockopt of a TCP-level or IP-level option TCP keeps; undefined when `o` is not one. */
export function getTcpOption(s: TcpOptionSocket, o: OptionSpec): OptionValue | undefined {
  const t = s.t;
  switch (o.name) {
    case "SO_ZEROCOPY": return t.zc?.enabled ? 1 : 0;
    case "SO_TIMESTAMPING": return getTimestamping(t);
    case "SO_MAX_PACING_RATE": return maxPacingRate(t);
    case "IP_TOS": return t.tos;
    case "IP_TTL": return t.ttl >= 0 ? t.ttl : s.ctx.sysctl.ip_default_ttl;
    case "IP_MTU_DISCOVER": return s.stored().get(o.name) ?? 1;
    case "IP_RECVERR": return s.stored().get(o.name) ?? 0;
    case "IP_MTU":
      if (t.state === TcpState.CLOSE || t.state === TcpState.LISTEN) fail("ENOTCONN", "getsockopt");
      return t.pmtu;
    case "TCP_NODELAY": return t.nodelay ? 1 : 0;
    case "TCP_CORK": return t.cork ? 1 : 0;
    case "TCP_MAXSEG": return t.state === TcpState.CLOSE || t.state === TcpState.LISTEN ? (t.userMss || TCP_MSS_DEFAULT) : t.mss;
    case "TCP_KEEPIDLE": return s.tcp.keepIdle(t) / 1_000_000;
    case "TCP_KEEPINTVL": return s.tcp.keepIntvl(t) / 1_000_000;
    case "TCP_KEEPCNT": return s.tcp.keepCnt(t);
    case "TCP_SYNCNT": return t.synRetries || s.ctx.sysctl.tcp_syn_retries;
    case "TCP_KEEPINIT":
      if (!s.tcp.personality.keepInit) fail("ENOPROTOOPT", "getsockopt");
      return Math.floor((t.keepInit || s.ctx.sysctl.tcp_keepinit) / SEC);
    case "TCP_LINGER2": return t.linger2 < 0 ? -1 : (t.linger2 || s.ctx.sysctl.tcp_fin_timeout) / 1_000_000;
    case "TCP_DEFER_ACCEPT": return retransToSecs(t.deferAccept);
    case "TCP_WINDOW_CLAMP": return s.stored().get(o.name) ?? (t.rwin ? t.rwin.windowClamp : 0);
    case "TCP_QUICKACK": return t.pingpong ? 0 : 1;
    case "TCP_USER_TIMEOUT": return t.userTimeout / 1000;
    case "TCP_CONGESTION": return t.ccName;
    case "TCP_CC_INFO": {
      // Linux tcp_get_info → ops->get_info: struct tcp_bbr_info for bbr; nothing (optlen 0) for cubic and reno.
      const i = t.cc.info?.(t.mss);
      if (!i) return {};
      return { bbr_bw_lo: i.bw % 2 ** 32, bbr_bw_hi: Math.floor(i.bw / 2 ** 32), bbr_min_rtt: i.minRtt, bbr_pacing_gain: i.pacingGain, bbr_cwnd_gain: i.cwndGain };
    }
    case "TCP_INQ": return s.stored().get("TCP_INQ") ?? 0;
    case "TCP_NOTSENT_LOWAT": return t.notsentLowat | 0;
    case "TCP_FASTOPEN": return t.fo?.maxQlen ?? 0;
    case "TCP_FASTOPEN_CONNECT": return t.fo?.connect ? 1 : 0;
    case "TCP_FASTOPEN_NO_COOKIE": return t.fo?.noCookie ? 1 : 0;
    case "TCP_INFO": return tcpInfo(t, s.ctx.scheduler.now()) as unknown as Record<string, unknown>;
  }
  return undefined;
}
