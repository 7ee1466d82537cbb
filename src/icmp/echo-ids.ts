/**
 * The echo identifiers of a host's ping endpoints, one table per ICMP
 * version: Linux's ping sockets take a free identifier as a port
 * (inet_autobind), searching upward from a rolling start and wrapping
 * 65535 → 1.
 */
import { SysError } from "../core/sys-error.js";

/** Ping endpoints by echo identifier (1 … 65535). */
export class EchoIds<L> {
  readonly #byId = new Map<number, L>();
  #next = 0;

  /** `firstId`: the search's starting identifier, asked for at the first open. */
  constructor(private readonly firstId: () => number) {}

  /**
   * Registers an endpoint; returns its identifier. With all 65535 in use:
   * EAGAIN, as Linux's inet_autobind gives for a ping socket that finds no
   * free identifier (the search is bounded: it never loops).
   */
  open(listener: L): number {
    if (this.#next === 0) this.#next = this.firstId();
    let id = this.#next;
    for (let tries = 0; this.#byId.has(id); tries++) {
      if (tries >= 0xffff) throw new SysError("EAGAIN", "socket");
      id = (id % 0xffff) + 1;
    }
    this.#next = (id % 0xffff) + 1;
    this.#byId.set(id, listener);
    return id;
  }

  /** Registers an endpoint on identifier `id` (1 … 65535); returns it, or 0 when it is taken. */
  openAt(id: number, listener: L): number {
    if (this.#byId.has(id)) return 0;
    this.#byId.set(id, listener);
    return id;
  }

  /** Unregisters an endpoint. */
  close(id: number): void {
    this.#byId.delete(id);
  }

  /** The endpoint holding `id`, if any. */
  get(id: number): L | undefined {
    return this.#byId.get(id);
  }
}
