/**
 * Where a command's output goes. The `sockstack` binary writes to the
 * process's stdout and stderr; tests pass a {@link captureIo} and read the
 * lines back, so commands run in-process without touching the terminal.
 */

/** A command's output sink, one line per call (no trailing newline). */
export interface CliIo {
  /** Writes one line to standard output. */
  out(line: string): void;
  /** Writes one line to standard error. */
  err(line: string): void;
  /** Writes bytes to standard output as they are (`tcpdump -w -`). */
  bytes?(data: Uint8Array): void;
  /** Waits until the user presses Enter; absent when stdin is not a terminal (`demo --step`). */
  waitEnter?(): Promise<void>;
}

/**
 * The process's stdout and stderr.
 * @example
 * import { main } from "./main.js";
 * await main(["demo"], processIo());
 */
export function processIo(): CliIo {
  quietOnClosedPipe();
  return {
    out: (line) => void process.stdout.write(`${line}\n`),
    err: (line) => void process.stderr.write(`${line}\n`),
    bytes: (data) => void process.stdout.write(data),
    ...(process.stdin.isTTY ? { waitEnter } : {}),
  };
}

/** Reads one line from the terminal (the prompt on stderr, so stdout stays the transcript). */
function waitEnter(): Promise<void> {
  return new Promise((resolve) => {
    process.stderr.write("[Enter] ");
    const done = () => {
      process.stdin.off("data", done);
      process.stdin.pause();
      resolve();
    };
    process.stdin.on("data", done);
    process.stdin.resume();
  });
}

let pipeHandler = false;

/** `sockstack demo | head`: stop quietly when the reader goes away, like a tool killed by SIGPIPE. */
function quietOnClosedPipe(): void {
  if (pipeHandler) return;
  pipeHandler = true;
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

/** A {@link CliIo} that keeps everything, for tests. */
export interface CapturedIo extends CliIo {
  readonly stdout: string[];
  readonly stderr: string[];
  /** Everything written with `bytes`, in order. */
  readonly binary: Uint8Array[];
}

/**
 * Collects output lines in memory.
 * @example
 * const io = captureIo();
 * const { main } = await import("./main.js");
 * const code = await main(["--version"], io);
 * io.stdout[0] === "sockstack 0.1.0";
 */
export function captureIo(): CapturedIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const binary: Uint8Array[] = [];
  return { stdout, stderr, binary, out: (l) => void stdout.push(l), err: (l) => void stderr.push(l), bytes: (d) => void binary.push(d) };
}
