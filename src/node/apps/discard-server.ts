/**
 * A discard server (RFC 863) over sockstack syscalls, TCP or UDP: reads
 * and throws away, counting and hashing what arrived per connection (the
 * interop tests compare the SHA-256 with what the kernel side sent). TCP:
 * closes on EOF.
 */
import type { Host } from "../../host/host.js";
import { ServerBase, anyAddr, type AppFamily, type AppProto, type ServerHandle } from "./app-server.js";

/** Options of {@link startDiscardServer}. */
export interface DiscardServerOptions {
  port: number;
  proto?: AppProto;
  /** `AF_INET` (0.0.0.0, the default) or `AF_INET6` (`::`, dual-stack). */
  family?: AppFamily;
}

/**
 * Starts a discard server on `host` (bound to 0.0.0.0:port, or [::]:port for `AF_INET6`).
 * @example const srv = startDiscardServer(host, { port: 9 }); const rec = await srv.nextDone();
 */
export function startDiscardServer(host: Host, o: DiscardServerOptions): ServerHandle {
  const proto = o.proto ?? "tcp";
  const family = o.family ?? "AF_INET";
  const s = new ServerBase(host, `discard-${proto}`, o.port, proto, family);
  const p = s.process;
  if (proto === "udp") {
    const fd = p.socket(family, "SOCK_DGRAM");
    s.fds.add(fd);
    p.setsockopt(fd, "SOL_SOCKET", "SO_RCVBUF", 4 << 20);
    p.bind(fd, anyAddr(family, o.port));
    void (async () => {
      while (!s.stopping) {
        try {
          const { data } = await p.recvfrom(fd, 65535);
          s.stats.connections++; // datagrams, for UDP
          s.stats.bytesIn += data.length;
        } catch (e) {
          if (s.stopping) return;
          throw e;
        }
      }
    })();
    return s;
  }
  s.serveTcp(async (fd, m) => {
    for (;;) {
      const data = await p.recv(fd, 262144);
      if (data.length === 0) return;
      m.in(data);
      s.stats.bytesIn += data.length;
    }
  });
  return s;
}
