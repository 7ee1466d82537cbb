/**
 * How a façade socket connects (net-socket.ts's `connect`): Node's
 * lookupAndConnect — a literal, a custom `lookup`, or the hosts table —
 * then one attempt (internalConnect) or Node 20's happy eyeballs
 * (internalConnectMultiple) with its events, attempt timeout in virtual
 * time and AggregateError.
 */
import * as nodeNet from "node:net";
import { ADDRCONFIG } from "node:dns";
import { SysError } from "../../core/sys-error.js";
import type { FacadeContext } from "./context.js";
import { fromSysError, nodeCodeError, nodeError } from "./errors.js";
import { lookupAll, lookupFirst, type LookupAddress } from "./dns.js";
import { isIP, socketFamily, type SimConnectOptions } from "./net-common.js";

/** The socket's current connection generation (a reconnect after close starts a new one). @internal */
export const kGeneration = Symbol("generation");
/** Makes an attempt's fd the socket's (destroy() closes it), -1 to forget it. @internal */
export const kUseFd = Symbol("useFd");
/** The connection is established on the fd given last: Node's afterConnect ('connect', 'ready'). @internal */
export const kEstablished = Symbol("established");

/** What the connect machinery needs of a socket (SimSocket). @internal */
export interface Connecting {
  readonly ctx: FacadeContext;
  readonly connecting: boolean;
  readonly destroyed: boolean;
  emit(event: string, ...args: unknown[]): boolean;
  destroy(err?: Error): unknown;
  [kGeneration](): number;
  [kUseFd](fd: number): void;
  [kEstablished](): void;
}

/** Node's error for a failed connect: `connect ECONNREFUSED ::1:1`, with ` - Local (addr:port)` and the local endpoint when bound (ExceptionWithHostPort). */
function connectError(e: unknown, address: string, port: number, localAddress?: string, localPort?: number): Error {
  const err = fromSysError(e, "connect", address, port);
  if (e instanceof SysError && localAddress && localPort) {
    err.message += ` - Local (${localAddress}:${localPort})`;
    Object.assign(err, { localAddress, localPort });
  }
  return err;
}

/**
 * Connects `sock` as Node's lookupAndConnect does: an IP literal at once;
 * a name through the `lookup` option's function (called synchronously,
 * its 'lookup' events from its callback) or the hosts table (after a
 * tick, as getaddrinfo on the thread pool); then one attempt, or happy
 * eyeballs when the name has several addresses and `autoSelectFamily`.
 */
export async function connectSocket(sock: Connecting, hostName: string, port: number, opts: SimConnectOptions): Promise<void> {
  const literal = isIP(hostName);
  let targets: LookupAddress[] | null;
  if (literal) targets = [{ address: hostName, family: literal }];
  else {
    const family = opts.family === "IPv4" ? 4 : opts.family === "IPv6" ? 6 : (opts.family ?? 0);
    // Node 20's happy eyeballs (lookupAndConnectMultiple): every address, families alternating
    // from the first one's, each tried once; one address is an ordinary connect.
    const auto = family !== 4 && family !== 6 && !opts.localAddress && (opts.autoSelectFamily ?? nodeNet.getDefaultAutoSelectFamily());
    const custom = opts.lookup;
    if (typeof custom === "function") {
      // Called synchronously from connect(), as Node does: its 'lookup' events come from its callback.
      const hints = (opts as { hints?: number }).hints || (family !== 4 && family !== 6 ? ADDRCONFIG : 0);
      const dnsopts: { family: number; hints: number; all?: boolean } = { family, hints };
      if (auto) dnsopts.all = true;
      targets = await new Promise<LookupAddress[] | null>((settle) => {
        (custom as (h: string, o: object, cb: (e: Error | null, a?: string | LookupAddress[], f?: number | string) => void) => void)(hostName, dnsopts, (err, address, fam) => {
          if (err) return settle(found(sock, err, hostName, auto));
          if (Array.isArray(address)) return settle(found(sock, address, hostName, auto));
          const ip = String(address);
          if (!isIP(ip)) return settle(found(sock, nodeCodeError(TypeError, "ERR_INVALID_IP_ADDRESS", `Invalid IP address: ${ip}`), hostName, auto));
          settle(found(sock, [{ address: ip, family: fam === "IPv6" ? 6 : fam === "IPv4" ? 4 : ((fam as number | undefined) ?? isIP(ip)) }], hostName, auto));
        });
      });
    } else {
      // Node resolves names asynchronously (getaddrinfo on the thread pool): 'lookup' comes after
      // what connect()'s caller already queued for the next tick (a server's 'listening', say).
      await new Promise<void>((r) => process.nextTick(r));
      if (!sock.connecting || sock.destroyed) return;
      // Node's dnsopts: the `hints` option, or dns.ADDRCONFIG on Linux when no family is asked for.
      const hints = (opts as { hints?: number }).hints || (family !== 4 && family !== 6 ? ADDRCONFIG : 0);
      const all = lookupAll(sock.ctx, hostName, family, undefined, hints);
      targets = found(sock, all.length ? all : lookupFirst(sock.ctx, hostName, family, hints).error!, hostName, auto);
    }
  }
  if (!targets || sock.destroyed) return;
  if (targets.length === 1) await connectOne(sock, targets[0]!, port, opts);
  else await connectMultiple(sock, targets, port, opts);
}

/**
 * What a lookup found, as Node handles it: `'lookup'` for each address
 * used (every one with happy eyeballs, else the first), or for the
 * error, which destroys the socket. Returns the addresses to try, the
 * families alternating from the first one's, or null.
 */
function found(sock: Connecting, result: LookupAddress[] | Error, host: string, auto: boolean): LookupAddress[] | null {
  if (!sock.connecting || sock.destroyed) return null;
  if (result instanceof Error) {
    sock.emit("lookup", result, undefined, undefined, host);
    sock.destroy(result);
    return null;
  }
  const picked = auto ? result : result.slice(0, 1);
  const groups: [LookupAddress[], LookupAddress[]] = [[], []];
  for (const a of picked) {
    sock.emit("lookup", null, a.address, a.family, host);
    if (!sock.connecting) return null;
    const g = groups[a.family === picked[0]!.family ? 0 : 1];
    if (!g.some((x) => x.address === a.address)) g.push(a);
  }
  const targets: LookupAddress[] = [];
  for (let i = 0; i < Math.max(groups[0].length, groups[1].length); i++) {
    if (groups[0][i]) targets.push(groups[0][i]!);
    if (groups[1][i]) targets.push(groups[1][i]!);
  }
  return targets;
}

/** One connection attempt (Node's internalConnect): bind when asked, connect, or destroy with Node's error. */
async function connectOne(sock: Connecting, to: LookupAddress, port: number, opts: SimConnectOptions): Promise<void> {
  const proc = sock.ctx.proc;
  const { address, family } = to;
  const gen = sock[kGeneration]();
  let localAddress = opts.localAddress;
  let fd = -1;
  try {
    fd = proc.socket(socketFamily(family), "SOCK_STREAM");
    sock[kUseFd](fd);
    if (localAddress || opts.localPort) {
      localAddress ||= family === 6 ? "::" : "0.0.0.0";
      try {
        proc.bind(fd, [localAddress, opts.localPort ?? 0]);
      } catch (e) {
        throw fromSysError(e, "bind", localAddress, opts.localPort ?? 0);
      }
    }
  } catch (e) {
    sock.destroy(e instanceof SysError ? fromSysError(e, "connect", address, port) : (e as Error));
    return;
  }
  sock.emit("connectionAttempt", address, port, family);
  let failed: unknown = null;
  try {
    await proc.connect(fd, [address, port]);
  } catch (e) {
    failed = e;
  }
  // libuv learns the outcome in its next poll round, after the listeners (FacadeContext.pollRound).
  await sock.ctx.pollRound("stream");
  if (failed !== null) {
    if (!sock.destroyed && gen === sock[kGeneration]()) sock.destroy(connectError(failed, address, port, localAddress, opts.localPort));
    return;
  }
  if (sock.destroyed || gen !== sock[kGeneration]()) return;
  sock[kEstablished]();
}

/**
 * Node 20's happy eyeballs (internalConnectMultiple): the addresses one
 * after the other, each but the last given `autoSelectFamilyAttemptTimeout`
 * ms (virtual time) before the next is tried; `'connectionAttempt'`,
 * `'connectionAttemptFailed'`, `'connectionAttemptTimeout'` as Node emits
 * them; when all fail, an AggregateError of every attempt's error.
 */
async function connectMultiple(sock: Connecting, targets: LookupAddress[], port: number, opts: SimConnectOptions): Promise<void> {
  const proc = sock.ctx.proc;
  const gen = sock[kGeneration]();
  const errors: Error[] = [];
  const attempted: string[] = [];
  (sock as { autoSelectFamilyAttemptedAddresses?: string[] }).autoSelectFamilyAttemptedAddresses = attempted;
  const timeoutMs = Math.max(10, opts.autoSelectFamilyAttemptTimeout ?? nodeNet.getDefaultAutoSelectFamilyAttemptTimeout());
  for (let i = 0; i < targets.length; i++) {
    if (sock.destroyed || !sock.connecting || gen !== sock[kGeneration]()) return;
    const { address, family } = targets[i]!;
    let fd: number;
    try {
      fd = proc.socket(socketFamily(family), "SOCK_STREAM");
    } catch (e) {
      errors.push(fromSysError(e, "connect", address, port));
      continue;
    }
    sock[kUseFd](fd); // destroy() closes the attempt in flight
    const local = family === 6 ? "::" : "0.0.0.0";
    if (opts.localPort) {
      try {
        proc.bind(fd, [local, opts.localPort]);
      } catch (e) {
        errors.push(fromSysError(e, "bind", local, opts.localPort));
        void proc.close(fd).catch(() => {});
        continue;
      }
    }
    sock.emit("connectionAttempt", address, port, family);
    attempted.push(`${address}:${port}`);
    const last = i === targets.length - 1;
    const outcome = await new Promise<"ok" | "timeout" | Error>((settle) => {
      const cancel = last ? null : sock.ctx.timer(timeoutMs * 1000, () => settle("timeout"));
      proc.connect(fd, [address, port]).then(() => {
        cancel?.();
        settle("ok");
      }, (e: unknown) => {
        cancel?.();
        settle(connectError(e, address, port, opts.localPort ? local : undefined, opts.localPort));
      });
    });
    if (outcome !== "timeout") await sock.ctx.pollRound("stream"); // reported in libuv's next poll round
    if (sock.destroyed || gen !== sock[kGeneration]()) return;
    if (outcome === "ok") {
      sock[kEstablished]();
      return;
    }
    sock[kUseFd](-1);
    void proc.close(fd).catch(() => {});
    if (outcome === "timeout") {
      sock.emit("connectionAttemptTimeout", address, port, family);
      errors.push(nodeError("ETIMEDOUT", 110, "connect", address, port));
    } else {
      errors.push(outcome);
      sock.emit("connectionAttemptFailed", address, port, family, outcome);
    }
  }
  if (sock.destroyed || !sock.connecting || gen !== sock[kGeneration]()) return;
  const agg = new AggregateError(errors) as AggregateError & { code?: string };
  agg.code = (errors[0] as { code?: string } | undefined)?.code;
  sock.destroy(agg);
}
