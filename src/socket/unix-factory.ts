/**
 * socket(AF_UNIX, …) and socketpair(2) (E7): creates AF_UNIX sockets with
 * Linux unix_create's argument checks.
 */
import type { ErrnoCode } from "../core/errno.js";
import type { StackContext } from "../core/stack-context.js";
import { AF_UNIX, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM } from "./constants.js";
import type { Socket } from "./socket.js";
import type { UnixNamespace } from "./unix-namespace.js";
import { UnixDgramSocket } from "./unix-dgram-socket.js";
import type { UnixSocket } from "./unix-socket.js";
import { UnixStreamSocket } from "./unix-stream-socket.js";

/**
 * A new AF_UNIX socket, or socket(2)'s errno: a protocol other than 0 or
 * PF_UNIX is EPROTONOSUPPORT; SOCK_RAW is a datagram socket, as on Linux;
 * SOCK_SEQPACKET is not implemented (ESOCKTNOSUPPORT — Linux has it).
 */
export function createUnixSocket(ctx: StackContext, ns: UnixNamespace<UnixSocket>, type: number, protocol: number): Socket | ErrnoCode {
  if (protocol !== 0 && protocol !== AF_UNIX) return "EPROTONOSUPPORT";
  if (type === SOCK_STREAM) return new UnixStreamSocket(ctx, ns);
  if (type === SOCK_DGRAM || type === SOCK_RAW) return new UnixDgramSocket(ctx, ns);
  return "ESOCKTNOSUPPORT";
}

/**
 * Connects two fresh sockets made by {@link createUnixSocket} (socketpair(2)).
 * Returns EOPNOTSUPP for anything that is not a pair of AF_UNIX sockets.
 */
export function connectPair(a: Socket, b: Socket): ErrnoCode | null {
  if (a instanceof UnixStreamSocket && b instanceof UnixStreamSocket) UnixStreamSocket.pair(a, b);
  else if (a instanceof UnixDgramSocket && b instanceof UnixDgramSocket) UnixDgramSocket.pair(a, b);
  else return "EOPNOTSUPP";
  return null;
}
