/**
 * Evaluating the argument expressions of script syscalls: symbolic
 * constants (`SOCK_STREAM`, `O_RDWR|O_NONBLOCK`, `SHUT_WR`), ints, `[N]`
 * pointers to ints and `{l_onoff=1, l_linger=0}` structs. A symbol the
 * runner does not know makes the script unsupported.
 */
import type { Expr } from "./ast.js";
import { errnoNumber, isErrnoCode } from "../core/errno.js";
import { CONSTANTS } from "../socket/constants.js";
import { LEVELS } from "../socket/options.js";

/** A construct the runner cannot execute faithfully. */
export class Unsupported extends Error {}

/** Extra names packetdrill scripts use beyond the socket constants. */
const EXTRA: Readonly<Record<string, number>> = {
  PF_INET: 2,
  NULL: 0,
  O_RDONLY: 0,
  O_WRONLY: 1,
  EPOLLIN: 1,
  POLLIN: 1,
  POLLOUT: 4,
  IPTOS_DSCP_CS1: 0x20,
  IPTOS_DSCP_CS7: 0xe0,
};

/** The number an expression stands for (`...` gives `dflt`). */
export function evalInt(e: Expr, dflt?: number): number {
  switch (e.kind) {
    case "int": return e.value;
    case "ellipsis":
      if (dflt === undefined) throw new Unsupported("`...` where a number is needed");
      return dflt;
    case "word": {
      const v = CONSTANTS[e.name] ?? EXTRA[e.name] ?? LEVELS[e.name] ?? (isErrnoCode(e.name) ? errnoNumber(e.name) : undefined);
      if (v === undefined) throw new Unsupported(`unknown symbol ${e.name}`);
      return v;
    }
    case "binary": return evalInt(e.lhs) | evalInt(e.rhs);
    case "array":
      if (e.items.length === 1) return evalInt(e.items[0]!, dflt);
      throw new Unsupported("array of several values");
    case "call":
      if (e.name === "htons" || e.name === "htonl" || e.name === "ntohs" || e.name === "ntohl") return evalInt(e.args[0]!);
      throw new Unsupported(`call ${e.name}()`);
    default:
      throw new Unsupported(`${e.kind} where a number is needed`);
  }
}

/** A symbol's name, when the expression is a bare word. */
export function wordName(e: Expr): string | null {
  return e.kind === "word" ? e.name : null;
}

/** `{l_onoff=1, l_linger=0}` → `{ l_onoff: 1, l_linger: 0 }`. */
export function evalStruct(e: Expr): Record<string, number> {
  if (e.kind !== "struct") throw new Unsupported(`${e.kind} where a struct is needed`);
  const out: Record<string, number> = {};
  for (const f of e.fields) {
    if (f.name === null || f.args !== null) throw new Unsupported("positional or indexed struct fields");
    out[f.name] = evalInt(f.value);
  }
  return out;
}
