/**
 * The connection tables of one host's TCP (Linux inet_hashtables):
 * - **ehash**: established (and SYN-RECV children, TIME-WAIT) by 4-tuple;
 * - **listeners** by local port, with SO_REUSEPORT groups;
 * - **bind buckets** by local port: every socket holding the port
 *   (bound, listening, connected, TIME-WAIT), for bind()'s EADDRINUSE
 *   check and connect()'s ephemeral port choice.
 *
 * The ehash is two-level: both ports packed into one int32, then (only
 * when several remote hosts use the same port pair) the remote address's
 * int32 key (`addrKey`: the IPv4 address itself; an IPv6 address's fold,
 * so entries under one key are confirmed with `addrEq`). Keys stay V8 small integers, so a lookup allocates nothing and
 * usually costs one Map.get; the local address is compared last (a host
 * with several addresses is the rare case).
 */
import { addrEq, addrKey, type InetAddress } from "../net/inet-address.js";
import { bindOverlap, localMatch } from "../net/dual-stack.js";
import type { Tcb } from "./tcb.js";
import type { TimeWaitSock } from "./timewait.js";
import { TcpState } from "./tcp-state.js";

/** The first-level ehash key: both ports as a signed 32-bit integer (a V8 small integer, no allocation). */
export function portsKey(localPort: number, remotePort: number): number {
  return (localPort << 16) | remotePort;
}

/** What the connection tables hold: live connections and TIME-WAIT records. */
export type TcpSock = Tcb | TimeWaitSock;

/**
 * A local port and the sockets holding it (Linux inet_bind_bucket). Most
 * ports have one holder (a connect()-bound client port, a listener before
 * its children): the holder is kept in a field and a `Set` is made only
 * when a second one arrives (memory per connection: a `Set` and its table
 * cost ≈ 190 B).
 */
export class BindBucket {
  #one: TcpSock | null;
  #many: Set<TcpSock> | null = null;

  constructor(
    /** The port. */
    readonly port: number,
    first: TcpSock,
    /** Created by connect()'s autobind (Linux fastreuse < 0): other connects may share it if the 4-tuple differs (A7). */
    public fromConnect: boolean,
  ) {
    this.#one = first;
  }

  /** Number of holders. */
  get size(): number {
    return this.#many ? this.#many.size : this.#one ? 1 : 0;
  }

  /** The holders, in the order they took the port. */
  get owners(): Iterable<TcpSock> {
    return this.#many ?? (this.#one ? [this.#one] : []);
  }

  /** Adds a holder. */
  add(t: TcpSock): void {
    if (this.#many) this.#many.add(t);
    else if (!this.#one) this.#one = t;
    else if (this.#one !== t) this.#many = new Set([this.#one, t]);
  }

  /** Removes a holder. */
  delete(t: TcpSock): void {
    if (this.#many) this.#many.delete(t);
    else if (this.#one === t) this.#one = null;
  }
}

/** The tables. */
export class TcpTables {
  /** ports → the connection, or (several remote addresses / local addresses) a map by remote address. */
  readonly #ehash = new Map<number, TcpSock | Map<number, TcpSock | TcpSock[]>>();
  #ehashSize = 0;
  /** Listening TCBs (state LISTEN) by port. */
  readonly listeners = new Map<number, Tcb[]>();
  readonly binds = new Map<number, BindBucket>();

  /** Number of connections in the ehash. */
  get size(): number {
    return this.#ehashSize;
  }

  /** Finds the connection for a received segment's tuple. */
  lookup(localAddr: InetAddress, localPort: number, remoteAddr: InetAddress, remotePort: number): TcpSock | undefined {
    const e = this.#ehash.get(portsKey(localPort, remotePort));
    if (e === undefined) return undefined;
    if (!(e instanceof Map)) return addrEq(e.remoteAddr, remoteAddr) && addrEq(e.localAddr, localAddr) ? e : undefined;
    const f = e.get(addrKey(remoteAddr));
    if (f === undefined) return undefined;
    if (!Array.isArray(f)) return addrEq(f.localAddr, localAddr) && addrEq(f.remoteAddr, remoteAddr) ? f : undefined;
    for (const t of f) if (addrEq(t.localAddr, localAddr) && addrEq(t.remoteAddr, remoteAddr)) return t;
    return undefined;
  }

  /** Inserts a connection (its tuple must be unique). */
  insert(t: TcpSock): void {
    const k = portsKey(t.localPort, t.remotePort);
    const e = this.#ehash.get(k);
    if (e === undefined) this.#ehash.set(k, t);
    else {
      let m: Map<number, TcpSock | TcpSock[]>;
      if (e instanceof Map) m = e;
      else {
        m = new Map();
        m.set(addrKey(e.remoteAddr), e);
        this.#ehash.set(k, m);
      }
      const ra = addrKey(t.remoteAddr);
      const f = m.get(ra);
      if (f === undefined) m.set(ra, t);
      else if (Array.isArray(f)) f.push(t);
      else m.set(ra, [f, t]);
    }
    t.hashed = true;
    this.#ehashSize++;
  }

  /** Removes a connection. */
  remove(t: TcpSock): void {
    if (!t.hashed) return;
    const k = portsKey(t.localPort, t.remotePort);
    const e = this.#ehash.get(k);
    if (e === t) this.#ehash.delete(k);
    else if (e instanceof Map) {
      const ra = addrKey(t.remoteAddr);
      const f = e.get(ra);
      if (f === t) e.delete(ra);
      else if (Array.isArray(f)) {
        const i = f.indexOf(t);
        if (i >= 0) f.splice(i, 1);
        if (f.length === 1) e.set(ra, f[0]!);
      }
      if (e.size === 0) this.#ehash.delete(k);
      else if (e.size === 1) {
        const only = e.values().next().value!;
        if (!Array.isArray(only)) this.#ehash.set(k, only);
      }
    }
    t.hashed = false;
    this.#ehashSize--;
  }

  /** Every connection in the ehash. */
  *connections(): IterableIterator<TcpSock> {
    for (const e of this.#ehash.values()) {
      if (!(e instanceof Map)) {
        yield e;
        continue;
      }
      for (const f of e.values()) {
        if (Array.isArray(f)) yield* f;
        else yield f;
      }
    }
  }

  /** Adds a listener. */
  addListener(t: Tcb): void {
    const l = this.listeners.get(t.localPort);
    if (l) l.push(t);
    else this.listeners.set(t.localPort, [t]);
  }

  /** Removes a listener. */
  removeListener(t: Tcb): void {
    const l = this.listeners.get(t.localPort);
    if (!l) return;
    const i = l.indexOf(t);
    if (i >= 0) l.splice(i, 1);
    if (l.length === 0) this.listeners.delete(t.localPort);
  }

  /**
   * The listener for a SYN to `localAddr:localPort`: an exact address match
   * beats a wildcard; within the best match, a SO_REUSEPORT group picks by
   * `hash` (Linux inet_lhash2_lookup + reuseport_select_sock).
   */
  findListener(localAddr: InetAddress, localPort: number, hash: number): Tcb | undefined {
    const l = this.listeners.get(localPort);
    if (!l) return undefined;
    // The best-scoring listeners (dual-stack.ts: exact address, then an AF_INET wildcard, then a dual-stack AF_INET6 one).
    let g: Tcb[] | null = null;
    let best = -1;
    for (const t of l) {
      const m = localMatch(t.localAddr, t.v6only, localAddr);
      if (m < 0 || m < best) continue;
      if (m > best) {
        best = m;
        g = [t];
      } else g!.push(t);
    }
    if (!g) return undefined;
    if (g.length === 1 || !g[0]!.reusePort) return g[0];
    return g[hash % g.length];
  }

  /** The bind bucket of a port, if any. */
  bucket(port: number): BindBucket | undefined {
    return this.binds.get(port);
  }

  /** Records that `t` holds its local port. */
  bindPort(t: TcpSock, fromConnect: boolean): void {
    const b = this.binds.get(t.localPort);
    if (!b) this.binds.set(t.localPort, new BindBucket(t.localPort, t, fromConnect));
    else {
      if (!fromConnect) b.fromConnect = false;
      b.add(t);
    }
  }

  /** Releases `t`'s hold on its local port. */
  unbindPort(t: TcpSock): void {
    const b = this.binds.get(t.localPort);
    if (!b) return;
    b.delete(t);
    if (b.size === 0) this.binds.delete(t.localPort);
  }

  /**
   * Linux inet_csk_bind_conflict: may `t` (with its reuse flags) bind
   * `addr:port`? Owners on an overlapping address (dual-stack.ts: the
 * families overlap through a dual-stack `[::]`) conflict unless both set
   * SO_REUSEADDR and the owner is not listening (TIME-WAIT inherits the
   * owner's flag — C5), or both set SO_REUSEPORT. `asListener` re-checks at
   * listen() time, where two listeners conflict even with SO_REUSEADDR.
   */
  bindConflict(t: Tcb, addr: InetAddress, port: number, asListener = false): boolean {
    const b = this.binds.get(port);
    if (!b) return false;
    for (const o of b.owners) {
      if (o === t) continue;
      if (!bindOverlap(o.localAddr, o.v6only, addr, t.v6only)) continue;
      if (t.reusePort && o.reusePort) continue;
      if (t.reuseAddr && o.reuseAddr && o.state !== TcpState.LISTEN && !asListener) continue;
      if (asListener && o.state !== TcpState.LISTEN && t.reuseAddr && o.reuseAddr) continue;
      return true;
    }
    return false;
  }
}
