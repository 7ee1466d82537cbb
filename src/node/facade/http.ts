/**
 * Node's own `http` (and undici's `fetch`) driven through the `net`
 * façade, with the hooks Node and undici offer for it:
 * - servers are unmodified `http.Server`s whose `listen` opens a façade
 *   listener and feeds each accepted socket to the server's
 *   `'connection'` event (what Node does with its own sockets);
 * - clients go through an `http.Agent` whose `createConnection` opens a
 *   façade socket; `request`/`get` use it unless given another agent;
 * - `fetch` is undici's, with an undici `Agent` whose `connect` opens a
 *   façade socket.
 * Parsing, keep-alive, chunking and every header are Node's and undici's
 * code, unchanged.
 */
import * as http from "node:http";
import * as tls from "node:tls";
import { isIP } from "node:net";
import { clearInterval as nativeClearInterval } from "node:timers";
import { createRequire } from "node:module";
import type { Agent as UndiciAgent, fetch as undiciFetch } from "undici";
import type { Duplex } from "node:stream";
import { holdVirtualTime } from "../../sim/virtual-driver.js";
import type { SimConnectOptions, SimNet } from "./net.js";
import { onFacade } from "./server-bridge.js";
import { patchTlsSocketInit } from "./tls-socket-patch.js";

type AnyFn = (...args: unknown[]) => unknown;

/** The `http` module bound to one simulated host (what `nodeOn(host).http` is). */
export interface SimHttp {
  /** An `http.Server` that listens on the simulated host. */
  Server: typeof http.Server;
  /** An `http.Agent` whose connections are façade sockets. */
  Agent: typeof http.Agent;
  /** The agent `request`/`get` use by default (keep-alive, as Node 20's globalAgent). */
  globalAgent: http.Agent;
  createServer: typeof http.createServer;
  request: typeof http.request;
  get: typeof http.get;
  METHODS: string[];
  STATUS_CODES: typeof http.STATUS_CODES;
  IncomingMessage: typeof http.IncomingMessage;
  ServerResponse: typeof http.ServerResponse;
  OutgoingMessage: typeof http.OutgoingMessage;
  ClientRequest: typeof http.ClientRequest;
}

const kCheckingInterval = "http.server.connectionsCheckingInterval";

/**
 * Node's http server writes its `Date` header from a wall clock it
 * captured at load (`primordials.Date`), which virtual timers cannot
 * replace: the response bytes then depend on the real date, and the same
 * seed no longer gives the same packets. A façade server writes the header
 * from the global `Date` instead — the network's clock under
 * `virtualTimers`, the real one otherwise (as Node). The line goes where
 * Node puts its own (after the application's headers); its time is the
 * request's arrival (Node's is when the head is written). A response that
 * sets its own `Date`, or `sendDate = false`, is left alone.
 */
export function dateFromGlobalClock(server: http.Server): void {
  const sym = Object.getOwnPropertySymbols(server).find((k) => k.description === "ServerResponse");
  const slots = server as unknown as Record<symbol, typeof http.ServerResponse>;
  if (!sym || !slots[sym]) {
    // Not Node 20's layout: per request, at a cost (a listener per response).
    server.prependListener("request", (_req: http.IncomingMessage, res: http.ServerResponse) => {
      if (res.sendDate) res.setHeader("Date", virtualDate());
    });
    return;
  }
  // Node constructs every response from server[kServerResponse] (the ServerResponse option):
  // a subclass there costs nothing per request beyond the header itself.
  slots[sym] = datedResponse(slots[sym]);
}

const kOurDate = Symbol("ourDate");

/** Node's symbols of an OutgoingMessage: kUniqueHeaders (the `uniqueHeaders` option) and kOutHeaders (its header map), found when first needed. */
const nodeSymbols = new Map<string, symbol>();
function nodeSymbol(res: http.ServerResponse, description: string): symbol | undefined {
  let sym = nodeSymbols.get(description);
  if (!sym) {
    sym = Object.getOwnPropertySymbols(res).find((k) => k.description === description);
    if (sym) nodeSymbols.set(description, sym);
  }
  return sym;
}

/**
 * The lines Node's processHeader writes for one header: an array value is
 * one line per element, except a Cookie of two or more values or a header
 * of the response's `uniqueHeaders` (joined into one line); -1 for a
 * `Date` (the application's own, which Node then does not add).
 */
function headerLines(res: http.ServerResponse, key: unknown, value: unknown): number {
  const name = String(key);
  if (name.length === 4 && name.toLowerCase() === "date") return -1;
  if (!Array.isArray(value)) return 1;
  if (value.length >= 2 && name.length === 6 && name.toLowerCase() === "cookie") return 1;
  const sym = nodeSymbol(res, "kUniqueHeaders");
  const unique = sym ? (res as unknown as Record<symbol, Set<string> | null | undefined>)[sym] : null;
  return unique?.has(name.toLowerCase()) ? 1 : value.length;
}

/**
 * How many header lines Node's `_storeHeader` writes for the application's
 * headers — its `headers` argument: nothing, Node's null-prototype map of
 * `[name, value]` (the response's own), a plain object, or an array of
 * pairs or of alternating names and values — or -1 when they include a
 * `Date`. Plain loops: this runs for every response.
 */
function userHeaderLines(headers: unknown, res: http.ServerResponse): number {
  if (headers === null || headers === undefined) return 0;
  let n = 0, k: number;
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) {
      for (const e of headers as [unknown, unknown][]) {
        if ((k = headerLines(res, e[0], e[1])) < 0) return -1;
        n += k;
      }
    } else {
      for (let i = 0; i + 1 < headers.length; i += 2) {
        if ((k = headerLines(res, headers[i], headers[i + 1])) < 0) return -1;
        n += k;
      }
    }
    return n;
  }
  const h = headers as Record<string, unknown>;
  // The response's own map (key → [name, value]) or an object of the caller's (name → value).
  const own = Object.getPrototypeOf(h) === null ? nodeSymbol(res, "kOutHeaders") : undefined;
  const entries = own !== undefined && (res as unknown as Record<symbol, unknown>)[own] === h;
  for (const key in h) {
    if (!entries && !Object.hasOwn(h, key)) continue;
    const v = h[key];
    if ((k = entries ? headerLines(res, (v as unknown[])[0], (v as unknown[])[1]) : headerLines(res, key, v)) < 0) return -1;
    n += k;
  }
  return n;
}
const dated = new WeakMap<typeof http.ServerResponse, typeof http.ServerResponse>();

/** `Base` with the Date header set from the global clock at construction, and `sendDate = false` still honoured. */
function datedResponse(Base: typeof http.ServerResponse): typeof http.ServerResponse {
  let C = dated.get(Base);
  if (C) return C;
  class DatedResponse extends Base {
    declare [kOurDate]: string;
    constructor(...args: ConstructorParameters<typeof http.ServerResponse>) {
      super(...args);
      this[kOurDate] = virtualDate(); // the instant the request arrived
      // An own property, not a prototype method: express and others swap the response's prototype.
      (this as unknown as { _storeHeader: typeof datedStoreHeader })._storeHeader = datedStoreHeader;
    }
  }
  C = DatedResponse as unknown as typeof http.ServerResponse;
  dated.set(Base, C);
  return C;
}

const nodeStoreHeader = (http.OutgoingMessage.prototype as unknown as { _storeHeader(this: unknown, firstLine: string, headers: unknown): void })._storeHeader;

/**
 * Node's `_storeHeader` without its own Date line, then the response's
 * virtual one where Node puts its own: after the application's headers,
 * before the ones Node adds itself (Connection, Keep-Alive,
 * Transfer-Encoding, Content-Length).
 */
function datedStoreHeader(this: http.ServerResponse & { [kOurDate]: string; _header: string }, firstLine: string, headers: unknown): void {
  if (!this.sendDate) return nodeStoreHeader.call(this, firstLine, headers);
  this.sendDate = false;
  try {
    nodeStoreHeader.call(this, firstLine, headers);
  } finally {
    this.sendDate = true;
  }
  const lines = userHeaderLines(headers, this);
  if (lines < 0) return; // the application's own Date
  const h = this._header;
  // Past the status line and the application's header lines.
  let at = h.indexOf("\r\n") + 2;
  for (let n = lines; n > 0 && at > 1; n--) at = h.indexOf("\r\n", at) + 2;
  if (at < 2) return;
  this._header = `${h.slice(0, at)}Date: ${this[kOurDate]}\r\n${h.slice(at)}`;
}

let dateCache = { sec: NaN, text: "" };
/** The HTTP date of the global clock (virtual under virtualTimers), cached per second as Node's own. */
function virtualDate(): string {
  const now = Date.now();
  const sec = Math.floor(now / 1000);
  if (sec !== dateCache.sec) dateCache = { sec, text: new Date(now).toUTCString() };
  return dateCache.text;
}

/** What `http.Server.close` does before `net.Server.close` (Node's httpServerPreClose), for http and https servers on the façade. */
export function httpPreClose(server: import("node:net").Server): void {
  const sym = Object.getOwnPropertySymbols(server).find((s) => s.description === kCheckingInterval);
  // Node armed it with the timers module's setInterval (native even under virtual timers).
  if (sym) nativeClearInterval((server as unknown as Record<symbol, ReturnType<typeof setInterval>>)[sym]);
  (server as http.Server).closeIdleConnections();
}

/**
 * `request(url[, options][, cb])` or `request(options[, cb])` arguments with
 * `agent` set to `globalAgent` unless the caller gave one (`agent: false`
 * gets a fresh agent from `fresh`, as Node makes a one-off agent).
 */
export function withAgent(args: unknown[], globalAgent: http.Agent, fresh: () => http.Agent): unknown[] {
  const a = [...args];
  const i = typeof a[0] === "string" || a[0] instanceof URL ? (a[1] !== null && typeof a[1] === "object" ? 1 : -1) : 0;
  if (i === -1) {
    a.splice(1, 0, { agent: globalAgent });
    return a;
  }
  const o = { ...(a[i] as Record<string, unknown>) };
  if (o.agent === undefined || o.agent === null) o.agent = globalAgent;
  else if (o.agent === false) o.agent = fresh();
  a[i] = o;
  return a;
}

/** Builds the `http` module over a façade `net`. */
export function createHttp(net: SimNet): SimHttp {
  class Server extends onFacade(http.Server, net, httpPreClose) {
    constructor(...args: unknown[]) {
      super(...(args as []));
      dateFromGlobalClock(this);
    }
  }

  class Agent extends http.Agent {
    /**
     * A façade socket for the request. Returned directly: Node's Agent then
     * uses it at once (its callback is only for asynchronous creation).
     */
    override createConnection(options: http.ClientRequestArgs): Duplex {
      return net.connect(agentConnectOptions(options, 80));
    }
  }
  // Agent#createConnection is declared on the prototype in @types/node with net.Socket's type.
  const globalAgent = new Agent({ keepAlive: true, scheduling: "lifo", timeout: 5000 });

  const request = ((...args: unknown[]) => (http.request as unknown as AnyFn)(...withAgent(args, globalAgent, () => new Agent()))) as typeof http.request;
  const get = ((...args: unknown[]) => {
    const req = request(...(args as Parameters<typeof http.request>));
    req.end();
    return req;
  }) as typeof http.get;
  const createServer = ((...args: unknown[]) => new (Server as unknown as new (...a: unknown[]) => http.Server)(...args)) as typeof http.createServer;

  return {
    Server: Server as unknown as typeof http.Server,
    Agent: Agent as unknown as typeof http.Agent,
    globalAgent,
    createServer,
    request,
    get,
    METHODS: http.METHODS,
    STATUS_CODES: http.STATUS_CODES,
    IncomingMessage: http.IncomingMessage,
    ServerResponse: http.ServerResponse,
    OutgoingMessage: http.OutgoingMessage,
    ClientRequest: http.ClientRequest,
  };
}

/** undici's `fetch` signature. */
export type SimFetch = (input: string | URL, init?: Parameters<typeof undiciFetch>[1]) => ReturnType<typeof undiciFetch>;

/** undici's `connect` option as a function (its `buildConnector.connector` type). */
export type UndiciConnect = import("undici").buildConnector.connector;

/**
 * undici's `connect` hook over the façade: plain TCP for `http:`, Node's
 * TLS over a façade socket for `https:` (`tlsOptions` as in
 * `tls.connect`: `ca`, `rejectUnauthorized`, `servername`…; ALPN offers
 * http/1.1 as undici does). Give it to any undici dispatcher:
 * `new Agent({ connect: facadeConnector(nodeOn(host).net, { ca }) })`.
 * @example
 * declare const undici: typeof import("undici"), cert: string;
 * const agent = new undici.Agent({ connect: facadeConnector(nodeOn(client).net, { ca: cert }) });
 * await fetch("https://api/", { dispatcher: agent });
 */
export function facadeConnector(net: SimNet, tlsOptions: import("node:tls").ConnectionOptions = {}): UndiciConnect {
  return (opts, cb) => {
    const https = opts.protocol === "https:";
    const s = net.connect({ host: opts.hostname, port: Number(opts.port || (https ? 443 : 80)), localAddress: opts.localAddress ?? undefined, noDelay: true, allowHalfOpen: https });
    let sock: import("node:net").Socket = s;
    let ready = "connect";
    if (https) {
      patchTlsSocketInit();
      const servername = opts.servername ?? tlsOptions.servername ?? (isIP(opts.hostname) ? undefined : opts.hostname);
      sock = tls.connect({ ALPNProtocols: ["http/1.1"], ...tlsOptions, servername, host: opts.hostname, socket: s });
      ready = "secureConnect";
    }
    const onErr = (e: Error) => cb(e, null);
    sock.once("error", onErr);
    sock.once(ready, () => {
      sock.removeListener("error", onErr);
      (cb as (e: null, s: import("node:net").Socket) => void)(null, sock);
    });
  };
}

/** What {@link createFetch} returns. */
export interface SimFetchBinding {
  /** undici's fetch whose connections are façade sockets. */
  fetch: SimFetch;
  /** Closes the undici Agent (its kept-alive connections); resolves at once when fetch was never used. */
  close(): Promise<void>;
  /** The undici Agent, created at the first fetch (null before). */
  readonly dispatcher: UndiciAgent | null;
}

interface WasmApi {
  compile(...a: unknown[]): Promise<unknown>;
  instantiate(...a: unknown[]): Promise<unknown>;
}

/**
 * Runs `load` with `WebAssembly.compile`/`instantiate` reporting their
 * promises to {@link holdVirtualTime}, until the compilations it started
 * (and the instantiations their continuations start) have settled.
 *
 * Why: undici compiles its HTTP parser (llhttp, WebAssembly) when its
 * module loads, asynchronously on a V8 background thread, and the first
 * connection awaits it before writing the request. That is real time: a
 * virtual-time run would go on (retransmitting, timing out, going idle)
 * while the compile finishes, so the request went out only after the run
 * had given up — the fetch stall. Held, the clock waits for the parser.
 */
function loadHoldingWasm<T>(load: () => T): T {
  const wa = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const { compile, instantiate } = wa;
  let pending = 0;
  const restore = (): void => {
    wa.compile = compile;
    wa.instantiate = instantiate;
  };
  // The hold lasts one macrotask past the settlement, so the continuation that
  // compiled (and now instantiates) runs while the wrappers are still in place.
  const nextMacrotask = (): Promise<void> => new Promise((r) => setImmediate(r));
  const track = (p: Promise<unknown>): Promise<unknown> => {
    pending++;
    holdVirtualTime(p.then(nextMacrotask, nextMacrotask).finally(() => {
      if (--pending === 0) restore();
    }));
    return p;
  };
  wa.compile = (...a: unknown[]) => track(compile.apply(wa, a));
  wa.instantiate = (...a: unknown[]) => track(instantiate.apply(wa, a));
  try {
    return load();
  } finally {
    if (pending === 0) restore();
  }
}

/** Loads the undici package (an optional peer dependency: only `fetch` needs it), holding virtual time for its parser. */
function loadUndici(): typeof import("undici") {
  try {
    return loadHoldingWasm(() => createRequire(import.meta.url)("undici") as typeof import("undici"));
  } catch (e) {
    throw Object.assign(new Error("sockstack/node: fetch needs the undici package (npm install -D undici)", { cause: e }), { code: "ERR_MODULE_NOT_FOUND" });
  }
}

/**
 * undici's `fetch` over the façade: an undici `Agent` whose `connect`
 * opens a façade socket ({@link facadeConnector}; https: with the system's CAs —
 * give undici a dispatcher with `facadeConnector(net, { ca })` for test certificates).
 * undici is loaded at the first call.
 */
export function createFetch(net: SimNet): SimFetchBinding {
  let undici: typeof import("undici") | null = null;
  let dispatcher: UndiciAgent | null = null;
  const agent = (): UndiciAgent => {
    undici ??= loadUndici();
    dispatcher ??= new undici.Agent({ connect: facadeConnector(net) });
    return dispatcher;
  };
  return {
    fetch: (input, init) => {
      const d = agent();
      return undici!.fetch(input, { dispatcher: d, ...init }); // a caller's dispatcher wins
    },
    close: async () => {
      if (dispatcher) await dispatcher.close();
    },
    get dispatcher() {
      return dispatcher;
    },
  };
}

/**
 * The façade `connect` options an http(s) Agent's `createConnection` asks
 * for: port (`defaultPort` when absent), host, local address and port,
 * family, timeout, and Node's agent defaults (`noDelay` on, keep-alive as
 * the agent says).
 */
export function agentConnectOptions(options: http.ClientRequestArgs, defaultPort: number): SimConnectOptions {
  const o = options as http.ClientRequestArgs & { keepAliveInitialDelay?: number; noDelay?: boolean; keepAlive?: boolean };
  return {
    port: Number(o.port ?? defaultPort),
    host: o.host ?? o.hostname ?? "localhost",
    localAddress: o.localAddress,
    localPort: o.localPort,
    family: o.family,
    timeout: o.timeout,
    noDelay: o.noDelay ?? true,
    keepAlive: o.keepAlive,
    keepAliveInitialDelay: o.keepAliveInitialDelay,
  } as SimConnectOptions;
}
