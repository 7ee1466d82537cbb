// seeds: H5, H6
/**
 * One real terminal for several simulated programs (the chat examples).
 *
 * Each program runs on its own simulated host with its own terminal
 * (fds 0, 1, 2). {@link converse} shows what they write, each line
 * prefixed with the program's name (`[client] to server: `), and hands
 * every line the user types to the program that is reading its terminal
 * at that moment (the client when both are) — so one person plays both
 * ends of the conversation, as the lecture does with two windows.
 *
 * Between two lines, virtual time runs until nothing is left to do: the
 * packets land, the delayed ACKs go out, and the programs block again.
 * When the input ends (Ctrl-D, or the end of a piped file), every read of
 * the terminals returns end-of-file from then on (`input()` raises
 * EOFError).
 */
import type { Network, OutputChunk, Program } from "sockstack";

/** Where a conversation's input comes from and where its screen goes. */
export interface TerminalOptions {
  /** The lines the user types (without newlines); default none. */
  input?: AsyncIterable<string> | Iterable<string>;
  /** Where the screen goes (raw text: prompts have no newline); default the real stdout. */
  write?: (text: string) => void;
  /** Show each typed line after its prompt, as a terminal echoes it (for a script, not a keyboard); default false. */
  echo?: boolean;
}

/** What {@link converse} needs: the programs, and the terminal. */
export interface ConverseOptions extends TerminalOptions {
  /** The programs sharing the terminal, by the name their lines carry. */
  programs: Record<string, Program>;
}

/** True while `prog` is blocked reading its terminal (fd 0). */
function readingTerminal(prog: Program): boolean {
  if (!prog.running) return false;
  for (const r of prog.process.inflight) if ((r.call === "read" || r.call === "recvLine") && r.args[0] === 0) return true;
  return false;
}

/** What a program is blocked in, for the "nobody is reading" note: `recv(3, 1024)`. */
function blockedIn(prog: Program): string {
  const calls = [...prog.process.inflight].map((r) => `${r.call}(${r.args.filter((a) => typeof a !== "object").join(", ")})`);
  return prog.running ? (calls.length ? `blocked in ${calls.join(", ")}` : "running") : `exited (status ${prog.exitCode})`;
}

/**
 * Runs the conversation: output of every program as it is written, input
 * line by line to whoever reads, until the programs have exited or no one
 * can read any more; then says where each program still running (daemons
 * aside) is blocked. Returns when the network is idle.
 */
export async function converse(net: Network, opts: ConverseOptions): Promise<void> {
  const o = { input: [], write: (t: string) => void process.stdout.write(t), echo: false, ...opts };
  const names = Object.keys(o.programs);
  let atLineStart = true;
  let last = "";
  const show = (name: string, text: string): void => {
    if (!atLineStart && last !== name) {
      o.write("\n"); // another program interrupts a prompt
      atLineStart = true;
    }
    for (const piece of text.split(/(?<=\n)/)) {
      if (atLineStart) o.write(`[${name}] `);
      o.write(piece);
      atLineStart = piece.endsWith("\n");
    }
    last = name;
  };
  const dec = new Map(names.map((n) => [n, new TextDecoder()]));
  for (const n of names) o.programs[n]!.tty.stdout.onWrite((c) => show(n, dec.get(n)!.decode(c.data, { stream: true })));
  for (const n of names) o.programs[n]!.tty.stderr.onWrite((c) => show(n, dec.get(n)!.decode(c.data, { stream: true })));

  const lines = Symbol.asyncIterator in o.input
    ? (o.input as AsyncIterable<string>)[Symbol.asyncIterator]()
    : (async function* () { yield* o.input as Iterable<string>; })();
  for (;;) {
    await net.run({ untilIdle: true });
    const reader = names.find((n) => readingTerminal(o.programs[n]!));
    if (reader === undefined) break;
    const next = await lines.next();
    if (next.done) {
      for (const n of names) o.programs[n]!.stdin.end(); // Ctrl-D: every later read of the terminal returns 0
      await net.run({ untilIdle: true });
      break;
    }
    if (o.echo) o.write(next.value + "\n");
    atLineStart = true;
    o.programs[reader]!.stdin.write(next.value + "\n");
  }
  if (!atLineStart) o.write("\n");
  const live = names.filter((n) => o.programs[n]!.running && !o.programs[n]!.daemon);
  if (live.length) o.write(`(no one reads the terminal: ${live.map((n) => `${n} ${blockedIn(o.programs[n]!)}`).join("; ")})\n`);
}

/** The lines of the real standard input (a keyboard, or a piped file). */
export async function* stdinLines(): AsyncIterable<string> {
  const { createInterface } = await import("node:readline");
  yield* createInterface({ input: process.stdin, crlfDelay: Infinity });
}

/** The real terminal: its lines as input, echoed when they come from a pipe (a keyboard's terminal echoes them itself). */
export function realTerminal(): TerminalOptions {
  return { input: stdinLines(), echo: !process.stdin.isTTY };
}

/**
 * Prints each complete line the programs write to their terminals (fd 1
 * and fd 2) as it is written, with the virtual time of the write and the
 * program's name: `  12.0 ms  [client 2] connected`. A forked child
 * shares its parent's terminal, so its lines carry the parent's name and
 * the child's pid (`[server 1003]`) when `pids` is set.
 */
export function showScreens(programs: Record<string, Program>, print: (line: string) => void, o: { pids?: boolean } = {}): void {
  for (const [name, prog] of Object.entries(programs)) {
    const partial = new Map<number, string>();
    const onChunk = (c: OutputChunk): void => {
      const lines = ((partial.get(c.pid) ?? "") + new TextDecoder().decode(c.data)).split("\n");
      partial.set(c.pid, lines.pop()!);
      const who = o.pids ? `${name} ${c.pid}` : name;
      for (const l of lines) print(`${(c.at / 1000).toFixed(1).padStart(7)} ms  [${who}] ${l}`);
    };
    prog.tty.stdout.onWrite(onChunk);
    prog.tty.stderr.onWrite(onChunk);
  }
}
