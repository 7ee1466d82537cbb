/**
 * A process's standard streams (issue 12 item 9): fds 0, 1 and 2 refer to
 * its terminal, `/dev/pts/0` (as `lsof` shows it, A9), and a test drives
 * that terminal from outside — it types into fd 0 and reads what the
 * program wrote to fd 1 and fd 2, kept apart:
 *
 * - {@link StdinFeed} (`p.stdin`): the keyboard. `write("hello\n")` types,
 *   `end()` is Ctrl-D at the start of a line (reads return 0 bytes once the
 *   input is consumed), `script([{ at: ms(100), data: "hi\n" }, { at: sec(1), end: true }])`
 *   types on the simulated clock.
 * - {@link OutputStream} (`p.stdout`, `p.stderr`): what the program wrote,
 *   as `text`, each chunk tagged with the writer's pid (a forked child
 *   shares its parent's terminal, as on Linux), and `echo(sink)` to print
 *   complete lines with a prefix: `[client 1000] hello`.
 *
 * The terminal is in canonical mode (ICANON), as a shell leaves it: a
 * read of fd 0 returns at most one line, and fd 0 is readable (POLLIN, for
 * select/poll/epoll) once a whole line — or the end of input — is there; a
 * partial line waits for its newline or for `end()`. Each fd is an open
 * file of its own (so `dup2(1, 2)`, the shell's `2>&1`, sends fd 2 to the
 * stdout stream), all three on the same terminal: writing to fd 0 goes to
 * stdout, reading fd 1 or 2 reads the keyboard, as on a real tty.
 *
 * Difference from Linux: the terminal has no echo, job control, or
 * settings (termios); `O_NONBLOCK` on fd 0 works (EAGAIN), for the
 * non-blocking event loops of seed 4.
 */
import { POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from "../core/poll-events.js";
import { Timer } from "../core/scheduler.js";
import type { StackContext } from "../core/stack-context.js";
import type { Micros } from "../core/time.js";
import { WaitQueue } from "../core/wait-queue.js";

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** Bytes, or a string typed as UTF-8. */
export type StdioData = Uint8Array | string;

/** One step of a {@link StdinFeed.script}: type `data` at virtual time `at` (µs), or end the input. */
export type StdinScriptStep = { at: Micros; data: StdioData } | { at: Micros; end: true };

/**
 * The keyboard of a process's terminal: what a test types for fd 0.
 * @example
 * declare function chat(p: Process): Promise<void>; // given: the program
 * const p = host.spawn("chat", chat);
 * p.stdin.write("hello\n");
 * p.stdin.script([{ at: ms(500), data: "second line\n" }, { at: sec(1), end: true }]);
 */
export class StdinFeed {
  /** Wakes readers of fd 0 (read, select, poll, epoll) when a line or the end of input arrives. */
  readonly wq = new WaitQueue();
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #lines = 0; // newlines queued
  #ended = false;
  #timers: Timer[] = [];

  constructor(readonly ctx: StackContext) {}

  /** Types `data` (a string is UTF-8). Throws once the input has ended, like writing to a closed pipe. */
  write(data: StdioData): void {
    if (this.#ended) throw new Error("stdin: write after end()");
    const b = typeof data === "string" ? encoder.encode(data) : data.slice();
    if (b.length === 0) return;
    this.#chunks.push(b);
    this.#bytes += b.length;
    let nl = 0;
    for (const x of b) if (x === 10) nl++;
    this.#lines += nl;
    if (nl > 0) this.#wake();
  }

  /** Ctrl-D: once the queued input is read (a partial last line included), reads return 0 bytes. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#wake();
  }

  /** True once {@link end} was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Bytes typed and not yet read. */
  get pending(): number {
    return this.#bytes;
  }

  /**
   * Types on the simulated clock: each step at its absolute virtual time
   * `at` (a time already past: now, in order). Returns a function that
   * cancels the steps not yet done.
   */
  script(steps: readonly StdinScriptStep[]): () => void {
    const sched = this.ctx.scheduler;
    const now = sched.now();
    const timers: Timer[] = [];
    let last = now;
    for (const step of steps) {
      // Keep the given order even for equal or past times.
      const at = Math.max(last, step.at, now);
      last = at;
      const t = new Timer(() => {
        this.#timers.splice(this.#timers.indexOf(t), 1);
        if ("end" in step) this.end();
        else this.write(step.data);
      });
      timers.push(t);
      this.#timers.push(t);
      sched.armIn(t, at - now);
    }
    return () => {
      for (const t of timers) {
        const i = this.#timers.indexOf(t);
        if (i >= 0) {
          this.#timers.splice(i, 1);
          sched.disarm(t);
        }
      }
    };
  }

  /** Canonical-mode readiness: a whole line, or the end of input, is there. */
  get readable(): boolean {
    return this.#lines > 0 || this.#ended;
  }

  /**
   * A read of up to `n` bytes (n ≥ 1): at most one line, as a terminal in
   * canonical mode gives it; an empty array at the end of input; null when
   * a read would block.
   */
  read(n: number): Uint8Array | null {
    if (!this.readable) return null;
    if (this.#bytes === 0) return EMPTY; // ended
    // Up to and including the first newline, at most n bytes.
    let take = 0;
    let found = false;
    scan: for (const c of this.#chunks) {
      for (let i = 0; i < c.length && take < n; i++) {
        take++;
        if (c[i] === 10) {
          found = true;
          break scan;
        }
      }
      if (take >= n) break;
    }
    const out = new Uint8Array(take);
    let o = 0;
    while (o < take) {
      const c = this.#chunks[0]!;
      const k = Math.min(c.length, take - o);
      out.set(c.subarray(0, k), o);
      o += k;
      if (k === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(k);
    }
    this.#bytes -= take;
    if (found) this.#lines--;
    return out;
  }

  #wake(): void {
    this.wq.wake(POLLIN | POLLRDNORM);
    this.ctx.notifyWake();
  }
}

/** One write(2) to an output stream. */
export interface OutputChunk {
  /** The writer's pid. */
  pid: number;
  /** Virtual time of the write (µs). */
  at: Micros;
  /** The bytes written. */
  data: Uint8Array;
}

/**
 * What a process wrote to its stdout or stderr: the text, the chunks with
 * writer and time, and listeners for live printing.
 * @example
 * await net.run();
 * p.stdout.text === "hello\n";
 * p.stdout.echo(console.log, "[client 1000] ");   // prints each complete line, prefixed
 */
export class OutputStream {
  /** Everything written, in order (bounded by what the test keeps: nothing is dropped). */
  readonly chunks: OutputChunk[] = [];
  #text = "";
  #decoder = new TextDecoder();
  #listeners: ((chunk: OutputChunk) => void)[] = [];

  constructor(
    /** `"stdout"` or `"stderr"`. */
    readonly name: "stdout" | "stderr",
    /** Where the screen is appended (the terminal both streams write to). */
    private readonly screen: { append(text: string): void } | null = null,
  ) {}

  /** All the text written so far (UTF-8). */
  get text(): string {
    return this.#text;
  }

  /** The complete lines written so far (without their newlines). */
  lines(): string[] {
    const ls = this.#text.split("\n");
    ls.pop(); // the unterminated rest
    return ls;
  }

  /** Appends a write of `data` by process `pid` at `at`. Returns the bytes taken (all of them). */
  write(data: Uint8Array, pid = 0, at: Micros = 0): number {
    const chunk = { pid, at, data: data.slice() };
    this.chunks.push(chunk);
    const t = this.#decoder.decode(chunk.data, { stream: true });
    this.#text += t;
    this.screen?.append(t);
    for (const l of this.#listeners.slice()) l(chunk);
    return data.length;
  }

  /** Calls `listener` with every later write. Returns the function that removes it. */
  onWrite(listener: (chunk: OutputChunk) => void): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  /**
   * Prints every later complete line through `sink`, prefixed
   * (`[client 1000] hello`); the returned function flushes a partial last
   * line and stops. `prefix` may be a function of the writer's pid.
   */
  echo(sink: (line: string) => void, prefix: string | ((pid: number) => string) = ""): () => void {
    const partial = new Map<number, string>();
    const dec = new Map<number, InstanceType<typeof TextDecoder>>();
    const pre = (pid: number): string => (typeof prefix === "function" ? prefix(pid) : prefix);
    const off = this.onWrite(({ pid, data }) => {
      let d = dec.get(pid);
      if (!d) dec.set(pid, (d = new TextDecoder()));
      const parts = ((partial.get(pid) ?? "") + d.decode(data, { stream: true })).split("\n");
      partial.set(pid, parts.pop()!);
      for (const line of parts) sink(pre(pid) + line);
    });
    return () => {
      off();
      for (const [pid, rest] of partial) if (rest) sink(pre(pid) + rest);
      partial.clear();
    };
  }
}

/**
 * A process's terminal: the keyboard ({@link StdinFeed}), the stdout and
 * stderr streams, and `output`, the screen (both streams interleaved, as a
 * terminal shows them). Forked children share their parent's.
 */
export class Terminal {
  /** The device lsof names for fds 0–2. */
  readonly path = "/dev/pts/0";
  readonly stdin: StdinFeed;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  #screen = "";

  constructor(ctx: StackContext) {
    const screen = { append: (t: string) => void (this.#screen += t) };
    this.stdin = new StdinFeed(ctx);
    this.stdout = new OutputStream("stdout", screen);
    this.stderr = new OutputStream("stderr", screen);
  }

  /** The screen: everything written to stdout and stderr, interleaved in time order. */
  get output(): string {
    return this.#screen;
  }

  /** Types `text` at the terminal (= `stdin.write`). */
  type(text: string): void {
    this.stdin.write(text);
  }

  /** Ctrl-D (= `stdin.end()`). */
  endInput(): void {
    this.stdin.end();
  }

  /** Writes to the screen through stdout (or stderr). */
  write(data: Uint8Array, stream: "stdout" | "stderr" = "stdout", pid = 0, at: Micros = 0): number {
    return (stream === "stdout" ? this.stdout : this.stderr).write(data, pid, at);
  }
}

/** Readiness of an fd on the terminal: POLLIN per canonical mode, always writable. */
export function terminalPoll(stdin: StdinFeed): number {
  return (stdin.readable ? POLLIN | POLLRDNORM : 0) | POLLOUT | POLLWRNORM;
}
