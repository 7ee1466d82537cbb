/**
 * What the interop servers (echo, discard, http) share: a handle to stop
 * them and per-connection statistics, with a SHA-256 of the bytes received
 * so tests compare transfers byte-exactly without keeping them.
 */
import { createHash, type Hash } from "node:crypto";
import type { Host } from "../../host/host.js";
import { sockaddrIn, sockaddrIn6 } from "../../socket/sockaddr.js";
import type { Process } from "../../sys/process.js";

/** Transport of a server. */
export type AppProto = "tcp" | "udp";

/** Address family a server listens in: `AF_INET` on 0.0.0.0, `AF_INET6` on `::` (default `AF_INET`). */
export type AppFamily = "AF_INET" | "AF_INET6";

/** The wildcard sockaddr of a family. */
export function anyAddr(family: AppFamily, port: number): ReturnType<typeof sockaddrIn> | ReturnType<typeof sockaddrIn6> {
  return family === "AF_INET6" ? sockaddrIn6("::", port) : sockaddrIn("0.0.0.0", port);
}

/** One finished (or running) connection, or one UDP peer. */
export interface ConnRecord {
  /** `198.18.0.1:41234`, `[2001:2::1]:41234` */
  peer: string;
  bytesIn: number;
  bytesOut: number;
  /** Hex SHA-256 of the bytes received (set when the connection ends). */
  sha256In: string;
  /** How it ended: `eof` (peer half-closed), `error:ECONNRESET`, or `open`. */
  end: string;
}

/** Live statistics of a server. */
export interface ServerStats {
  connections: number;
  active: number;
  bytesIn: number;
  bytesOut: number;
  /** Finished connections, oldest first (bounded to the last 1000). */
  done: ConnRecord[];
}

/** A running server. */
export interface ServerHandle {
  readonly port: number;
  readonly proto: AppProto;
  readonly stats: ServerStats;
  /** The server's process. */
  readonly process: Process;
  /** Resolves when the next connection finishes (for tests). */
  nextDone(): Promise<ConnRecord>;
  /** Closes the listening socket and every connection. */
  stop(): Promise<void>;
}

/** Incremental accounting of one connection. */
export class ConnMeter {
  readonly record: ConnRecord;
  #hash: Hash = createHash("sha256");

  constructor(peer: string) {
    this.record = { peer, bytesIn: 0, bytesOut: 0, sha256In: "", end: "open" };
  }

  /** Counts and hashes received bytes. */
  in(data: Uint8Array): void {
    this.record.bytesIn += data.length;
    this.#hash.update(data);
  }

  /** Finalises the record. */
  finish(end: string): ConnRecord {
    this.record.end = end;
    this.record.sha256In = this.#hash.digest("hex");
    return this.record;
  }
}

/** Shared bookkeeping for the servers: stats, waiters, open fds, stop. */
export class ServerBase implements ServerHandle {
  readonly stats: ServerStats = { connections: 0, active: 0, bytesIn: 0, bytesOut: 0, done: [] };
  readonly process: Process;
  /** fds to close on stop (the listener first). */
  readonly fds = new Set<number>();
  stopping = false;
  #waiters: ((r: ConnRecord) => void)[] = [];

  constructor(host: Host, name: string, readonly port: number, readonly proto: AppProto, readonly family: AppFamily = "AF_INET") {
    this.process = host.createProcess(name);
  }

  nextDone(): Promise<ConnRecord> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Records a finished connection and wakes {@link nextDone} waiters. */
  finished(r: ConnRecord): void {
    const d = this.stats.done;
    d.push(r);
    if (d.length > 1000) d.shift();
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f(r);
  }

  /**
   * Listens on the family's wildcard address, port `port` (SO_REUSEADDR, backlog 128) and runs `serve` for
   * each accepted connection, with the bookkeeping every server shares: the
   * fd is closed afterwards, and the connection is recorded as `eof`, or as
   * `error:<errno>` when `serve` throws.
   */
  serveTcp(serve: (fd: number, meter: ConnMeter) => Promise<void>): void {
    const p = this.process;
    const lfd = p.socket(this.family, "SOCK_STREAM");
    this.fds.add(lfd);
    p.setsockopt(lfd, "SOL_SOCKET", "SO_REUSEADDR", 1);
    p.bind(lfd, anyAddr(this.family, this.port));
    p.listen(lfd, 128);
    void (async () => {
      while (!this.stopping) {
        let c: { fd: number; addr: unknown };
        try {
          c = await p.accept(lfd);
        } catch (e) {
          if (this.stopping) return;
          throw e;
        }
        this.stats.connections++;
        this.stats.active++;
        this.fds.add(c.fd);
        void this.#serveOne(c.fd, new ConnMeter(peerText(c.addr)), serve);
      }
    })();
  }

  async #serveOne(fd: number, m: ConnMeter, serve: (fd: number, meter: ConnMeter) => Promise<void>): Promise<void> {
    let end = "eof";
    try {
      await serve(fd, m);
    } catch (e) {
      end = `error:${errText(e)}`;
    }
    this.stats.active--;
    if (this.fds.delete(fd)) await this.process.close(fd).catch(() => {});
    this.finished(m.finish(end));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const fd of [...this.fds]) {
      this.fds.delete(fd);
      await this.process.close(fd).catch(() => {});
    }
    await this.process.exit(0);
  }
}

/** Sends all of `data` (send may accept less: E3). */
export async function sendAll(p: Process, fd: number, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await p.send(fd, off === 0 ? data : data.subarray(off));
}

/** `addr:port` (`[addr]:port` for IPv6) of a sockaddr from accept/recvfrom. */
export function peerText(a: unknown): string {
  const x = a as { addr?: string; port?: number } | null;
  if (!x || x.addr === undefined) return "?";
  return x.addr.includes(":") ? `[${x.addr}]:${x.port}` : `${x.addr}:${x.port}`;
}

/** The errno code of an error (`ECONNRESET`), or its message. */
export function errText(e: unknown): string {
  const x = e as { code?: string; message?: string };
  return x?.code ?? x?.message ?? String(e);
}
