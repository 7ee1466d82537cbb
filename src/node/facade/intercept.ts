/**
 * Interception (issue 14, "Unmodified code, two ways"): code that uses
 * Node's own `node:net`, `node:http`, `node:https`, `node:tls`,
 * `node:dns`, `node:dgram`, `node:http2` and the global `fetch`, unchanged,
 * runs on a simulated host when it is called inside
 * `nodeOn(host).run(fn)`: the calls made in that asynchronous context
 * (AsyncLocalStorage: `fn`, and every callback, promise continuation and
 * event that descends from it) go to the host's façade; calls made
 * anywhere else reach Node's real modules, untouched.
 *
 * How: the first `run` replaces a few functions on Node's module objects
 * (and syncs ESM named imports with `module.syncBuiltinESMExports`). Each
 * replacement asks the AsyncLocalStorage whether it runs inside a
 * simulated host's context, and calls the façade or the original.
 * Servers are intercepted at `listen`: any `net.Server` (http, https,
 * tls, http2, a library's own) that listens inside the context binds on the
 * simulated host and gets each accepted façade socket through
 * `'connection'`, as Node does with its own sockets. `uninstallInterception()`
 * puts every original back (simulate() does at its end).
 *
 * Not intercepted: `new net.Socket().connect()` (a socket made outside a
 * façade cannot become simulated: inside a run it fails with
 * ERR_FEATURE_UNAVAILABLE_ON_PLATFORM rather than reach the real network;
 * use `net.connect`), Unix-domain paths,
 * child processes and worker threads (other isolates), real I/O.
 */
import { createRequire, syncBuiltinESMExports } from "node:module";
import type * as nodeNet from "node:net";
import type * as nodeHttp from "node:http";
import type * as nodeHttps from "node:https";
import type * as nodeTls from "node:tls";
import type * as nodeDns from "node:dns";
import type * as nodeDgram from "node:dgram";
import type * as nodeHttp2 from "node:http2";
import type { NodeOn } from "./index.js";
import { SimSocket, type SimServer } from "./net.js";
import { listenOnFacade } from "./server-bridge.js";
import { hostStore } from "./als.js";
import { agentConnectOptions, dateFromGlobalClock } from "./http.js";
import { patchTlsSocketInit } from "./tls-socket-patch.js";
import { http2DateFromGlobalClock } from "./http2.js";

type AnyFn = (...args: unknown[]) => unknown;

const req = createRequire(import.meta.url);
const store = hostStore;

/** The façade modules of the simulated host the calling code runs on (inside `run`), else undefined. */
export function currentHost(): NodeOn | undefined {
  return store.getStore();
}

// Façade code calls Node's own functions (http.request, tls.connect…) synchronously from inside
// a replaced one: those nested calls must reach the originals.
let nested = 0;
function facade<T>(fn: () => T): T {
  nested++;
  try {
    return fn();
  } finally {
    nested--;
  }
}

/** The host to route a call to: the context's, unless the call comes from the façade itself. */
function target(): NodeOn | undefined {
  return nested > 0 ? undefined : store.getStore();
}

let http2Classes: (abstract new (...a: never[]) => unknown)[] | null = null;
/** Node's Http2Server / Http2SecureServer (classes Node does not export: taken from throwaway instances, which make no handle). */
function isHttp2Server(s: nodeNet.Server): boolean {
  const http2 = req("node:http2") as typeof nodeHttp2;
  http2Classes ??= [http2.createServer().constructor as abstract new () => unknown, http2.createSecureServer().constructor as abstract new () => unknown];
  return http2Classes.some((C) => s instanceof C);
}

/** Servers that listen on a simulated host (their façade listener). */
const simulated = new WeakMap<nodeNet.Server, SimServer>();

const restore: (() => void)[] = [];

/** Replaces `obj[key]` by `make(original)`, remembering how to put it back. */
function replace<O extends object>(obj: O, key: string, make: (orig: AnyFn) => AnyFn): void {
  const o = obj as Record<string, unknown>;
  const orig = o[key] as AnyFn;
  const fn = make(orig);
  Object.defineProperty(fn, "name", { value: orig.name, configurable: true });
  o[key] = fn;
  restore.push(() => {
    o[key] = orig;
  });
}

/** True while interception is installed. */
export function interceptionInstalled(): boolean {
  return restore.length > 0;
}

/**
 * Installs the replacements (idempotent; `run` does it). Code outside a
 * `run` context keeps reaching Node's real modules.
 */
export function installInterception(): void {
  if (restore.length > 0) return;
  const net = req("node:net") as typeof nodeNet;
  const http = req("node:http") as typeof nodeHttp;
  const https = req("node:https") as typeof nodeHttps;
  const tls = req("node:tls") as typeof nodeTls;
  const dns = req("node:dns") as typeof nodeDns;
  const dgram = req("node:dgram") as typeof nodeDgram;
  const http2 = req("node:http2") as typeof nodeHttp2;

  // ---- clients ----
  for (const key of ["connect", "createConnection"]) {
    replace(net, key, (orig) => function (this: unknown, ...args: unknown[]) {
      const on = target();
      return on ? facade(() => on.net.connect(...args)) : orig.apply(this, args);
    });
  }
  // `new net.Socket()` / `net.Socket()` / `net.Stream()` inside a run: the host's façade socket
  // (a net.Socket subclass, so instanceof still holds). Subclasses (`class X extends net.Socket`)
  // and sockets made outside a run stay Node's own.
  for (const key of ["Socket", "Stream"]) {
    replace(net, key, (orig) => {
      const Socket = function (this: unknown, ...args: unknown[]): unknown {
        const on = target();
        const direct = new.target === undefined || new.target === Socket;
        // A socket over a handle or fd the caller passes is Node's own (no network of ours under it).
        const o = args[0] as { handle?: unknown; fd?: unknown } | undefined;
        const wraps = o !== null && typeof o === "object" && (o.handle != null || o.fd != null);
        if (on && direct && !wraps) return facade(() => new on.net.Socket(...(args as [])));
        return new.target ? Reflect.construct(orig, args, new.target) : (orig as (...a: unknown[]) => unknown)(...args);
      } as unknown as AnyFn & { prototype: unknown };
      Socket.prototype = orig.prototype;
      Object.setPrototypeOf(Socket, orig);
      return Socket;
    });
  }
  // A socket built with `new net.Socket()` outside a run has no simulated counterpart: inside a
  // run it must not reach the real network silently. It fails as a connection error would (on the next tick).
  replace(net.Socket.prototype, "connect", (orig) => function (this: nodeNet.Socket, ...args: unknown[]) {
    if (!target() || this instanceof SimSocket) return orig.apply(this, args);
    const err = Object.assign(new Error("sockstack/node: a socket made with new net.Socket() cannot connect on a simulated host (use net.connect() / net.createConnection() inside run())"), { code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM" });
    process.nextTick(() => this.destroy(err));
    return this;
  });
  replace(tls, "connect", (orig) => function (this: unknown, ...args: unknown[]) {
    const on = target();
    return on ? facade(() => on.tls.connect(...args)) : orig.apply(this, args);
  });
  for (const [mod, name] of [[http, "http"], [https, "https"]] as const) {
    for (const key of ["request", "get"]) {
      replace(mod, key, (orig) => function (this: unknown, ...args: unknown[]) {
        const on = target();
        if (!on) return orig.apply(this, args);
        const m = on[name] as unknown as Record<string, AnyFn>;
        return facade(() => m[key]!(...args));
      });
    }
  }
  // A library's own http.Agent / https.Agent (not the façade's subclasses): its connections.
  replace(http.Agent.prototype, "createConnection", (orig) => function (this: unknown, ...args: unknown[]) {
    const on = target();
    return on ? facade(() => on.net.connect(agentConnectOptions(args[0] as nodeHttp.ClientRequestArgs, 80))) : orig.apply(this, args);
  });
  replace(https.Agent.prototype, "createConnection", (orig) => function (this: unknown, ...args: unknown[]) {
    const on = target();
    if (!on) return orig.apply(this, args);
    const o = args[0] as nodeHttp.ClientRequestArgs & nodeTls.ConnectionOptions;
    return facade(() => {
      const raw = on.net.connect({ ...agentConnectOptions(o, 443), allowHalfOpen: true });
      return orig.call(this, { ...o, socket: raw });
    });
  });
  replace(http2, "connect", (orig) => function (this: unknown, ...args: unknown[]) {
    const on = target();
    return on ? facade(() => (on.http2.connect as AnyFn)(...args)) : orig.apply(this, args);
  });
  replace(dgram, "createSocket", (orig) => function (this: unknown, ...args: unknown[]) {
    const on = target();
    return on ? facade(() => (on.dgram.createSocket as AnyFn)(...args)) : orig.apply(this, args);
  });
  for (const key of ["lookup", "resolve4", "resolve6", "resolve", "reverse"]) {
    replace(dns, key, (orig) => function (this: unknown, ...args: unknown[]) {
      const on = target();
      return on ? facade(() => (on.dns as unknown as Record<string, AnyFn>)[key]!(...args)) : orig.apply(this, args);
    });
    replace(dns.promises, key, (orig) => function (this: unknown, ...args: unknown[]) {
      const on = target();
      return on ? facade(() => (on.dns.promises as unknown as Record<string, AnyFn>)[key]!(...args)) : orig.apply(this, args);
    });
  }
  // Record types the hosts table has none of: answered as a DNS server holding only A records
  // would (ENODATA for a known name, ENOTFOUND else), never sent to the real resolver.
  for (const key of Object.keys(dns).filter((k) => /^resolve[A-Z]/.test(k) && k !== "resolve4" && k !== "resolve6")) {
    const type = key.slice("resolve".length);
    const fail = (on: NodeOn, name: unknown): Error => {
      const known = typeof name === "string" && on.ctx.host.hostsFile.lookup(name).length > 0;
      const code = known ? "ENODATA" : "ENOTFOUND";
      return Object.assign(new Error(`query${type} ${code} ${String(name)}`), { code, errno: undefined, syscall: `query${type}`, hostname: name });
    };
    replace(dns, key, (orig) => function (this: unknown, ...args: unknown[]) {
      const on = target();
      if (!on) return orig.apply(this, args);
      const cb = args[args.length - 1] as (e: Error) => void;
      const err = fail(on, args[0]);
      process.nextTick(() => cb(err));
      return undefined;
    });
    if (typeof (dns.promises as unknown as Record<string, unknown>)[key] === "function") {
      replace(dns.promises, key, (orig) => function (this: unknown, ...args: unknown[]) {
        const on = target();
        return on ? Promise.reject(fail(on, args[0])) : orig.apply(this, args);
      });
    }
  }
  const g = globalThis as unknown as Record<string, unknown>;
  if (typeof g.fetch === "function") {
    replace(g, "fetch", (orig) => function (this: unknown, ...args: unknown[]) {
      const on = target();
      return on ? facade(() => (on.fetch as AnyFn)(...args)) : orig.apply(this, args);
    });
  }

  // ---- servers: any net.Server that listens inside a run context binds on the simulated host ----
  const proto = net.Server.prototype as unknown as Record<string, AnyFn>;
  replace(proto, "listen", (orig) => function (this: nodeNet.Server, ...args: unknown[]) {
    const on = target();
    if (!on) return orig.apply(this, args);
    if (simulated.get(this)?.listening) throw Object.assign(new Error("Listen method has been called more than once without closing."), { code: "ERR_SERVER_ALREADY_LISTEN" });
    if (this instanceof tls.Server) patchTlsSocketInit();
    if (!simulated.has(this)) {
      if (this instanceof http.Server) dateFromGlobalClock(this);
      else if (this instanceof https.Server) dateFromGlobalClock(this as unknown as nodeHttp.Server);
      else if (isHttp2Server(this)) http2DateFromGlobalClock(this);
    }
    const sim = facade(() => listenOnFacade(this, on.net, args));
    if ((this as unknown as { _unref?: boolean })._unref) sim.unref(); // unref() before listen, as Node applies it
    simulated.set(this, sim);
    return this;
  });
  // ref()/unref() of a server listening on a simulated host reach its façade listener (liveness.ts).
  for (const key of ["ref", "unref"] as const) {
    replace(proto, key, (orig) => function (this: nodeNet.Server, ...args: unknown[]) {
      const sim = simulated.get(this);
      if (!sim) return orig.apply(this, args);
      (this as unknown as { _unref: boolean })._unref = key === "unref";
      sim[key]();
      return this;
    });
  }
  replace(proto, "close", (orig) => function (this: nodeNet.Server, ...args: unknown[]) {
    const sim = simulated.get(this);
    if (!sim) return orig.apply(this, args);
    const cb = args[0] as ((err?: Error) => void) | undefined;
    if (!sim.listening) {
      if (typeof cb === "function") process.nextTick(() => cb(Object.assign(new Error("Server is not running."), { code: "ERR_SERVER_NOT_RUNNING" })));
      return this;
    }
    if (typeof cb === "function") this.once("close", () => cb());
    sim.close();
    return this;
  });
  replace(proto, "address", (orig) => function (this: nodeNet.Server, ...args: unknown[]) {
    const sim = simulated.get(this);
    return sim ? sim.address() : orig.apply(this, args);
  });
  replace(proto, "getConnections", (orig) => function (this: nodeNet.Server, ...args: unknown[]) {
    const sim = simulated.get(this);
    if (!sim) return orig.apply(this, args);
    sim.getConnections(args[0] as (e: Error | null, n: number) => void);
    return this;
  });
  const listening = Object.getOwnPropertyDescriptor(net.Server.prototype, "listening")!;
  Object.defineProperty(net.Server.prototype, "listening", {
    ...listening,
    get(this: nodeNet.Server) {
      const sim = simulated.get(this);
      return sim ? sim.listening : (listening.get as () => boolean).call(this);
    },
  });
  restore.push(() => Object.defineProperty(net.Server.prototype, "listening", listening));
  syncBuiltinESMExports();
}

/** Puts every replaced function back: Node's modules are as before `installInterception`. */
export function uninstallInterception(): void {
  if (restore.length === 0) return;
  for (const r of restore.splice(0).reverse()) r();
  syncBuiltinESMExports();
}

/**
 * Runs `fn` on the simulated host of `on`: inside it (and in everything
 * it starts), Node's `net`, `http`, `https`, `tls`, `dns`, `dgram`,
 * `http2` and `fetch` are the host's. Returns what `fn` returns.
 */
export function runOn<T>(on: NodeOn, fn: () => T): T {
  installInterception();
  return store.run(on, fn);
}
