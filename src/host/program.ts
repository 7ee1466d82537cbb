/**
 * The handle of a program started with `host.spawn(name, main)`: its
 * process, how it ended (`exited`, `exitCode`), its return value
 * (`result`), its terminal, and `kill()`.
 *
 * Programs are *clients* (the default) or *daemons* (`{ daemon: true }`):
 * `net.run()` returns once every client has exited and never waits for a
 * daemon — a server's accept loop, a heartbeat, a keepalive'd idle
 * connection (turmoil's `Sim::client` / `Sim::host`).
 */
import type { Process } from "../sys/process.js";
import type { OutputStream, StdinFeed, Terminal } from "../sys/stdio.js";

/** How a program ended. */
export interface ProgramExit<T = unknown> {
  /** Exit status: `main`'s number, 0 for another value, 1 after a crash or a failed wrap() call, 128 + signal when killed. */
  readonly code: number;
  /** `"SIGKILL"` / `"SIGTERM"` when killed, else null. */
  readonly signal: string | null;
  /** What `main` returned (undefined when it did not return: crash, exit(), kill). */
  readonly value: T | undefined;
  /** The error that ended it (an uncaught exception, a crashed thread, a SpinError), else null. */
  readonly error: unknown;
}

/** Options of `host.spawn`. */
export interface SpawnOptions {
  /**
   * A daemon (server) program: `net.run()` does not wait for it to exit.
   * Default false: a client, which `net.run()` waits for.
   */
  daemon?: boolean;
}

/** The program ended without returning a value: a crash, a non-zero exit or a kill (what `result` rejects with). */
export class ProgramFailed extends Error {
  constructor(readonly exit: ProgramExit) {
    super(exit.signal ? `killed by ${exit.signal}` : exit.error instanceof Error ? exit.error.message : `exited with status ${exit.code}`);
    this.name = "ProgramFailed";
  }
}

/**
 * A running (or finished) program.
 * @example
 * const h = client.spawn("client", async (p) => p.getrlimit().soft);
 * await net.run();
 * const soft = await h.result;           // main's return value: 1024
 * const { code } = await h.exited;       // 0
 */
export class Program<T = unknown> {
  /** The process running the program (pid, fds, syscalls). */
  readonly process: Process;
  /** True for a daemon (net.run() does not wait for it). */
  readonly daemon: boolean;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<ProgramExit<T>>;
  #result: Promise<T> | null = null;

  constructor(process: Process, daemon: boolean) {
    this.process = process;
    this.daemon = daemon;
    this.exited = process.whenExited().then((code) => ({
      code,
      signal: process.termSignal,
      value: process.returnValue as T | undefined,
      error: process.error,
    }));
  }

  /**
   * `main`'s return value once it returned; rejects with the program's
   * error (or a {@link ProgramFailed}) when it crashed, was killed, or
   * exited with a non-zero status without returning.
   */
  get result(): Promise<T> {
    return (this.#result ??= this.exited.then((e) => {
      if (e.error !== null && e.error !== undefined) throw e.error;
      if (e.signal || (e.code !== 0 && e.value === undefined)) throw new ProgramFailed(e);
      return e.value as T;
    }));
  }

  /** The pid. */
  get pid(): number {
    return this.process.pid;
  }

  /** The program's name. */
  get name(): string {
    return this.process.name;
  }

  /** The exit status once exited, else null. */
  get exitCode(): number | null {
    return this.process.exitCode;
  }

  /** True until the process exits. */
  get running(): boolean {
    return this.process.exitCode === null;
  }

  /** The error that ended it, else null. */
  get error(): unknown {
    return this.process.error;
  }

  /** The terminal of fds 0–2: `tty.output` (its screen), `tty.type("line\n")`. */
  get tty(): Terminal {
    return this.process.tty;
  }

  /**
   * The program's standard input: `stdin.write("line\n")`, `stdin.end()`
   * (Ctrl-D), `stdin.script([{ at: ms(100), data: "hi\n" }])`.
   */
  get stdin(): StdinFeed {
    return this.process.stdin;
  }

  /** What the program wrote to standard output (fd 1): `stdout.text`, `stdout.echo(console.log, "[client 1000] ")`. */
  get stdout(): OutputStream {
    return this.process.stdout;
  }

  /** What the program wrote to standard error (fd 2): perror lines, failed wrap() calls. */
  get stderr(): OutputStream {
    return this.process.stderr;
  }

  /** Everything the program wrote to its terminal (fds 1 and 2, interleaved as on a screen). */
  get output(): string {
    return this.process.tty.output;
  }

  /** Ends the program at once (status 128 + signal; its blocked calls never return). */
  kill(signal: "SIGKILL" | "SIGTERM" = "SIGKILL"): Promise<void> {
    return this.process.kill(signal);
  }
}
