/**
 * sendfile(2) and splice(2): moving bytes between open files without a
 * user buffer, as Linux's fs/splice.c and fs/read_write.c do_sendfile do
 * it, in the order Linux checks (test/syscalls/files-probe.py, 6.18):
 *
 * - sendfile(out, in, offset, count): `in` must be open for reading
 *   (EBADF) and a regular file or /dev/zero (EINVAL: a pipe, a socket,
 *   a directory, /dev/null);
 *   `out` open for writing (EBADF), not O_APPEND (EINVAL). With an offset
 *   the read starts there and the file position stays; without one it
 *   starts at the position, which advances. Into a socket the data goes
 *   as sends of at most 64 KiB (the internal pipe of splice_direct_to_actor),
 *   each but the last with MSG_MORE; a blocking socket takes everything,
 *   a non-blocking one what fits (EAGAIN when nothing did).
 * - splice(in, off_in, out, off_out, len, flags): one end must be a pipe
 *   (EINVAL otherwise, and for the same pipe at both ends); an offset on a
 *   pipe end is ESPIPE, on a socket EINVAL; `in` must be readable and
 *   `out` writable (EBADF). SPLICE_F_NONBLOCK (or O_NONBLOCK on the pipe)
 *   makes the pipe side non-blocking; a socket blocks by its own
 *   O_NONBLOCK only (Linux: SPLICE_F_NONBLOCK does not reach
 *   tcp_splice_read). SPLICE_F_MORE is MSG_MORE on a socket out.
 *   From TCP, splice stops at the urgent byte (tcp_read_sock): with it next
 *   in the stream splice returns 0 at once — packetdrill's
 *   tcp_splice_loop_test, Linux commit ccf7abb93af0 — until a read passes it.
 */
import { POLLERR, POLLHUP, POLLIN, POLLOUT } from "../core/poll-events.js";
import { SysError } from "../core/sys-error.js";
import { MSG_DONTWAIT, MSG_MORE, MSG_PEEK, SOCK_DGRAM } from "../socket/constants.js";
import { Socket } from "../socket/socket.js";
import { StreamSocket } from "../socket/stream-socket.js";
import type { Tcb } from "../tcp/tcb.js";
import { bytesBeforeUrgentMark } from "../socket/urgent-mark.js";
import type { OpenFile } from "./file.js";
import { O_APPEND, VnodeFile } from "./fs.js";
import { PipeEnd, PIPE_SIZE } from "./pipe.js";
import { SPLICE_F_ALL, SPLICE_F_MORE, SPLICE_F_NONBLOCK } from "./splice-flags.js";
import { waitMany } from "./wait-many.js";

export { SPLICE_F_ALL, SPLICE_F_GIFT, SPLICE_F_MORE, SPLICE_F_MOVE, SPLICE_F_NONBLOCK } from "./splice-flags.js";

const EMPTY = new Uint8Array(0);

function readable(f: OpenFile): boolean {
  if (f instanceof VnodeFile) return f.readable;
  if (f instanceof PipeEnd) return f.end === "read";
  return f instanceof Socket;
}

function writable(f: OpenFile): boolean {
  if (f instanceof VnodeFile) return f.writable;
  if (f instanceof PipeEnd) return f.end === "write";
  return f instanceof Socket;
}

/**
 * Bytes TCP may splice before the urgent byte (Linux tcp_read_sock stops at
 * urg_seq while urg_data is set); Infinity when no urgent byte is ahead.
 * sockstack takes the urgent byte out of the queue on arrival
 * (tcp/rcv.ts extractUrgent; with SO_OOBINLINE it stays) and remembers
 * where in `urgMark`: the mark is ahead, or reached, while the queue still
 * holds every byte received after it (and, inline, the byte itself).
 */
function urgentLimit(t: Tcb): number {
  // Unread bytes before the urgent byte (a mark a read went past is forgotten, as recv does: socket/urgent-mark.ts).
  const ahead = bytesBeforeUrgentMark(t);
  if (ahead !== Infinity) return ahead;
  if (t.urgSeq >= 0) {
    // The urgent pointer is known, its byte not yet here (TCP_URG_NOTYET).
    const copied = (t.rcvNxt - t.rcvBuf.length) >>> 0;
    const lim = (t.urgSeq - copied) | 0;
    return Math.max(0, lim);
  }
  return Infinity;
}

/**
 * Reads up to `max` bytes from a socket for splice: TCP as tcp_splice_read
 * (what is queued, up to the urgent byte; waits only when nothing is
 * queued, by the socket's O_NONBLOCK and SO_RCVTIMEO; 0 at end of stream),
 * other sockets by one recvmsg.
 */
async function readSocket(s: Socket, max: () => number, syscall: string): Promise<Uint8Array | null> {
  if (!(s instanceof StreamSocket)) {
    // Wait for a datagram or bytes first, so the pipe's room is measured when they are taken.
    const peek = await s.recvmsg(1, MSG_PEEK, syscall);
    if (peek.data.length === 0 && peek.length === 0 && s.type !== SOCK_DGRAM) return EMPTY;
    const m = max();
    return m === 0 ? null : (await s.recvmsg(m, MSG_DONTWAIT, syscall)).data;
  }
  const t = s.t;
  for (;;) {
    const lim = urgentLimit(t);
    // The urgent byte is next: stop (no loop, no sleep), as tcp_splice_read with an skb queued.
    if (lim === 0 && (t.urgMark >= 0 || t.rcvBuf.length > 0)) return EMPTY;
    const avail = Math.min(t.rcvBuf.length, lim);
    if (avail > 0) {
      // The pipe's room is measured here, in the same step as the bytes are taken (another writer may have filled it).
      const m = max();
      return m === 0 ? null : (await s.recvmsg(Math.min(m, avail), MSG_DONTWAIT, syscall)).data;
    }
    // Nothing queued: wait as a read does (EOF → 0 bytes, errors and EAGAIN thrown), then look again.
    const peek = await s.recvmsg(1, MSG_PEEK, syscall);
    if (peek.data.length === 0) return EMPTY;
  }
}

/** Sends `data` on a socket with `flags`; the count it took (a non-blocking socket may take less). */
async function sendSocket(s: Socket, data: Uint8Array, flags: number, syscall: string): Promise<number> {
  return s.sendmsg([data], flags, null, syscall);
}

/** Waits for room in a pipe for splice (wait_for_space): EPIPE without readers, EAGAIN when full and non-blocking. */
async function waitForSpace(end: PipeEnd, nonblock: boolean, syscall: string): Promise<void> {
  const p = end.pipe;
  for (;;) {
    if (p.readers === 0) throw new SysError("EPIPE", syscall);
    if (!p.full) return;
    if (nonblock) throw new SysError("EAGAIN", syscall);
    await waitMany(p.ctx, [{ file: end, mask: POLLOUT | POLLERR }], -1); // a page freed or the last reader left
  }
}

/** Waits for data in a pipe (splice_from_pipe_next): false at EOF; EAGAIN when empty and non-blocking. */
async function waitForData(end: PipeEnd, nonblock: boolean, syscall: string): Promise<boolean> {
  const p = end.pipe;
  for (;;) {
    if (!p.empty) return true;
    if (p.writers === 0) return false;
    if (nonblock) throw new SysError("EAGAIN", syscall);
    await waitMany(p.ctx, [{ file: end, mask: POLLIN | POLLHUP }], -1); // data or the last writer's close
  }
}

/**
 * Reads from a non-pipe file for splice into a pipe: a socket as
 * tcp_splice_read, a file at `pos`; `max()` is the room, measured when the
 * bytes are taken (null: the pipe filled up meanwhile, wait again).
 */
async function readSource(f: OpenFile, pos: number, max: () => number, syscall: string): Promise<Uint8Array | null> {
  if (f instanceof Socket) return readSocket(f, max, syscall);
  if (f instanceof VnodeFile) {
    const m = max();
    if (m === 0) return null;
    const r = f.readAt(pos, m);
    if (typeof r === "string") throw new SysError(r === "EISDIR" ? "EINVAL" : r, syscall);
    return r;
  }
  throw new SysError("EINVAL", syscall);
}

/** Writes pipe bytes to a non-pipe file: a socket by sendmsg, a file at `pos`. */
async function writeSink(f: OpenFile, pos: number, data: Uint8Array, more: boolean, syscall: string): Promise<number> {
  if (f instanceof Socket) return sendSocket(f, data, more ? MSG_MORE : 0, syscall);
  if (f instanceof VnodeFile) {
    const r = f.writeAt(pos, data);
    if (typeof r === "string") throw new SysError(r === "EISDIR" ? "EINVAL" : r, syscall);
    return r;
  }
  throw new SysError("EINVAL", syscall);
}

/** The result of splice: bytes moved and the updated offsets (null when none was given). */
export interface SpliceResult {
  n: number;
  offIn: number | null;
  offOut: number | null;
}

/**
 * splice(2) on resolved open files (the fd checks are the caller's). `len`
 * is already checked to be a non-negative integer.
 */
export async function splice(
  inp: OpenFile, offIn: number | null, out: OpenFile, offOut: number | null, len: number, flags: number, syscall = "splice",
): Promise<SpliceResult> {
  const fail = (code: "EBADF" | "EINVAL" | "ESPIPE"): never => {
    throw new SysError(code, syscall);
  };
  if (flags & ~SPLICE_F_ALL) fail("EINVAL");
  if (len === 0) return { n: 0, offIn, offOut };
  if (!readable(inp) || !writable(out)) fail("EBADF");
  const ipipe = inp instanceof PipeEnd ? inp : null;
  const opipe = out instanceof PipeEnd ? out : null;
  let nonblock = (flags & SPLICE_F_NONBLOCK) !== 0;
  if (ipipe && opipe) {
    if (offIn !== null || offOut !== null) fail("ESPIPE");
    if (ipipe.pipe === opipe.pipe) fail("EINVAL");
    nonblock ||= ipipe.nonblocking || opipe.nonblocking;
    if (!(await waitForData(ipipe, nonblock, syscall))) return { n: 0, offIn, offOut };
    await waitForSpace(opipe, nonblock, syscall);
    const data = ipipe.pipe.peek(Math.min(len, opipe.pipe.freePageBytes));
    const n = opipe.pipe.spliceIn(data);
    ipipe.pipe.consume(n);
    return { n, offIn, offOut };
  }
  if (ipipe) {
    if (offIn !== null) fail("ESPIPE");
    if (offOut !== null && !(out instanceof VnodeFile)) fail("EINVAL");
    if (out instanceof VnodeFile && out.flags & O_APPEND) fail("EINVAL");
    if (!(out instanceof VnodeFile) && !(out instanceof Socket)) fail("EINVAL");
    nonblock ||= ipipe.nonblocking;
    if (!(await waitForData(ipipe, nonblock, syscall))) return { n: 0, offIn, offOut };
    const file = out instanceof VnodeFile ? out : null;
    const pos = offOut ?? file?.pos ?? 0;
    const data = ipipe.pipe.peek(len);
    const n = await writeSink(out, pos, data, (flags & SPLICE_F_MORE) !== 0, syscall);
    ipipe.pipe.consume(n);
    if (offOut !== null) offOut += n;
    else if (file) file.pos += n;
    return { n, offIn, offOut };
  }
  if (opipe) {
    if (offOut !== null) fail("ESPIPE");
    if (offIn !== null && !(inp instanceof VnodeFile)) fail("EINVAL");
    nonblock ||= opipe.nonblocking;
    const file = inp instanceof VnodeFile ? inp : null;
    const pos = offIn ?? file?.pos ?? 0;
    let data: Uint8Array | null = null;
    while (data === null) {
      await waitForSpace(opipe, nonblock, syscall);
      // No room, or no reader left (then waitForSpace says EPIPE), leaves the source untouched.
      data = await readSource(inp, pos, () => (opipe.pipe.readers === 0 ? 0 : Math.min(len, opipe.pipe.freePageBytes)), syscall);
    }
    const n = opipe.pipe.spliceIn(data);
    if (offIn !== null) offIn += n;
    else if (file) file.pos += n;
    return { n, offIn, offOut };
  }
  return fail("EINVAL");
}

/** The result of sendfile: bytes sent and the updated offset (null when none was given). */
export interface SendfileResult {
  n: number;
  offset: number | null;
}

/**
 * sendfile(2) on resolved open files: from a regular file into a socket,
 * a pipe or another file (see the module comment for the checks).
 */
export async function sendfile(out: OpenFile, inp: OpenFile, offset: number | null, count: number, syscall = "sendfile"): Promise<SendfileResult> {
  if (!readable(inp)) throw new SysError("EBADF", syscall);
  if (offset !== null && offset < 0) throw new SysError("EINVAL", syscall);
  if (!writable(out)) throw new SysError("EBADF", syscall);
  // A regular file or /dev/zero (measured on 6.18); /dev/null, a directory, a pipe or a socket: EINVAL.
  if (!(inp instanceof VnodeFile) || !(inp.inode.type === "reg" || (inp.inode.type === "chr" && inp.inode.dev === "zero"))) {
    throw new SysError("EINVAL", syscall);
  }
  if (out instanceof VnodeFile && out.flags & O_APPEND) throw new SysError("EINVAL", syscall);
  const file = inp;
  let pos = offset ?? file.pos;
  const regular = file.inode.type === "reg";
  const done = (n: number): SendfileResult => {
    if (offset === null && regular) file.pos = pos; // /dev/zero's position stays 0
    return { n, offset: offset === null ? null : pos };
  };
  if (count === 0) return done(0);
  if (out instanceof PipeEnd) {
    await waitForSpace(out, out.nonblocking, syscall);
    const data = file.readAt(pos, Math.min(count, out.pipe.freePageBytes)) as Uint8Array;
    const n = out.pipe.spliceIn(data);
    pos += n;
    return done(n);
  }
  let sent = 0;
  while (sent < count) {
    const chunk = file.readAt(pos, Math.min(PIPE_SIZE, count - sent)) as Uint8Array;
    if (chunk.length === 0) break;
    const last = sent + chunk.length >= count || (regular && pos + chunk.length >= file.size);
    let n: number;
    try {
      n = await writeSink(out, out instanceof VnodeFile ? out.pos : 0, chunk, !last, syscall);
    } catch (e) {
      if (sent > 0 && e instanceof SysError) break; // what was sent is the result; the error stays for the next call
      throw e;
    }
    if (out instanceof VnodeFile) out.pos += n;
    pos += n;
    sent += n;
    if (n < chunk.length) break;
  }
  return done(sent);
}
