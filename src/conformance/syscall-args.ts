/**
 * Evaluating the argument expressions of script syscalls: symbolic
 * constants (`SOCK_STREAM`, `O_RDWR|O_NONBLOCK`, `SHUT_WR`), ints, `[N]`
 * pointers to ints and `{l_onoff=1, l_linger=0}` structs. A symbol the
 * runner does not know makes the script unsupported.
 */
import type { Expr } from "./ast.js";
import { errnoNumber, isErrnoCode } from "../core/errno.js";
import { CONSTANTS } from "../socket/constants.js";
import { LEVELS } from "../socket/options.js";
import { POLL_CONSTANTS } from "../core/poll-events.js";
import * as EP from "../sys/epoll.js";
import * as FS from "../sys/fs.js";
import { SPLICE_F_GIFT, SPLICE_F_MORE, SPLICE_F_MOVE, SPLICE_F_NONBLOCK } from "../sys/splice-flags.js";
import { SCM_TSTAMP_ACK, SCM_TSTAMP_SCHED, SCM_TSTAMP_SND, SOF_TIMESTAMPING } from "../tcp/tx-timestamp.js";
import { SCM_TIMESTAMPING } from "../socket/error-queue.js";

/** A construct the runner cannot execute faithfully. */
export class Unsupported extends Error {}

/** Extra names packetdrill scripts use beyond the socket constants. */
const EXTRA: Readonly<Record<string, number>> = {
  ...POLL_CONSTANTS,
  EPOLLIN: EP.EPOLLIN, EPOLLPRI: EP.EPOLLPRI, EPOLLOUT: EP.EPOLLOUT, EPOLLERR: EP.EPOLLERR, EPOLLHUP: EP.EPOLLHUP,
  EPOLLRDNORM: EP.EPOLLRDNORM, EPOLLRDBAND: EP.EPOLLRDBAND, EPOLLWRNORM: EP.EPOLLWRNORM, EPOLLWRBAND: EP.EPOLLWRBAND,
  EPOLLMSG: EP.EPOLLMSG, EPOLLRDHUP: EP.EPOLLRDHUP, EPOLLEXCLUSIVE: EP.EPOLLEXCLUSIVE, EPOLLWAKEUP: EP.EPOLLWAKEUP,
  EPOLLONESHOT: EP.EPOLLONESHOT, EPOLLET: EP.EPOLLET, EPOLL_CTL_ADD: EP.EPOLL_CTL_ADD, EPOLL_CTL_DEL: EP.EPOLL_CTL_DEL,
  EPOLL_CTL_MOD: EP.EPOLL_CTL_MOD, EPOLL_CLOEXEC: EP.EPOLL_CLOEXEC,
  // <linux/in.h> IP_MTU_DISCOVER values; <linux/tcp.h> TCP_CM_INQ (= TCP_INQ).
  IP_PMTUDISC_DONT: 0, IP_PMTUDISC_WANT: 1, IP_PMTUDISC_DO: 2, IP_PMTUDISC_PROBE: 3,
  TCP_CM_INQ: 36,
  // <linux/in.h>, <linux/in6.h>, <linux/errqueue.h>: the error queue's control messages.
  IP_RECVERR: 11, IPV6_RECVERR: 25,
  SO_EE_ORIGIN_NONE: 0, SO_EE_ORIGIN_LOCAL: 1, SO_EE_ORIGIN_ICMP: 2, SO_EE_ORIGIN_ICMP6: 3, SO_EE_ORIGIN_TXSTATUS: 4,
  SO_EE_ORIGIN_TIMESTAMPING: 4, SO_EE_ORIGIN_ZEROCOPY: 5, SO_EE_CODE_ZEROCOPY_COPIED: 1,
  // <linux/net_tstamp.h>, <linux/errqueue.h>, <asm-generic/socket.h>: SO_TIMESTAMPING's flags, entries and cmsg.
  ...Object.fromEntries(Object.entries(SOF_TIMESTAMPING).map(([k, v]) => [`SOF_TIMESTAMPING_${k}`, v])),
  SCM_TSTAMP_SND, SCM_TSTAMP_SCHED, SCM_TSTAMP_ACK, SCM_TIMESTAMPING,
  PF_INET: 2,
  PF_INET6: 10,
  // <netinet/in.h>: the IPv6 option level (the options themselves are the socket layer's).
  IPPROTO_IPV6: 41,
  SOL_IPV6: 41,
  NULL: 0,
  // <fcntl.h>: open(2) and splice(2) flags (sys/fs.ts, sys/splice-flags.ts).
  O_RDONLY: FS.O_RDONLY, O_WRONLY: FS.O_WRONLY, O_CREAT: FS.O_CREAT, O_EXCL: FS.O_EXCL, O_TRUNC: FS.O_TRUNC,
  O_APPEND: FS.O_APPEND, O_DIRECTORY: FS.O_DIRECTORY, O_CLOEXEC: FS.O_CLOEXEC, O_NOCTTY: FS.O_NOCTTY,
  SPLICE_F_MOVE, SPLICE_F_NONBLOCK, SPLICE_F_MORE, SPLICE_F_GIFT,
  SEEK_SET: FS.SEEK_SET, SEEK_CUR: FS.SEEK_CUR, SEEK_END: FS.SEEK_END,
  IPTOS_DSCP_CS1: 0x20,
  IPTOS_DSCP_CS7: 0xe0,
};

/** The number an expression stands for (`...` gives `dflt`). */
export function evalInt(e: Expr, dflt?: number): number {
  switch (e.kind) {
    case "int": return e.value;
    case "ellipsis":
      if (dflt === undefined) throw new Unsupported("`...` where a number is needed");
      return dflt;
    case "word": {
      const v = CONSTANTS[e.name] ?? EXTRA[e.name] ?? LEVELS[e.name] ?? (isErrnoCode(e.name) ? errnoNumber(e.name) : undefined);
      if (v === undefined) throw new Unsupported(`unknown symbol ${e.name}`);
      return v;
    }
    case "binary": return evalInt(e.lhs) | evalInt(e.rhs);
    case "array":
      if (e.items.length === 1) return evalInt(e.items[0]!, dflt);
      throw new Unsupported("array of several values");
    case "call":
      if (e.name === "htons" || e.name === "htonl" || e.name === "ntohs" || e.name === "ntohl") return evalInt(e.args[0]!);
      throw new Unsupported(`call ${e.name}()`);
    default:
      throw new Unsupported(`${e.kind} where a number is needed`);
  }
}

/** The named members of a `{…}` argument (msghdr, pollfd, epoll_event), by name. */
export function structFields(e: Expr): Map<string, { args: readonly Expr[] | null; value: Expr }> {
  if (e.kind !== "struct") throw new Unsupported(`${e.kind} where a struct is needed`);
  const out = new Map<string, { args: readonly Expr[] | null; value: Expr }>();
  for (const f of e.fields) {
    if (f.name === null) throw new Unsupported("positional struct fields");
    out.set(f.name, { args: f.args, value: f.value });
  }
  return out;
}

/** `msg_iov(N)=[{..., len}, …]` → the buffer lengths (N must match). */
export function iovLengths(msg: Map<string, { args: readonly Expr[] | null; value: Expr }>): number[] {
  const iov = msg.get("msg_iov");
  if (!iov) throw new Unsupported("msghdr without msg_iov");
  if (iov.value.kind !== "array") throw new Unsupported("msg_iov is not an array");
  const lens = iov.value.items.map((it) => {
    if (it.kind !== "struct" || it.fields.length !== 2) throw new Unsupported("iovec must be {..., LENGTH}");
    const base = it.fields[0]!.value;
    if (base.kind !== "ellipsis") throw new Unsupported("iovec with explicit bytes");
    return evalInt(it.fields[1]!.value);
  });
  if (iov.args && iov.args.length === 1 && evalInt(iov.args[0]!) !== lens.length) throw new Unsupported("msg_iov(N) disagrees with its array");
  return lens;
}

/** A symbol's name, when the expression is a bare word. */
export function wordName(e: Expr): string | null {
  return e.kind === "word" ? e.name : null;
}

/** `{l_onoff=1, l_linger=0}` → `{ l_onoff: 1, l_linger: 0 }`. */
export function evalStruct(e: Expr): Record<string, number> {
  if (e.kind !== "struct") throw new Unsupported(`${e.kind} where a struct is needed`);
  const out: Record<string, number> = {};
  for (const f of e.fields) {
    if (f.name === null || f.args !== null) throw new Unsupported("positional or indexed struct fields");
    out[f.name] = evalInt(f.value);
  }
  return out;
}

/** A socket address written in a script, as the socket layer takes it. */
export type ScriptSockAddr =
  | { family: 2; addr: string; port: number }
  | { family: 10; addr: string; port: number; flowinfo: 0; scopeId: 0 };

/**
 * packetdrill's sockaddr literal (parser.y `sockaddr`):
 * `{sa_family=AF_INET6, sin_port=htons(8080), sin_addr=inet_addr("2001:db8::1")}`
 * — the same `sin_port` / `sin_addr=inet_addr("…")` members for both
 * families, `sa_family` choosing sockaddr_in or sockaddr_in6 (and how the
 * text is read). The address text is checked by the socket layer (EINVAL).
 * @example
 * declare const arg: Parameters<typeof sockaddrArg>[0]; // {sa_family=AF_INET6, sin_port=htons(8080), sin_addr=inet_addr("2001:db8::1")}
 * sockaddrArg(arg); // { family: 10, addr: "2001:db8::1", port: 8080, flowinfo: 0, scopeId: 0 }
 */
export function sockaddrArg(e: Expr): ScriptSockAddr {
  const f = structFields(e);
  const fam = f.get("sa_family");
  const port = f.get("sin_port");
  const addr = f.get("sin_addr");
  if (!fam || !port || !addr || f.size !== 3) throw new Unsupported("a sockaddr must be {sa_family=…, sin_port=htons(N), sin_addr=inet_addr(\"…\")}");
  const family = wordName(fam.value);
  if (family !== "AF_INET" && family !== "AF_INET6") throw new Unsupported(`sa_family ${family ?? "(number)"}`);
  const a = addr.value;
  if (a.kind !== "call" || a.name !== "inet_addr" || a.args.length !== 1 || a.args[0]!.kind !== "string") {
    throw new Unsupported("sin_addr must be inet_addr(\"ADDRESS\")");
  }
  const text = a.args[0].value;
  const p = evalInt(port.value);
  return family === "AF_INET6" ? { family: 10, addr: text, port: p, flowinfo: 0, scopeId: 0 } : { family: 2, addr: text, port: p };
}
