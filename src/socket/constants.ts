/**
 * Socket API constants with their Linux values. Syscalls accept either the
 * name (`"SO_REUSEADDR"`) or the number (2).
 */

/** Address families. */
export const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_LOCAL = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;

/** Socket types (D3) and type flags. */
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_SEQPACKET = 5;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;

/** Protocols. */
export const IPPROTO_IP = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ICMPV6 = 58;

/** Option levels. */
export const SOL_SOCKET = 1;
export const SOL_IP = 0;
export const SOL_TCP = 6;
export const SOL_UDP = 17;
export const SOL_IPV6 = 41;

/** send/recv flags. */
export const MSG_OOB = 0x1;
export const MSG_PEEK = 0x2;
export const MSG_DONTROUTE = 0x4;
export const MSG_CTRUNC = 0x8;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_EOR = 0x80;
export const MSG_WAITALL = 0x100;
export const MSG_CONFIRM = 0x800;
export const MSG_ERRQUEUE = 0x2000;
export const MSG_NOSIGNAL = 0x4000;
export const MSG_MORE = 0x8000;
/** sendto/sendmsg: connect with TCP Fast Open, the data in the SYN (RFC 7413). */
export const MSG_FASTOPEN = 0x20000000;
/** send/sendmsg on an SO_ZEROCOPY TCP socket: report the data's release on the error queue (tcp/zerocopy.ts). */
export const MSG_ZEROCOPY = 0x4000000;

/** shutdown how. */
export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;

/** fcntl. */
export const F_DUPFD = 0;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const F_DUPFD_CLOEXEC = 1030;
/** F_SETPIPE_SZ / F_GETPIPE_SZ (pipes: sys/pipe.ts). */
export const F_SETPIPE_SZ = 1031;
export const F_GETPIPE_SZ = 1032;
export const FD_CLOEXEC = 1;
export const O_RDWR = 0o2;
export const O_NONBLOCK = 0o4000;
/** F_SETFL's append flag (regular files: sys/fs.ts). */
export const O_APPEND = 0o2000;

/** ioctl requests. */
export const FIONREAD = 0x541b;
export const FIONBIO = 0x5421;
export const SIOCINQ = FIONREAD;
export const SIOCOUTQ = 0x5411;
/** TCP: 1 when the next byte to read is the urgent one (sockios.h). */
export const SIOCATMARK = 0x8905;

/** Symbolic names → values, for the string forms of syscalls. */
export const CONSTANTS: Readonly<Record<string, number>> = {
  AF_UNSPEC, AF_UNIX, AF_LOCAL, AF_INET, AF_INET6,
  SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, SOCK_NONBLOCK, SOCK_CLOEXEC,
  IPPROTO_IP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_IPV6, IPPROTO_ICMPV6,
  SOL_SOCKET, SOL_IP, SOL_TCP, SOL_UDP, SOL_IPV6,
  MSG_OOB, MSG_PEEK, MSG_DONTROUTE, MSG_CTRUNC, MSG_TRUNC, MSG_DONTWAIT, MSG_EOR, MSG_WAITALL,
  MSG_CONFIRM, MSG_ERRQUEUE, MSG_NOSIGNAL, MSG_MORE, MSG_FASTOPEN, MSG_ZEROCOPY,
  SHUT_RD, SHUT_WR, SHUT_RDWR,
  F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC, F_SETPIPE_SZ, F_GETPIPE_SZ, FD_CLOEXEC, O_RDWR, O_NONBLOCK, O_APPEND,
  FIONREAD, FIONBIO, SIOCINQ, SIOCOUTQ, SIOCATMARK,
};

/**
 * Resolves a constant given by name or number; unknown names → undefined.
 * @example constant("SOCK_STREAM") === 1
 */
export function constant(v: string | number, table: Readonly<Record<string, number>> = CONSTANTS): number | undefined {
  if (typeof v === "number") return v;
  return table[v];
}
