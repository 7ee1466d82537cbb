/**
 * The Linux personality, sockstack's reference behaviour (the default of
 * `tcp_personality`): each hook is what Linux's tcp_input.c / tcp_output.c
 * / tcp_minisocks.c do.
 */
import { adaptAto } from "../delack.js";
import type { RequestSock } from "../listener.js";
import { TcpState } from "../tcp-state.js";
import type { Tcb } from "../tcb.js";
import { timeWaitInput } from "../timewait-input.js";
import type { TcpPersonality } from "./personality.js";

/** Linux. */
export const linuxPersonality: TcpPersonality = {
  name: "linux",
  synOptionsBsd: false,
  fastOpenApi: "linux",
  // Linux delays the ACK of a FIN like any other (tcp_fin → inet_csk_schedule_ack).
  writeRecords: true,
  atoFromFirstData: true,
  ackFinAtOnce: false,
  // Linux tcp_rcv_state_process: a SYN-ACK at a listener is answered with a RST.
  dropSynAckAtListener: false,
  // Linux tcp_ecn_rcv_syn: only a connection that asked for ECN keeps it.
  ecnSimultaneousAccept: false,
  requestSeqCheck: true,
  nagleMinshall: true,
  // tcp_v4_err: a hard error at a request's ISN drops it (tcp_req_err).
  icmpDropsRequest: true,
  // Linux answers a segment for nobody from no socket (tcp_v4_send_reset without sk).
  closedResetOwner: () => null,
  timeWaitInput,
  // Linux keeps the buffer sizes the application or autotuning chose.
  learnedMss: () => {},
  acceptanceWindow: (_t, offered) => offered,
  // Linux tcp_select_window (recv-window.ts); the SYN's and SYN-ACK's window is fixed at the handshake.
  selectWindow: (_tl, t) => {
    if (t.state === TcpState.SYN_SENT || t.state === TcpState.SYN_RECV) return t.rwin.synWindow();
    return t.rwin.select(t.rcvNxt, t.rcvBuf.tcpSpace(t.ooo?.bytes ?? 0), t.rcvBuf.fullSpace(), t.rcvMss);
  },
  synAckWindow: (_lt, linuxWindow) => linuxWindow,
  dataReceived: adaptAto,
  // Linux __tcp_ack_snd_check: more than one rcv_mss not yet acknowledged.
  ackThresholdReached: (t: Tcb) => ((t.rcvNxt - t.rwin.rcvWup) >>> 0) > t.rcvMss,
  ackCarriesFin: () => false,
  // Linux tcp_reset: EPIPE in CLOSE-WAIT, ECONNRESET everywhere else.
  resetErrno: (state) => (state === TcpState.CLOSE_WAIT ? "EPIPE" : "ECONNRESET"),
  // tcp_v4_err / tcp_v6_err, in tcp/icmp-error.ts itself.
  icmpError: () => null,
  // Linux tcp_check_req: a RST inside the window we offered (tcp_in_window, right edge
  // included) drops the request — RFC 5961 does not apply to requests.
  requestRst: (_tl, _lt, req: RequestSock, off) => (off >= 1 && off <= Math.min(req.rcvWnd, 65535) + 1 ? "drop-request" : "ignore"),
};
