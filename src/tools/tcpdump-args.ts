/**
 * tcpdump's command line as sockstack reads it — the flags it honours and
 * the filter expression made of the words after them — shared by
 * `sockstack tcpdump` (src/cli/views.ts) and the web lab's tcpdump pane.
 *
 * @example
 * parseTcpdumpArgs(["-nnv", "-i", "eth0", "tcp", "port", "9090"]);
 * // { verbose: 1, iface: "eth0", expression: "tcp port 9090", … }
 */

/** A flag tcpdump does not have, or one without its value: the message tcpdump prints after `tcpdump: `. */
export class TcpdumpArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TcpdumpArgsError";
  }
}

/** What a tcpdump command line asks for. */
export interface TcpdumpArgs {
  /** `-v` (repeatable). */
  verbose: number;
  /** `-X`: hex and ASCII dump of each packet. */
  hex: boolean;
  /** `-S`: absolute sequence numbers. */
  absoluteSeq: boolean;
  /** `-t`: no time stamps. */
  noTime: boolean;
  /** `-e`: the link-level header of Ethernet frames. */
  ether: boolean;
  /** `-c COUNT`. */
  count: number | undefined;
  /** `-i IFACE` (`any`: every interface). */
  iface: string | undefined;
  /** `-w FILE`. */
  write: string | undefined;
  /** `-M SECRET`: the TCP MD5 signature key to check option 19 with. */
  md5Secret: string | undefined;
  /** The filter expression words (joined by a space, as tcpdump joins its arguments). */
  words: string[];
  /** {@link words} joined. */
  expression: string;
}

/**
 * Reads tcpdump's flags (`-n` is accepted and ignored: sockstack prints
 * numbers only) and the expression words after them. Throws
 * {@link TcpdumpArgsError} for an unknown flag, a missing value or a bad count.
 * @example parseTcpdumpArgs(["-c", "2", "port", "80"]).count === 2
 */
export function parseTcpdumpArgs(args: readonly string[]): TcpdumpArgs {
  const f: TcpdumpArgs = { verbose: 0, hex: false, absoluteSeq: false, noTime: false, ether: false, count: undefined, iface: undefined, write: undefined, md5Secret: undefined, words: [], expression: "" };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("-") || a === "-") {
      f.words.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      const value = (): string => {
        const v = j + 1 < a.length ? a.slice(j + 1) : args[++i];
        if (v === undefined) throw new TcpdumpArgsError(`option -${c} needs a value`);
        j = a.length;
        return v;
      };
      switch (c) {
        case "n": break; // numeric output is all sockstack prints
        case "v": f.verbose++; break;
        case "X": f.hex = true; break;
        case "S": f.absoluteSeq = true; break;
        case "t": f.noTime = true; break;
        case "e": f.ether = true; break;
        case "c": {
          const v = value();
          const n = Number(v);
          if (!Number.isInteger(n) || n < 1) throw new TcpdumpArgsError(`invalid packet count ${v}`);
          f.count = n;
          break;
        }
        case "i": f.iface = value(); break;
        case "w": f.write = value(); break;
        case "M": f.md5Secret = value(); break;
        default: throw new TcpdumpArgsError(`invalid option -- '${c}'`);
      }
    }
  }
  f.expression = f.words.join(" ");
  return f;
}

/**
 * Splits a command line typed into a box into words, as a shell would for
 * the simple cases: spaces separate, single or double quotes group.
 * @example shellWords(`-nn 'tcp port 80'`) // ["-nn", "tcp port 80"]
 */
export function shellWords(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}
