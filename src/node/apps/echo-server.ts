/**
 * An echo server (RFC 862) over sockstack syscalls, TCP or UDP. TCP: every
 * byte received is sent back; when the client half-closes (EOF), the server
 * closes its side after echoing everything, so the client reads all its
 * bytes and then EOF. UDP: each datagram goes back to its sender.
 */
import type { Host } from "../../host/host.js";
import { ServerBase, anyAddr, errText, sendAll, type AppFamily, type AppProto, type ServerHandle } from "./app-server.js";

/** Options of {@link startEchoServer}. */
export interface EchoServerOptions {
  port: number;
  proto?: AppProto;
  /** `AF_INET` (0.0.0.0, the default) or `AF_INET6` (`::`, dual-stack). */
  family?: AppFamily;
  /** Receive chunk size (default 65536). */
  chunk?: number;
}

/**
 * Starts an echo server on `host` (bound to 0.0.0.0:port, or [::]:port for `AF_INET6`).
 * @example
 * const srv = startEchoServer(host, { port: 7 });
 * // … clients connect …
 * await srv.stop();
 */
export function startEchoServer(host: Host, o: EchoServerOptions): ServerHandle {
  const proto = o.proto ?? "tcp";
  const chunk = o.chunk ?? 65536;
  const family = o.family ?? "AF_INET";
  const s = new ServerBase(host, `echo-${proto}`, o.port, proto, family);
  const p = s.process;
  if (proto === "udp") {
    const fd = p.socket(family, "SOCK_DGRAM");
    s.fds.add(fd);
    p.bind(fd, anyAddr(family, o.port));
    void (async () => {
      while (!s.stopping) {
        try {
          const { data, addr } = await p.recvfrom(fd, 65535);
          s.stats.connections++; // datagrams, for UDP
          s.stats.bytesIn += data.length;
          await p.sendto(fd, data, 0, addr);
          s.stats.bytesOut += data.length;
        } catch (e) {
          if (s.stopping) return;
          if (errText(e) === "ECONNREFUSED") continue;
          throw e;
        }
      }
    })();
    return s;
  }
  s.serveTcp(async (fd, m) => {
    for (;;) {
      const data = await p.recv(fd, chunk);
      if (data.length === 0) return;
      m.in(data);
      s.stats.bytesIn += data.length;
      await sendAll(p, fd, data);
      m.record.bytesOut += data.length;
      s.stats.bytesOut += data.length;
    }
  });
  return s;
}
