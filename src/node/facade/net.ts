/**
 * Node's `net` over a simulated host: `Socket` (a `stream.Duplex`,
 * net-socket.ts), `Server` (net-server.ts), `connect`/`createConnection`,
 * `createServer`, `isIP*`.
 */
import * as nodeNet from "node:net";
import type { FacadeContext } from "./context.js";
import { isIP, isIPv4, isIPv6, normalizeConnectArgs, type SimSocketOptions } from "./net-common.js";
import { SimSocket } from "./net-socket.js";
import { SimServer, type SimServerOptions } from "./net-server.js";

export { isIP, isIPv4, isIPv6, type AddressInfo, type SimConnectOptions, type SimSocketOptions } from "./net-common.js";
export { SimSocket } from "./net-socket.js";
export { SimServer, type SimListenOptions, type SimServerOptions } from "./net-server.js";

/** The `net` module bound to one simulated host (what `nodeOn(host).net` is). */
export interface SimNet {
  Socket: new (opts?: SimSocketOptions) => SimSocket;
  Server: new (opts?: SimServerOptions | ((s: SimSocket) => void), onConnection?: (s: SimSocket) => void) => SimServer;
  connect(...args: unknown[]): SimSocket;
  createConnection(...args: unknown[]): SimSocket;
  createServer(opts?: SimServerOptions | ((s: SimSocket) => void), onConnection?: (s: SimSocket) => void): SimServer;
  isIP: typeof isIP;
  isIPv4: typeof isIPv4;
  isIPv6: typeof isIPv6;
  /** Node's process-wide default of `autoSelectFamily` (true in Node 20): the façade shares Node's own setting. */
  getDefaultAutoSelectFamily(): boolean;
  setDefaultAutoSelectFamily(v: boolean): void;
  /** Node's process-wide default attempt timeout of happy eyeballs (250 ms): Node's own setting. */
  getDefaultAutoSelectFamilyAttemptTimeout(): number;
  setDefaultAutoSelectFamilyAttemptTimeout(v: number): void;
}

/** Builds the `net` module of a façade context. */
export function createNet(ctx: FacadeContext): SimNet {
  class Socket extends SimSocket {
    constructor(opts?: SimSocketOptions) {
      super(ctx, opts);
    }
  }
  class Server extends SimServer {
    constructor(opts?: SimServerOptions | ((s: SimSocket) => void), onConnection?: (s: SimSocket) => void) {
      if (typeof opts === "function") super(ctx, {}, opts);
      else super(ctx, opts ?? {}, onConnection);
    }
  }
  const connect = (...args: unknown[]): SimSocket => {
    const [opts, cb] = normalizeConnectArgs(args);
    const s = new Socket({ allowHalfOpen: opts.allowHalfOpen });
    return cb ? s.connect(opts, cb) : s.connect(opts);
  };
  return {
    Socket,
    Server,
    connect,
    createConnection: connect,
    createServer: (opts, onConnection) => new Server(opts, onConnection),
    isIP,
    isIPv4,
    isIPv6,
    getDefaultAutoSelectFamily: () => nodeNet.getDefaultAutoSelectFamily(),
    setDefaultAutoSelectFamily: (v: boolean) => nodeNet.setDefaultAutoSelectFamily(v),
    getDefaultAutoSelectFamilyAttemptTimeout: () => nodeNet.getDefaultAutoSelectFamilyAttemptTimeout(),
    setDefaultAutoSelectFamilyAttemptTimeout: (v: number) => nodeNet.setDefaultAutoSelectFamilyAttemptTimeout(v),
  };
}
