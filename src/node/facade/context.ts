/**
 * What every façade module bound to one simulated host shares: the host,
 * the process whose fd table holds the façade's sockets, and virtual-time
 * timers on the network's scheduler.
 */
import { Timer } from "../../core/scheduler.js";
import type { Micros } from "../../core/time.js";
import type { Host } from "../../host/host.js";
import type { Process } from "../../sys/process.js";
import { trackHostImmediates } from "../../sim/virtual-driver.js";
import { bindHostContext } from "./als.js";

/** The state the `net`/`dgram`/`dns` façades of one host share. */
export class FacadeContext {
  /** The process that owns every socket the façade creates (its name is `node`). */
  readonly proc: Process;

  constructor(readonly host: Host, processName = "node") {
    this.proc = host.createProcess(processName);
    // Application callbacks queued with setImmediate (undici, stream libraries) belong to the instant that queued them.
    trackHostImmediates();
  }

  /** Virtual time now (µs). */
  now(): Micros {
    return this.host.ctx.scheduler.now();
  }

  /**
   * Arms a one-shot virtual-time timer `delay` µs from now. The callback
   * runs inside the driver's event loop; the driver is told a wake
   * happened so that whatever application code the callback starts (promise
   * continuations, `process.nextTick`) runs before virtual time moves on.
   * Returns the function that cancels it.
   */
  timer(delay: Micros, fn: () => void): () => void {
    // In the interception context that armed it, as a real timer's callback.
    const bound = bindHostContext(fn);
    const t = new Timer(() => {
      this.host.ctx.notifyWake();
      bound();
    });
    this.host.ctx.scheduler.armIn(t, Math.max(0, Math.round(delay)));
    return () => this.host.ctx.scheduler.disarm(t);
  }

  /** Tells the driver application code may run (callbacks emitted outside a syscall's wake-up). */
  wake(): void {
    this.host.ctx.notifyWake();
  }

  /** The next poll round's waiters: listeners first, then connecting sockets (see {@link pollRound}). */
  #round: { listeners: (() => void)[]; streams: (() => void)[] } | null = null;

  /**
   * Resolves in the next poll round of Node's event loop (libuv's
   * uv__io_poll), where what the kernel did since the last round is
   * reported: a listener's pending connection (one accept per round, as
   * libuv's uv__server_io) and a connecting socket's outcome. Within a
   * round listeners come first: a listener is in epoll before the socket
   * that connects to it (libuv registers a connecting fd at the start of
   * the next round, after connect() returned), and over loopback the
   * handshake completes inside connect(), so epoll_wait lists the listener
   * first — the server's `'connection'` precedes the client's `'connect'`.
   * A round is one setImmediate at the same virtual instant (the driver
   * runs those before the clock moves); waiters added while a round runs
   * belong to the next one.
   */
  pollRound(kind: "listener" | "stream"): Promise<void> {
    return new Promise<void>((resolve) => {
      if (!this.#round) {
        const round: { listeners: (() => void)[]; streams: (() => void)[] } = (this.#round = { listeners: [], streams: [] });
        setImmediate(() => {
          if (this.#round === round) this.#round = null;
          for (const f of round.listeners) f();
          for (const f of round.streams) f();
        });
      }
      (kind === "listener" ? this.#round.listeners : this.#round.streams).push(resolve);
    });
  }
}
