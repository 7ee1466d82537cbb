/**
 * A tiny command-line parser shared by the `sockstack` subcommands.
 *
 * Accepts, in any order: long options `--key value` and `--key=value`,
 * short options `-c 5` and `-c5`, boolean flags (`--json`, `-h`), clustered
 * boolean short flags (`-nq`), positional arguments, and `--` to end option
 * parsing. Typed values (`int`, `number`) are validated here, so a bad
 * command line fails with one line saying why, which the dispatcher prints
 * above the usage line (exit status 2, like most Unix tools).
 *
 * @example
 * const spec = { count: { short: "c", kind: "int", min: 1 }, json: { kind: "flag" } } as const;
 * const a = parseArgs(["-c", "3", "--json", "10.0.0.2"], spec);
 * a.options.count === 3; a.options.json === true; a.positionals[0] === "10.0.0.2";
 */

/** How an option's value is read. */
export type OptionKind = "flag" | "string" | "int" | "number";

/** One option of a command. The key of the spec is its long name. */
export interface ArgSpec {
  /** `"flag"` takes no value; the others take one. */
  readonly kind: OptionKind;
  /** One-letter short form (`"c"` for `-c`). */
  readonly short?: string;
  /** Inclusive bounds for `int` / `number`. */
  readonly min?: number;
  readonly max?: number;
  /** Name of the value in messages (`COUNT`); defaults to the long name upper-cased. */
  readonly metavar?: string;
  /** Not accepted as `--long` (only the short form), e.g. iputils' `-c`. */
  readonly shortOnly?: boolean;
}

/** A command's options, keyed by long name. */
export type ArgSpecs = Readonly<Record<string, ArgSpec>>;

/** The result of {@link parseArgs}. Flags default to false, valued options to undefined. */
export interface ParsedArgs<S extends ArgSpecs> {
  readonly options: {
    -readonly [K in keyof S]: S[K]["kind"] extends "flag" ? boolean : (S[K]["kind"] extends "string" ? string : number) | undefined;
  };
  readonly positionals: string[];
}

/**
 * A bad command line. `message` is one line without a trailing period,
 * e.g. `option -c: 'x' is not an integer`.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Parses `argv` against `spec`. Throws {@link UsageError} on an unknown
 * option, a missing value, a value of the wrong type or out of range.
 * @example
 * parseArgs(["--seed=7"], { seed: { kind: "int" } }).options.seed === 7
 */
export function parseArgs<S extends ArgSpecs>(argv: readonly string[], spec: S): ParsedArgs<S> {
  const options: Record<string, boolean | string | number | undefined> = {};
  const byShort = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) {
    options[name] = s.kind === "flag" ? false : undefined;
    if (s.short) byShort.set(s.short, name);
  }
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith("--") && arg.length > 2) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const s = spec[name];
      if (!s || s.shortOnly) throw new UsageError(`unknown option --${name}`);
      const label = `--${name}`;
      if (s.kind === "flag") {
        if (eq >= 0) throw new UsageError(`option ${label} takes no value`);
        options[name] = true;
        continue;
      }
      let raw: string;
      if (eq >= 0) raw = arg.slice(eq + 1);
      else {
        if (i + 1 >= argv.length) throw new UsageError(`option ${label} needs a value (${metavar(name, s)})`);
        raw = argv[++i]!;
      }
      options[name] = convert(raw, label, s);
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1 && (!isNumeric(arg) || byShort.has(arg[1]!))) {
      // -c5, -c 5, or clustered flags -nq (a digit is an option when one is named by it: ping -6)
      for (let j = 1; j < arg.length; j++) {
        const ch = arg[j]!;
        const name = byShort.get(ch);
        if (name === undefined) throw new UsageError(`unknown option -${ch}`);
        const s = spec[name]!;
        const label = `-${ch}`;
        if (s.kind === "flag") {
          options[name] = true;
          continue;
        }
        let raw: string;
        if (j + 1 < arg.length) raw = arg.slice(j + 1);
        else {
          if (i + 1 >= argv.length) throw new UsageError(`option ${label} needs a value (${metavar(name, s)})`);
          raw = argv[++i]!;
        }
        options[name] = convert(raw, label, s);
        break;
      }
      continue;
    }
    positionals.push(arg);
  }
  return { options, positionals } as ParsedArgs<S>;
}

function metavar(name: string, s: ArgSpec): string {
  return s.metavar ?? name.toUpperCase();
}

function isNumeric(s: string): boolean {
  return /^-?(\d+\.?\d*|\.\d+)$/.test(s);
}

function convert(raw: string, label: string, s: ArgSpec): string | number {
  if (s.kind === "string") {
    if (raw === "") throw new UsageError(`option ${label} needs a non-empty value`);
    return raw;
  }
  const v = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(v)) throw new UsageError(`option ${label}: '${raw}' is not a number`);
  if (s.kind === "int" && !Number.isInteger(v)) throw new UsageError(`option ${label}: '${raw}' is not an integer`);
  if (s.min !== undefined && v < s.min) throw new UsageError(`option ${label}: ${raw} is below the minimum ${s.min}`);
  if (s.max !== undefined && v > s.max) throw new UsageError(`option ${label}: ${raw} is above the maximum ${s.max}`);
  return v;
}
