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
import { clearInterval as nativeClearInterval } from "node:timers";
import { createRequire } from "node:module";
import type { Agent as UndiciAgent, fetch as undiciFetch } from "undici";
import type { Duplex } from "node:stream";
import { holdVirtualTime } from "../../sim/virtual-driver.js";
import type { SimNet, SimServer, SimSocket } from "./net.js";

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

/** Builds the `http` module over a façade `net`. */
export function createHttp(net: SimNet): SimHttp {
  class Server extends http.Server {
    #sim: SimServer | null = null;

    override listen(...args: unknown[]): this {
      if (this.#sim?.listening) {
        const e = new Error("Listen method has been called more than once without closing.") as Error & { code: string };
        e.code = "ERR_SERVER_ALREADY_LISTEN";
        throw e;
      }
      let cb: AnyFn | undefined;
      if (typeof args[args.length - 1] === "function") cb = args.pop() as AnyFn;
      if (cb) this.once("listening", cb);
      const sim = net.createServer({ noDelay: (this as unknown as { noDelay?: boolean }).noDelay ?? true });
      this.#sim = sim;
      sim.on("connection", (s: SimSocket) => this.emit("connection", s));
      sim.on("listening", () => this.emit("listening"));
      sim.on("error", (e: Error) => this.emit("error", e));
      sim.on("drop", (d: unknown) => this.emit("drop", d));
      sim.on("close", () => this.emit("close"));
      if (this.maxConnections !== undefined && Number.isFinite(this.maxConnections)) sim.maxConnections = this.maxConnections;
      sim.listen(...args);
      return this;
    }

    override close(cb?: (err?: Error) => void): this {
      // What http.Server.close does before net.Server.close (httpServerPreClose).
      const sym = Object.getOwnPropertySymbols(this).find((s) => s.description === kCheckingInterval);
      // Node armed it with the timers module's setInterval (native even under virtual timers).
      if (sym) nativeClearInterval((this as unknown as Record<symbol, ReturnType<typeof setInterval>>)[sym]);
      this.closeIdleConnections();
      const sim = this.#sim;
      if (!sim || !sim.listening) {
        if (cb) process.nextTick(() => cb(Object.assign(new Error("Server is not running."), { code: "ERR_SERVER_NOT_RUNNING" })));
        return this;
      }
      if (cb) this.once("close", () => cb());
      sim.close();
      return this;
    }

    override address(): ReturnType<http.Server["address"]> {
      return this.#sim?.address() ?? null;
    }

    // @ts-expect-error net.Server declares `listening` as a property; this accessor answers for the façade listener.
    override get listening(): boolean {
      return this.#sim?.listening ?? false;
    }

    override getConnections(cb: (error: Error | null, count: number) => void): this {
      if (this.#sim) this.#sim.getConnections(cb);
      else process.nextTick(() => cb(null, 0));
      return this;
    }

    override ref(): this {
      return this;
    }

    override unref(): this {
      return this;
    }
  }

  class Agent extends http.Agent {
    /**
     * A façade socket for the request. Returned directly: Node's Agent then
     * uses it at once (its callback is only for asynchronous creation).
     */
    override createConnection(options: http.ClientRequestArgs): Duplex {
      const o = options as http.ClientRequestArgs & { keepAliveInitialDelay?: number; noDelay?: boolean; keepAlive?: boolean };
      return net.connect({
        port: Number(o.port ?? 80),
        host: o.host ?? o.hostname ?? "localhost",
        localAddress: o.localAddress,
        localPort: o.localPort,
        family: o.family,
        timeout: o.timeout,
        noDelay: o.noDelay ?? true,
        keepAlive: o.keepAlive,
        keepAliveInitialDelay: o.keepAliveInitialDelay,
      });
    }
  }
  // Agent#createConnection is declared on the prototype in @types/node with net.Socket's type.
  const globalAgent = new Agent({ keepAlive: true, scheduling: "lifo", timeout: 5000 });

  const withAgent = (args: unknown[]): unknown[] => {
    // request(url[, options][, cb]) or request(options[, cb]): give it our agent unless it has one.
    const a = [...args];
    const i = typeof a[0] === "string" || a[0] instanceof URL ? (a[1] !== null && typeof a[1] === "object" ? 1 : -1) : 0;
    if (i === -1) {
      a.splice(1, 0, { agent: globalAgent });
      return a;
    }
    const o = { ...(a[i] as Record<string, unknown>) };
    if (o.agent === undefined || o.agent === null) o.agent = globalAgent;
    else if (o.agent === false) o.agent = new Agent();
    a[i] = o;
    return a;
  };
  const request = ((...args: unknown[]) => (http.request as unknown as AnyFn)(...withAgent(args))) as typeof http.request;
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
 * opens a façade socket (plain HTTP; https needs the TLS façade, not done).
 * undici is loaded at the first call.
 */
export function createFetch(net: SimNet): SimFetchBinding {
  let undici: typeof import("undici") | null = null;
  let dispatcher: UndiciAgent | null = null;
  const agent = (): UndiciAgent => {
    undici ??= loadUndici();
    dispatcher ??= new undici.Agent({
      connect: (opts, cb) => {
        if (opts.protocol === "https:") {
          cb(Object.assign(new Error("sockstack/node: https over the façade needs TLS, which is not done yet"), { code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM" }), null);
          return;
        }
        const s = net.connect({ host: opts.hostname, port: Number(opts.port || 80), localAddress: opts.localAddress ?? undefined, noDelay: true });
        const onErr = (e: Error) => cb(e, null);
        s.once("error", onErr);
        s.once("connect", () => {
          s.removeListener("error", onErr);
          cb(null, s);
        });
      },
    });
    return dispatcher;
  };
  return {
    fetch: (input, init) => {
      const d = agent();
      return undici!.fetch(input, { ...init, dispatcher: d });
    },
    close: async () => {
      if (dispatcher) await dispatcher.close();
    },
    get dispatcher() {
      return dispatcher;
    },
  };
}
