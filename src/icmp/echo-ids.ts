/**
 * The echo identifiers of a host's ping endpoints, one table per ICMP
 * version, as Linux's ping_table (net/ipv4/ping.c): an endpoint takes an
 * identifier as a port. Autobinding (inet_autobind → ping_get_port with
 * ident 0) searches upward from a rolling start, wrapping 65535 → 1, for
 * an identifier no endpoint of either family holds. Binding a chosen
 * identifier that others hold succeeds when they and the newcomer all
 * allow reuse (sk_reuse: ping sockets start with SO_REUSEADDR set, Linux's
 * INET_PROTOSW_REUSE) — measured on Linux 6.18 (ping-socket-probe.py).
 * A reply or error goes to the endpoint bound last among those whose
 * bound address (if any) is the packet's destination (ping_lookup walks
 * the slot from its head, where ping_get_port adds).
 */
import { SysError } from "../core/sys-error.js";

/** How an endpoint holds its identifier. */
export interface EchoBinding<A> {
  /** SO_REUSEADDR at the time of the check (Linux sk_reuse), read when another endpoint binds. */
  reuse(): boolean;
  /** The local address it is bound to; null for any. */
  addr: A | null;
}

interface Entry<L, A> {
  listener: L;
  binding: EchoBinding<A> | null;
}

/** Ping endpoints by echo identifier (1 … 65535). */
export class EchoIds<L, A = unknown> {
  readonly #byId = new Map<number, Entry<L, A>[]>();
  #next = 0;
  /** The other family's table: identifiers are one space across both (Linux has one ping_table). */
  peer: { has(id: number): boolean; conflicts(id: number, reuse: boolean): boolean } | null = null;

  /**
   * `firstId`: the search's starting identifier, asked for at the first open.
   * `same`: address equality for bound endpoints.
   */
  constructor(private readonly firstId: () => number, private readonly same: (a: A, b: A) => boolean = (a, b) => a === b) {}

  /**
   * Registers an endpoint on a free identifier; returns it. With all 65535
   * in use: EAGAIN, as Linux's inet_autobind gives for a ping socket that
   * finds no free identifier (the search is bounded: it never loops).
   */
  open(listener: L, binding: EchoBinding<A> | null = null): number {
    if (this.#next === 0) this.#next = this.firstId();
    let id = this.#next;
    for (let tries = 0; this.has(id) || this.peer?.has(id); tries++) {
      if (tries >= 0xffff) throw new SysError("EAGAIN", "socket");
      id = (id % 0xffff) + 1;
    }
    this.#next = (id % 0xffff) + 1;
    this.#add(id, listener, binding);
    return id;
  }

  /**
   * Registers an endpoint on identifier `id` (1 … 65535); returns it, or 0
   * when an endpoint holding it (either family) or this one does not allow
   * reuse (Linux ping_get_port: EADDRINUSE).
   */
  openAt(id: number, listener: L, binding: EchoBinding<A> | null = null): number {
    const reuse = binding?.reuse() ?? false;
    if (this.conflicts(id, reuse) || this.peer?.conflicts(id, reuse)) return 0;
    this.#add(id, listener, binding);
    return id;
  }

  #add(id: number, listener: L, binding: EchoBinding<A> | null): void {
    const list = this.#byId.get(id);
    const e = { listener, binding };
    if (list) list.unshift(e);
    else this.#byId.set(id, [e]);
  }

  /** Whether an endpoint holds `id`. */
  has(id: number): boolean {
    return this.#byId.has(id);
  }

  /** Whether binding `id` with reuse `reuse` collides with an endpoint holding it. */
  conflicts(id: number, reuse: boolean): boolean {
    const list = this.#byId.get(id);
    if (!list) return false;
    return !reuse || list.some((e) => !(e.binding?.reuse() ?? false));
  }

  /** Unregisters an endpoint (all of them on `id` when `listener` is not given). */
  close(id: number, listener?: L): void {
    const list = this.#byId.get(id);
    if (!list) return;
    const rest = listener === undefined ? [] : list.filter((e) => e.listener !== listener);
    if (rest.length) this.#byId.set(id, rest);
    else this.#byId.delete(id);
  }

  /**
   * The endpoint a packet on `id` to local address `to` goes to: the one
   * bound last whose bound address is `to` or any (Linux ping_lookup).
   */
  get(id: number, to?: A): L | undefined {
    const list = this.#byId.get(id);
    if (!list) return undefined;
    for (const e of list) {
      const a = e.binding?.addr ?? null;
      if (a === null || to === undefined || this.same(a, to)) return e.listener;
    }
    return undefined;
  }
}
