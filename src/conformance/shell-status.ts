/**
 * What the packetdrill shell's commands return and where they run: the
 * result of a backquoted line ({@link ShellResult}), the exit status of one
 * command ({@link Status}), the error for constructs the interpreter does
 * not execute faithfully ({@link ShellUnsupported}), and the per-script
 * environment ({@link ShellEnv}). Shared by the interpreter (shell.ts), its
 * commands (shell-commands.ts), its files (shell-files.ts) and its
 * sysctls (shell-sysctl.ts).
 */
import type { HostSnapshot } from "../tools/snapshot.js";

/** What a command did. */
export type ShellResult =
  | { status: "ok" }
  | { status: "unsupported"; reason: string }
  | { status: "failed"; reason: string };

export const OK: ShellResult = { status: "ok" };
export const unsupported = (reason: string): ShellResult => ({ status: "unsupported", reason });

/**
 * Where backquoted commands run: the script's folder (relative paths such
 * as `../common/defaults.sh` resolve against it, as packetdrill runs
 * commands in the script's working directory), how to read files there,
 * and what earlier commands of the same script left behind (nstat's
 * history, knobs sockstack only records; files they write go to the
 * host's filesystem, `host.fs`).
 */
export interface ShellEnv {
  /** The script's directory ("" when the script has no path: relative files cannot be read). */
  cwd: string;
  /** Reads a file of the script tree; null when it does not exist. Absent: helper files cannot be read (unsupported). */
  readFile: ((path: string) => string | null) | null;
  /** Shell variables: `PPID` and `PACKETDRILL_PID` (packetdrill's pid, as its commands see it). */
  readonly vars: Record<string, string>;
  /** Linux sysctls sockstack accepts without modelling, as set so far (name → value). */
  readonly recorded: Map<string, string>;
  /** Notes for the result: knobs a helper set that sockstack does not honour. */
  readonly notes: string[];
  /** nstat's history (what the previous `nstat` saw). */
  nstatHistory: HostSnapshot | null;
  /** The tun device's root qdisc (`tc qdisc`): kind and packet limit; null = the device's default. */
  qdisc: { kind: string; limit: number } | null;
  /** Called when the qdisc changes (the runner drops packets beyond `limit`). */
  onQdisc: ((q: { kind: string; limit: number } | null) => void) | null;
  /** Name of the tun device (`tun0`). */
  tunName: string;
  /** Nesting depth of script files (a script that runs itself stops at 8). */
  depth: number;
}

/** A fresh {@link ShellEnv}; packetdrill's pid is 4242 (any fixed number: runs are deterministic). */
export function shellEnv(init: Partial<ShellEnv> = {}): ShellEnv {
  return {
    cwd: "", readFile: null, vars: { PPID: "4242", PACKETDRILL_PID: "4242" }, recorded: new Map(), notes: [],
    nstatHistory: null, qdisc: null, onQdisc: null, tunName: "tun0", depth: 0, ...init,
  };
}

/** A construct the interpreter does not execute faithfully. */
export class ShellUnsupported extends Error {}

/** What one command or list did. */
export interface Status {
  code: number;
  out: string;
  err: string;
}

export const ok = (out = ""): Status => ({ code: 0, out, err: "" });
export const fail = (code: number, err: string): Status => ({ code, out: "", err });

