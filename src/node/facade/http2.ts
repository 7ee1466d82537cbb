/**
 * Node's own `http2` over the façade: sessions are Node's (nghttp2),
 * their transport a façade TCP socket (or Node's TLS over one, ALPN h2).
 * - `connect(authority[, options][, listener])` is Node's `http2.connect`
 *   with its `createConnection` hook opening a façade socket (`http:`) or
 *   a TLS socket over one (`https:`); Node wraps a transport without a
 *   native handle in its JS stream socket, as for any Duplex.
 * - `createServer`/`createSecureServer` make Node's `Http2Server`/
 *   `Http2SecureServer` whose `listen` binds on the simulated host and hands
 *   each accepted façade socket to Node's own connection listener.
 */
import * as http2 from "node:http2";
import * as tls from "node:tls";
import { isIP } from "node:net";
import type { Duplex } from "node:stream";
import type { SimNet } from "./net.js";
import { onFacade } from "./server-bridge.js";
import { patchTlsSocketInit } from "./tls-socket-patch.js";

type AnyFn = (...args: unknown[]) => unknown;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ServerCtor = abstract new (...args: any[]) => import("node:net").Server;

/** The `http2` module bound to one simulated host (what `nodeOn(host).http2` is). */
export interface SimHttp2 {
  /** `http2.connect` over a façade socket (TLS with ALPN h2 for `https:`). */
  connect: typeof http2.connect;
  /** An `Http2Server` (h2c) that listens on the simulated host. */
  createServer: typeof http2.createServer;
  /** An `Http2SecureServer` (h2 over Node's TLS) that listens on the simulated host. */
  createSecureServer: typeof http2.createSecureServer;
  constants: typeof http2.constants;
  getDefaultSettings: typeof http2.getDefaultSettings;
  getPackedSettings: typeof http2.getPackedSettings;
  getUnpackedSettings: typeof http2.getUnpackedSettings;
  sensitiveHeaders: typeof http2.sensitiveHeaders;
  Http2ServerRequest: typeof http2.Http2ServerRequest;
  Http2ServerResponse: typeof http2.Http2ServerResponse;
}

/**
 * Node's http2 server writes its `date` header from a wall clock captured
 * at load (as http's does: see `dateFromGlobalClock`), which would put the
 * real date into the HPACK bytes and break same seed, same packets. A
 * façade http2 server sets it from the global `Date` (the network's clock
 * under virtual timers) when a stream responds without one, unless
 * `sendDate: false` is asked — for the core API and the compatibility
 * API (which responds through the stream) alike.
 */
export function http2DateFromGlobalClock(server: import("node:net").Server): void {
  server.prependListener("stream", (stream: http2.ServerHttp2Stream) => {
    const respond = stream.respond;
    stream.respond = function (this: http2.ServerHttp2Stream, headers?: http2.OutgoingHttpHeaders, options?: http2.ServerStreamResponseOptions & { sendDate?: boolean }) {
      if (options?.sendDate !== false && (headers === undefined || headers.date === undefined)) headers = { ...headers, date: new Date().toUTCString() };
      return respond.call(this, headers, options);
    };
  });
}

/** Builds the `http2` module over a façade `net`. */
export function createHttp2(net: SimNet): SimHttp2 {
  // Node does not export the server classes: take them from throwaway instances (no handle is made).
  const Plain = onFacade(http2.createServer().constructor as ServerCtor, net);
  const Secure = onFacade(http2.createSecureServer().constructor as ServerCtor, net);
  const make = <S extends import("node:net").Server>(C: unknown, args: unknown[]): S => {
    const s = new (C as new (...a: unknown[]) => S)(...normalizeServerArgs(args));
    http2DateFromGlobalClock(s);
    return s;
  };
  const connect = ((authority: string | URL, ...rest: unknown[]) => {
    const listener = typeof rest[rest.length - 1] === "function" ? (rest.pop() as AnyFn) : undefined;
    const options = { ...((rest[0] as http2.SecureClientSessionOptions | undefined) ?? {}) };
    if (!options.createConnection) {
      options.createConnection = (url: URL, o: http2.SecureClientSessionOptions): Duplex => {
        const secure = url.protocol === "https:";
        const host = o.host ?? url.hostname;
        const port = Number(o.port ?? (url.port || (secure ? 443 : 80)));
        const raw = net.connect({ host, port, noDelay: true, allowHalfOpen: secure, localAddress: (o as { localAddress?: string }).localAddress });
        if (!secure) return raw;
        patchTlsSocketInit();
        const servername = o.servername ?? (isIP(host) ? undefined : host);
        return tls.connect({ ...o, ALPNProtocols: ["h2"], servername, host, port, socket: raw });
      };
    }
    return listener ? http2.connect(authority, options, listener as () => void) : http2.connect(authority, options);
  }) as typeof http2.connect;
  return {
    connect,
    createServer: ((...args: unknown[]) => make<http2.Http2Server>(Plain, args)) as typeof http2.createServer,
    createSecureServer: ((...args: unknown[]) => make<http2.Http2SecureServer>(Secure, args)) as typeof http2.createSecureServer,
    constants: http2.constants,
    getDefaultSettings: http2.getDefaultSettings,
    getPackedSettings: http2.getPackedSettings,
    getUnpackedSettings: http2.getUnpackedSettings,
    sensitiveHeaders: http2.sensitiveHeaders,
    Http2ServerRequest: http2.Http2ServerRequest,
    Http2ServerResponse: http2.Http2ServerResponse,
  };
}

/** `(options?, listener?)` as Node's createServer takes them: `[options, listener]`. */
function normalizeServerArgs(args: unknown[]): [object, AnyFn | undefined] {
  if (typeof args[0] === "function") return [{}, args[0] as AnyFn];
  return [(args[0] as object | undefined) ?? {}, args[1] as AnyFn | undefined];
}
