/**
 * `nodeOn(host)`: Node's `net`, `dgram`, `dns`, `http`, `tls`, `https` and undici's `fetch` bound to a simulated host.
 */
import type { Host } from "../../host/host.js";
import { FacadeContext } from "./context.js";
import { createDns, type SimDns } from "./dns.js";
import { createDgram, type SimDgram } from "./dgram.js";
import { createNet, type SimNet } from "./net.js";
import { createFetch, createHttp, type SimFetch, type SimFetchBinding, type SimHttp } from "./http.js";
import { createHttps, createTls, type SimHttps, type SimTls } from "./tls.js";
import { createHttp2, type SimHttp2 } from "./http2.js";
import { runOn } from "./intercept.js";
import { createWebSocket, type SimWebSocketClass } from "./websocket.js";

/** What {@link nodeOn} returns: the façade modules of one host. */
export interface NodeOn {
  /** Node's `net` on the host. */
  net: SimNet;
  /** Node's `dgram` on the host (udp4). */
  dgram: SimDgram;
  /** Node's `dns` on the host (the network's hosts table). */
  dns: SimDns;
  /** Node's own `http`, its sockets made through `net` (servers via 'connection', clients via an Agent's createConnection). */
  http: SimHttp;
  /** Node's own `tls` over façade sockets (`connect`, `createServer`, `TLSSocket`). */
  tls: SimTls;
  /** Node's own `https`: servers on the host, an Agent whose connections are TLS over façade sockets. */
  https: SimHttps;
  /** Node's own `http2` over façade sockets (`connect`, `createServer`, `createSecureServer`). */
  http2: SimHttp2;
  /** undici's `fetch` with a dispatcher whose connections are façade sockets (http: only). */
  fetch: SimFetch;
  /** The undici Agent behind `fetch` (`await fetchAgent.close()` drops its kept-alive connections). */
  fetchAgent: SimFetchBinding;
  /** The `ws` package's WebSocket client over façade sockets (`ws:` and `wss:`; loaded at first use, needs `ws`). */
  readonly WebSocket: SimWebSocketClass;
  /** The shared context (the host and the façade's process, `ctx.proc`, whose fd table holds the sockets). */
  ctx: FacadeContext;
  /**
   * Interception: runs `fn` with Node's own `net`, `http`, `https`, `tls`,
   * `dns`, `dgram`, `http2` and global `fetch` bound to this host for `fn`
   * and everything it starts (AsyncLocalStorage); code outside keeps the
   * real ones. Returns what `fn` returns.
   * @example
   * declare const api: Host; // given: a simulated host
   * declare function startMyApp(): void; // given: code that uses node:http, node:net, fetch…
   * nodeOn(api).run(() => startMyApp());
   */
  run<T>(fn: () => T): T;
}

const bound = new WeakMap<Host, NodeOn>();

/**
 * Node's network modules bound to `host`: sockets made through them live
 * in the host's simulated kernel (one process named `node` owns their
 * fds). Calling it again for the same host returns the same modules.
 * @example
 * const { net } = nodeOn(server);
 * net.createServer((s) => s.pipe(s)).listen(7);
 */
export function nodeOn(host: Host): NodeOn {
  let m = bound.get(host);
  if (!m) {
    const ctx = new FacadeContext(host);
    const net = createNet(ctx);
    const fetchAgent = createFetch(net);
    const on: NodeOn = {
      net, dgram: createDgram(ctx), dns: createDns(ctx), http: createHttp(net), tls: createTls(net), https: createHttps(net), http2: createHttp2(net),
      fetch: fetchAgent.fetch, fetchAgent, ctx,
      run: (fn) => runOn(on, fn),
      get WebSocket() {
        const W = createWebSocket(net, on.tls);
        Object.defineProperty(on, "WebSocket", { value: W, enumerable: true });
        return W;
      },
    };
    m = on;
    bound.set(host, m);
  }
  return m;
}
