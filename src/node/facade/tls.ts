/**
 * Node's `tls` and `https` over the façade: TLS is Node's own (OpenSSL
 * through `tls.TLSSocket`, which runs over any Duplex), its records carried
 * by façade TCP sockets on the simulated network.
 * - `tls.connect(options)` opens a façade socket to `host:port` and starts
 *   Node's TLS client over it (`tls.connect({ ...options, socket })`);
 *   given `options.socket`, it is Node's `tls.connect` unchanged.
 * - `tls.createServer`/`https.createServer` are Node's servers whose
 *   `listen` binds on the simulated host (server-bridge.ts); each accepted
 *   façade socket goes through Node's own TLS connection listener.
 * - `https.request`/`get` go through an `https.Agent` whose connections are
 *   façade sockets under Node's TLS (session reuse, SNI, ALPN are Node's).
 *
 * Not deterministic: OpenSSL draws the handshake's randomness (client and
 * server random, key shares, session tickets) from the real system RNG,
 * so the bytes of TLS records differ from run to run; their sizes and
 * timing do not (docs/node.md, "TLS and determinism").
 */
import * as tls from "node:tls";
import * as https from "node:https";
import type * as http from "node:http";
import type { Duplex } from "node:stream";
import type { SimNet, SimConnectOptions } from "./net.js";
import { onFacade } from "./server-bridge.js";
import { agentConnectOptions, dateFromGlobalClock, httpPreClose, withAgent } from "./http.js";
import { patchTlsSocketInit } from "./tls-socket-patch.js";

type AnyFn = (...args: unknown[]) => unknown;

/** Options of {@link SimTls.connect}: Node's `tls.ConnectionOptions` (TCP part as the façade's `net.connect`). */
export type SimTlsConnectOptions = tls.ConnectionOptions & Partial<SimConnectOptions>;

/** The `tls` module bound to one simulated host (what `nodeOn(host).tls` is). */
export interface SimTls {
  /** `connect(options[, cb])`, `connect(port[, host][, options][, cb])`: a TLS client over a façade socket. */
  connect(...args: unknown[]): tls.TLSSocket;
  /** A `tls.Server` that listens on the simulated host. */
  createServer(options?: tls.TlsOptions | ((s: tls.TLSSocket) => void), listener?: (s: tls.TLSSocket) => void): tls.Server;
  /** `tls.Server`, listening on the simulated host. */
  Server: typeof tls.Server;
  /** Node's own `tls.TLSSocket` (it runs over any Duplex: `new TLSSocket(facadeSocket, { isServer: true, … })`). */
  TLSSocket: typeof tls.TLSSocket;
  createSecureContext: typeof tls.createSecureContext;
  checkServerIdentity: typeof tls.checkServerIdentity;
  getCiphers: typeof tls.getCiphers;
  rootCertificates: typeof tls.rootCertificates;
  DEFAULT_MIN_VERSION: tls.SecureVersion;
  DEFAULT_MAX_VERSION: tls.SecureVersion;
  DEFAULT_ECDH_CURVE: string;
}

/** Node's `tls.connect` argument forms, normalised. */
function normalizeTlsArgs(args: unknown[]): [SimTlsConnectOptions, AnyFn | undefined] {
  const a = [...args];
  const cb = typeof a[a.length - 1] === "function" ? (a.pop() as AnyFn) : undefined;
  if (a[0] !== null && typeof a[0] === "object") return [{ ...(a[0] as SimTlsConnectOptions) }, cb];
  const o: SimTlsConnectOptions = { port: a[0] as number };
  let i = 1;
  if (typeof a[1] === "string") {
    o.host = a[1];
    i = 2;
  }
  if (a[i] !== null && typeof a[i] === "object") Object.assign(o, a[i]);
  return [o, cb];
}

/** Builds the `tls` module over a façade `net`. */
export function createTls(net: SimNet): SimTls {
  patchTlsSocketInit();
  const connect = (...args: unknown[]): tls.TLSSocket => {
    const [o, cb] = normalizeTlsArgs(args);
    if (!o.socket) {
      if (o.path !== undefined) throw Object.assign(new Error("sockstack/node: Unix-domain (path) sockets are not supported by the façade"), { code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM" });
      const host = o.host ?? "localhost";
      o.socket = net.connect({
        port: o.port ?? 443,
        host,
        localAddress: o.localAddress,
        localPort: o.localPort,
        family: o.family,
        timeout: o.timeout,
        noDelay: o.noDelay,
        keepAlive: o.keepAlive,
        keepAliveInitialDelay: o.keepAliveInitialDelay,
        allowHalfOpen: true, // the transport under TLS; the TLSSocket has its own allowHalfOpen
      }) as unknown as Duplex;
      o.host = host;
    }
    return cb ? tls.connect(o, cb as () => void) : tls.connect(o);
  };
  class Server extends onFacade(tls.Server, net) {}
  return {
    connect,
    createServer: (options, listener) => (typeof options === "function" ? new Server(options) : new Server(options ?? {}, listener)),
    Server: Server as unknown as typeof tls.Server,
    TLSSocket: tls.TLSSocket,
    createSecureContext: tls.createSecureContext,
    checkServerIdentity: tls.checkServerIdentity,
    getCiphers: tls.getCiphers,
    rootCertificates: tls.rootCertificates,
    DEFAULT_MIN_VERSION: tls.DEFAULT_MIN_VERSION,
    DEFAULT_MAX_VERSION: tls.DEFAULT_MAX_VERSION,
    DEFAULT_ECDH_CURVE: tls.DEFAULT_ECDH_CURVE,
  };
}

/** The `https` module bound to one simulated host (what `nodeOn(host).https` is). */
export interface SimHttps {
  /** An `https.Server` that listens on the simulated host. */
  Server: typeof https.Server;
  /** An `https.Agent` whose connections are Node's TLS over façade sockets. */
  Agent: typeof https.Agent;
  /** The agent `request`/`get` use by default (keep-alive, as Node's https.globalAgent). */
  globalAgent: https.Agent;
  createServer: typeof https.createServer;
  request: typeof https.request;
  get: typeof https.get;
}

/** Builds the `https` module over a façade `net`. */
export function createHttps(net: SimNet): SimHttps {
  patchTlsSocketInit();
  class Server extends onFacade(https.Server, net, httpPreClose) {
    constructor(...args: unknown[]) {
      super(...(args as []));
      dateFromGlobalClock(this as unknown as http.Server);
    }
  }
  class Agent extends https.Agent {
    /** Node's https.Agent#createConnection (TLS session cache included) over a façade TCP socket. */
    override createConnection(options: http.ClientRequestArgs): Duplex {
      const o = options as http.ClientRequestArgs & tls.ConnectionOptions;
      const raw = net.connect({ ...agentConnectOptions(options, 443), allowHalfOpen: true }); // half-open: the transport under TLS
      // https.Agent's createConnection is on the prototype (not in @types/node's declaration).
      const base = (https.Agent.prototype as unknown as { createConnection(o: unknown): Duplex }).createConnection;
      return base.call(this, { ...o, socket: raw });
    }
  }
  const globalAgent = new Agent({ keepAlive: true, scheduling: "lifo", timeout: 5000 });
  const request = ((...args: unknown[]) => (https.request as unknown as AnyFn)(...withAgent(args, globalAgent, () => new Agent()))) as typeof https.request;
  const get = ((...args: unknown[]) => {
    const req = request(...(args as Parameters<typeof https.request>));
    req.end();
    return req;
  }) as typeof https.get;
  const createServer = ((...args: unknown[]) => new (Server as unknown as new (...a: unknown[]) => https.Server)(...args)) as typeof https.createServer;
  return { Server: Server as unknown as typeof https.Server, Agent: Agent as unknown as typeof https.Agent, globalAgent, createServer, request, get };
}
