/**
 * `nodeOn(host).WebSocket`: the `ws` package's client (an optional peer
 * dependency, loaded at first use) whose connections are façade sockets —
 * `ws:` over `net`, `wss:` over Node's TLS on a façade socket. Node 20 has
 * no global `WebSocket` without `--experimental-websocket` (and its
 * undici-based one takes no socket hook), so the façade offers ws's.
 * Servers need nothing special: `new WebSocketServer({ server })` on a
 * façade http server, or `{ noServer: true }` with its `'upgrade'` event.
 */
import { createRequire } from "node:module";
import { isIP } from "node:net";
import type { Duplex } from "node:stream";
import type { SimNet } from "./net.js";
import type { SimTls } from "./tls.js";

type WsModule = typeof import("ws");
/** The `ws` package's client class (the type of `nodeOn(host).WebSocket`). */
export type SimWebSocketClass = WsModule["WebSocket"];

/** Loads `ws` (an optional peer dependency: only `WebSocket` needs it). */
function loadWs(): WsModule {
  try {
    return createRequire(import.meta.url)("ws") as WsModule;
  } catch (e) {
    throw Object.assign(new Error("sockstack/node: WebSocket needs the ws package (npm install -D ws)", { cause: e }), { code: "ERR_MODULE_NOT_FOUND" });
  }
}

/**
 * A `ws` WebSocket class whose connections open on the façade (unless the
 * caller passes its own `createConnection`): `new WebSocket("ws://api/chat")`.
 */
export function createWebSocket(net: SimNet, tls: SimTls): SimWebSocketClass {
  const ws = loadWs();
  const connect = (secure: boolean) => (o: { host: string; port: number | string; servername?: string } & Record<string, unknown>): Duplex => {
    const port = Number(o.port);
    if (secure) {
      return tls.connect({ ...o, path: undefined, port, servername: o.servername || (isIP(o.host) ? undefined : o.host) });
    }
    return net.connect({ host: o.host, port, localAddress: o.localAddress as string | undefined, family: o.family as number | undefined });
  };
  class WebSocket extends ws.WebSocket {
    constructor(address: string | URL, protocols?: unknown, options?: Record<string, unknown>) {
      if (protocols !== null && typeof protocols === "object" && !Array.isArray(protocols)) {
        options = protocols as Record<string, unknown>;
        protocols = undefined;
      }
      const secure = /^(wss|https):$/.test(new URL(String(address)).protocol);
      const o = { ...options, createConnection: options?.createConnection ?? connect(secure) };
      if (protocols === undefined) super(address, o as object);
      else super(address, protocols as string | string[], o as object);
    }
  }
  return WebSocket as unknown as SimWebSocketClass;
}
