/**
 * Node's servers (`http.Server`, `https.Server`, `tls.Server`, all
 * `net.Server`s underneath) listening on a simulated host: `listen`
 * opens a façade listener and hands each accepted socket to the server's
 * `'connection'` event, which is what Node does with its own sockets —
 * parsing, TLS and every protocol detail stay Node's unmodified code.
 */
import type * as nodeNet from "node:net";
import * as tls from "node:tls";
import type { SimNet, SimServer, SimSocket } from "./net.js";

type AnyFn = (...args: unknown[]) => unknown;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ServerClass = abstract new (...args: any[]) => nodeNet.Server;

/** A server class whose `listen` binds on the simulated host (what {@link onFacade} returns). */
export interface FacadeServer {
  /** The façade listener behind the server (null before listen). */
  readonly facadeListener: SimServer | null;
}

/**
 * Subclasses a Node server class so that `listen` opens a listener on the
 * façade `net`'s host (same arguments as Node's `listen`), and `close`,
 * `address`, `listening`, `getConnections` answer for it. `preClose` runs
 * first in `close` (http's idle-connection cleanup).
 * @example
 * declare const tls: typeof import("node:tls");
 * const TlsServer = onFacade(tls.Server, nodeOn(host).net);
 */
export function onFacade<T extends ServerClass>(Base: T, net: SimNet, preClose?: (server: nodeNet.Server) => void): T {
  abstract class Bridged extends Base implements FacadeServer {
    #sim: SimServer | null = null;

    get facadeListener(): SimServer | null {
      return this.#sim;
    }

    override listen(...args: unknown[]): this {
      if (this.#sim?.listening) {
        throw Object.assign(new Error("Listen method has been called more than once without closing."), { code: "ERR_SERVER_ALREADY_LISTEN" });
      }
      this.#sim = listenOnFacade(this, net, args);
      return this;
    }

    override close(cb?: (err?: Error) => void): this {
      preClose?.(this);
      const sim = this.#sim;
      if (!sim || !sim.listening) {
        if (cb) process.nextTick(() => cb(Object.assign(new Error("Server is not running."), { code: "ERR_SERVER_NOT_RUNNING" })));
        return this;
      }
      if (cb) this.once("close", () => cb());
      sim.close();
      return this;
    }

    override address(): ReturnType<nodeNet.Server["address"]> {
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
  return Bridged as unknown as T;
}

/**
 * Listens for a Node server on the façade `net`'s host: `args` as Node's
 * `listen`; the server's own options (`allowHalfOpen`, `noDelay`,
 * `pauseOnConnect`, `maxConnections`) apply, a TLS server's transport is
 * half-open, and the façade listener's events are re-emitted on the
 * server (each accepted socket through `'connection'`, as Node does).
 * Returns the façade listener.
 */
export function listenOnFacade(server: nodeNet.Server, net: SimNet, args: unknown[]): SimServer {
  const a = [...args];
  let cb: AnyFn | undefined;
  if (typeof a[a.length - 1] === "function") cb = a.pop() as AnyFn;
  if (cb) server.once("listening", cb);
  const o = server as unknown as { allowHalfOpen?: boolean; noDelay?: boolean; pauseOnConnect?: boolean };
  const sim = net.createServer({
    // Under TLS the raw socket is only the transport (Node hands its handle to the TLSSocket):
    // it must not end itself at the peer's FIN while TLS still writes. Else the server's own option.
    allowHalfOpen: server instanceof tls.Server ? true : (o.allowHalfOpen ?? false),
    noDelay: o.noDelay ?? true,
    pauseOnConnect: o.pauseOnConnect ?? false,
  });
  sim.on("connection", (s: SimSocket) => server.emit("connection", s));
  sim.on("listening", () => server.emit("listening"));
  sim.on("error", (e: Error) => server.emit("error", e));
  sim.on("drop", (d: unknown) => server.emit("drop", d));
  sim.on("close", () => server.emit("close"));
  // Read at each accept, as Node does: a server's maxConnections may be set after listen.
  Object.defineProperty(sim, "maxConnections", {
    configurable: true,
    get: () => (typeof server.maxConnections === "number" && Number.isFinite(server.maxConnections) ? server.maxConnections : undefined),
    set: (v: number | undefined) => (server.maxConnections = v as number),
  });
  sim.listen(...a);
  (server as unknown as { _connectionKey?: string })._connectionKey = (sim as unknown as { _connectionKey?: string })._connectionKey;
  return sim;
}

/** The façade listener behind a server made by {@link onFacade} (null before listen or for other servers). */
export function facadeListener(server: nodeNet.Server): SimServer | null {
  return (server as Partial<FacadeServer>).facadeListener ?? null;
}
