/**
 * The processes a lab run started, in the order they made their first
 * system call, with what each wrote to its terminal (the screen the
 * processes pane shows), whether it runs, has exited or is reading its
 * stdin; and that pane's HTML.
 *
 * @example
 * const procs = new ProcessTracker(() => net);
 * net.strace((ev) => procs.track(ev));
 * processesHtml(procs.list()); // per process: host, name[pid], state, screen
 */
import type { Network } from "../sim/network.js";
import type { Process } from "../sys/process.js";
import type { Terminal } from "../sys/stdio.js";
import type { SyscallEvent } from "../sys/syscall-boundary.js";
import { esc } from "./views.js";

/** A process the run started, with what it wrote to its terminal. */
export interface LabProcess {
  host: string;
  pid: number;
  name: string;
  /** What it wrote to stdout and stderr (a forked child's output shows under the parent that shares its terminal). */
  output: string;
  /** True until it exits. */
  running: boolean;
  /** Its exit status once exited, else null. */
  exitCode: number | null;
  /** True while it is blocked reading its terminal (fd 0): a typed line goes to it. */
  reading: boolean;
}

/** Follows a network's processes through its syscall events (give {@link track} to `net.strace`). */
export class ProcessTracker {
  /** Processes by `host:pid`, in the order they made their first system call, with the terminal whose screen they show. */
  readonly #procs = new Map<string, { info: LabProcess; proc: Process | null; tty: Terminal | null }>();
  /** Terminals already shown (a forked child shares its parent's). */
  readonly #ttys = new Set<Terminal>();

  /** `net()` is the network the events come from (null before there is one). */
  constructor(private readonly net: () => Network | null) {}

  /** Registers a process at its first system call (its terminal keeps the whole screen), notes its exit. */
  track(ev: SyscallEvent): void {
    if (ev.kind === "exited") {
      const e = this.#procs.get(`${ev.host}:${ev.pid}`);
      if (e) { e.info.running = false; e.info.exitCode = ev.code; e.proc = null; }
      return;
    }
    const key = `${ev.rec.host}:${ev.rec.pid}`;
    if (this.#procs.has(key)) return;
    const proc = this.net()?.hosts.get(ev.rec.host)?.processes.get(ev.rec.pid) ?? null;
    const info: LabProcess = { host: ev.rec.host, pid: ev.rec.pid, name: ev.rec.process, output: "", running: true, exitCode: null, reading: false };
    const tty = proc && !this.#ttys.has(proc.tty) ? proc.tty : null;
    if (tty) this.#ttys.add(tty);
    this.#procs.set(key, { info, proc, tty });
  }

  /** Every process seen so far, with its screen, in start order. */
  list(): LabProcess[] {
    return [...this.#procs.values()].map(({ info, proc, tty }) => {
      let reading = false;
      if (proc && !proc.exited) for (const r of proc.inflight) if ((r.call === "read" || r.call === "recvLine" || r.call === "recv") && r.args[0] === 0) reading = true;
      return { ...info, output: tty?.output ?? "", reading };
    });
  }
}

/** The processes as HTML: per process its host, name, pid and state, and its screen. */
export function processesHtml(procs: readonly LabProcess[]): string {
  if (procs.length === 0) return "<p>(no process yet)</p>";
  return procs.map((p) => {
    const state = p.running ? (p.reading ? '<span class="reading">reading stdin</span>' : "running") : `exited ${p.exitCode}`;
    const screen = p.output === "" ? `<pre id="proc-${esc(p.host)}-${p.pid}" class="empty">(nothing written)</pre>` : `<pre id="proc-${esc(p.host)}-${p.pid}">${esc(p.output)}</pre>`;
    return `<div><h3>${esc(p.host)}: ${esc(p.name)}[${p.pid}] · ${state}</h3>${screen}</div>`;
  }).join("");
}
