/**
 * An echo server (RFC 862) over sockstack syscalls, TCP or UDP. TCP: every
 * byte received is sent back; when the client half-closes (EOF), the server
 * closes its side after echoing everything, so the client reads all its
 * bytes and then EOF. UDP: each datagram goes back to its sender.
 */
import type { Host } from "../../host/host.js";
import { sockaddrIn } from "../../socket/sockaddr.js";
import { ConnMeter, ServerBase, errText, peerText, sendAll, type AppProto, type ServerHandle } from "./app-server.js";

/** Options of {@link startEchoServer}. */
export interface EchoServerOptions {
  port: number;
  proto?: AppProto;
  /** Receive chunk size (default 65536). */
  chunk?: number;
}

/**
 * Starts an echo server on `host` (bound to 0.0.0.0:port).
 * @example const srv = startEchoServer(host, { port: 7 }); … await srv.stop();
 */
export function startEchoServer(host: Host, o: EchoServerOptions): ServerHandle {
  const proto = o.proto ?? "tcp";
  const chunk = o.chunk ?? 65536;
  const s = new ServerBase(host, `echo-${proto}`, o.port, proto);
  const p = s.process;
  if (proto === "udp") {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    s.fds.add(fd);
    p.bind(fd, sockaddrIn("0.0.0.0", o.port));
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
  const lfd = p.socket("AF_INET", "SOCK_STREAM");
  s.fds.add(lfd);
  p.setsockopt(lfd, "SOL_SOCKET", "SO_REUSEADDR", 1);
  p.bind(lfd, sockaddrIn("0.0.0.0", o.port));
  p.listen(lfd, 128);
  void (async () => {
    while (!s.stopping) {
      let c: { fd: number; addr: unknown };
      try {
        c = await p.accept(lfd);
      } catch (e) {
        if (s.stopping) return;
        throw e;
      }
      s.stats.connections++;
      s.stats.active++;
      s.fds.add(c.fd);
      const m = new ConnMeter(peerText(c.addr));
      void (async () => {
        let end = "eof";
        try {
          for (;;) {
            const data = await p.recv(c.fd, chunk);
            if (data.length === 0) break;
            m.in(data);
            s.stats.bytesIn += data.length;
            await sendAll(p, c.fd, data);
            m.record.bytesOut += data.length;
            s.stats.bytesOut += data.length;
          }
        } catch (e) {
          end = `error:${errText(e)}`;
        }
        s.stats.active--;
        if (s.fds.delete(c.fd)) await p.close(c.fd).catch(() => {});
        s.finished(m.finish(end));
      })();
    }
  })();
  return s;
}
