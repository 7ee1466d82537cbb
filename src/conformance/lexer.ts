/**
 * Tokenizer for packetdrill scripts.
 *
 * The language is free-form like packetdrill's flex scanner: whitespace and
 * newlines separate tokens and carry no meaning, `//` and `/* *\/` are
 * comments, `#ifdef NAME … [#else …] #endif` keeps or drops text depending
 * on the symbol table, and a word that names a `--define`d symbol is replaced
 * by the tokens of its value. Tokens are produced lazily so that a
 * `--define` met by the parser applies to everything after it.
 *
 * Numbers follow flex's longest-match rule: `0x1f` is an integer, `.5` and
 * `0.200` are floats, `1.2.3.4` is an IPv4 address, and a run of digits
 * glued to letters (`1234abcd`, a Fast Open cookie) is a word.
 */

/** Token kinds. */
export type TokenKind =
  | "int" // 12, -1, 0x1f
  | "float" // 0.1, .5
  | "ipv4" // 192.0.2.1
  | "word" // SOCK_STREAM, S, mss
  | "string" // "text" (value without quotes)
  | "command" // `text` (value without backquotes)
  | "code" // %{ text }% (value without delimiters)
  | "option" // --name[=value]
  | "ellipsis" // ...
  | "punct" // any other single character: < > ( ) [ ] { } , : = | + * ~ ! / . -
  | "eof";

/** One token with its place in the source. */
export interface Token {
  readonly kind: TokenKind;
  /**
   * For `string`/`command`/`code`: the text between the delimiters. For
   * `option`: the option name. Otherwise the source text of the token.
   */
  readonly value: string;
  /** For `option`: the text after `=` (`""` for a bare flag); else null. */
  readonly optionValue: string | null;
  /** 1-based line and column of the first character. */
  readonly line: number;
  readonly column: number;
  /** Offsets into the source: `[start, end)`. Substituted tokens get the define's name's span. */
  readonly start: number;
  readonly end: number;
  /** Whether whitespace or a comment separates this token from the previous one. */
  readonly spaceBefore: boolean;
}

/** A syntax error with its 1-based position; `parseScript` turns it into a value. */
export class ScriptSyntaxError extends Error {
  override readonly name = "ScriptSyntaxError";
  constructor(
    readonly line: number,
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_DEFINE_DEPTH = 16;

/** An open `#ifdef` / `#ifndef` region. */
interface Conditional {
  readonly line: number;
  readonly column: number;
  /** Whether an `#else` was seen already. */
  sawElse: boolean;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
}

/**
 * Lazily tokenizes one script.
 *
 * @example
 * ```ts
 * const lx = new Lexer("+0.1 < S. 0:0(0)", new Map());
 * lx.next(); // { kind: "punct", value: "+" }
 * lx.next(); // { kind: "float", value: "0.1" }
 * ```
 */
export class Lexer {
  readonly #src: string;
  readonly #defines: Map<string, string>;
  #pos = 0;
  /** Offsets where each line starts (line n starts at #lineStarts[n-1]). */
  readonly #lineStarts: number[] = [0];
  /** Tokens already produced but not consumed (substitutions, peeks). */
  readonly #queue: Token[] = [];
  readonly #conds: Conditional[] = [];
  /** Whether the last token ended right before the current position. */
  #sawSpace = true;

  constructor(src: string, defines: Map<string, string>) {
    this.#src = src;
    this.#defines = defines;
    for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 10) this.#lineStarts.push(i + 1);
  }

  /** The source text. */
  get source(): string {
    return this.#src;
  }

  /** Adds or replaces a symbol (from `--define`); affects tokens not yet produced. */
  define(name: string, value: string): void {
    this.#defines.set(name, value);
  }

  /** The 1-based line and column of a source offset. */
  position(offset: number): { line: number; column: number } {
    const starts = this.#lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  }

  /** Returns the `n`-th token ahead (0 = the next one) without consuming it. */
  peek(n = 0): Token {
    while (this.#queue.length <= n) this.#produce();
    return this.#queue[n]!;
  }

  /** Consumes and returns the next token. */
  next(): Token {
    const t = this.peek();
    this.#queue.shift();
    return t;
  }

  /** A syntax error at a source offset. */
  errorAt(offset: number, message: string): ScriptSyntaxError {
    const p = this.position(offset);
    return new ScriptSyntaxError(p.line, p.column, message);
  }

  /** Appends the next raw token (or tokens, after define substitution) to the queue. */
  #produce(): void {
    const t = this.#scan();
    if (t.kind === "word") {
      const v = this.#defines.get(t.value);
      if (v !== undefined && v !== "") {
        this.#queue.push(...this.#expand(t, v, 0));
        return;
      }
    }
    this.#queue.push(t);
  }

  /** The tokens of a define's value, positioned at the word they replace. */
  #expand(at: Token, value: string, depth: number): Token[] {
    if (depth >= MAX_DEFINE_DEPTH) {
      throw new ScriptSyntaxError(at.line, at.column, `define '${at.value}' expands recursively`);
    }
    const sub = new Lexer(value, new Map());
    const out: Token[] = [];
    for (let first = true; ; first = false) {
      let t: Token;
      try {
        t = sub.#scan();
      } catch (e) {
        if (e instanceof ScriptSyntaxError) {
          throw new ScriptSyntaxError(at.line, at.column, `in the value of define '${at.value}': ${e.message}`);
        }
        throw e;
      }
      if (t.kind === "eof") break;
      const placed: Token = {
        ...t,
        line: at.line,
        column: at.column,
        start: at.start,
        end: at.end,
        spaceBefore: first ? at.spaceBefore : t.spaceBefore,
      };
      const v = t.kind === "word" && t.value !== at.value ? this.#defines.get(t.value) : undefined;
      if (v !== undefined && v !== "") out.push(...this.#expand(placed, v, depth + 1));
      else out.push(placed);
    }
    return out;
  }

  #token(kind: TokenKind, start: number, end: number, value: string, optionValue: string | null = null): Token {
    const p = this.position(start);
    const t: Token = {
      kind,
      value,
      optionValue,
      line: p.line,
      column: p.column,
      start,
      end,
      spaceBefore: this.#sawSpace,
    };
    this.#sawSpace = false;
    return t;
  }

  /** Skips blanks, comments and preprocessor lines; false at end of input. */
  #skipTrivia(): void {
    const s = this.#src;
    for (;;) {
      const c = s.charCodeAt(this.#pos);
      if (isBlank(c)) {
        this.#pos++;
        this.#sawSpace = true;
      } else if (c === 47 && s.charCodeAt(this.#pos + 1) === 47) {
        // `//` to end of line.
        const nl = s.indexOf("\n", this.#pos);
        this.#pos = nl < 0 ? s.length : nl;
        this.#sawSpace = true;
      } else if (c === 47 && s.charCodeAt(this.#pos + 1) === 42) {
        const close = s.indexOf("*/", this.#pos + 2);
        if (close < 0) throw this.errorAt(this.#pos, "unterminated /* comment");
        this.#pos = close + 2;
        this.#sawSpace = true;
      } else if (c === 35 /* # */) {
        this.#directive();
        this.#sawSpace = true;
      } else {
        return;
      }
    }
  }

  /**
   * `#ifdef NAME`, `#ifndef NAME`, `#else`, `#endif` (as in the FreeBSD
   * scripts: `#ifdef FreeBSD … #endif`). A name is defined when it is in
   * the symbol table, whatever its value.
   */
  #directive(): void {
    const s = this.#src;
    const at = this.#pos;
    let end = at + 1;
    while (end < s.length && isWordChar(s.charCodeAt(end))) end++;
    const word = s.slice(at + 1, end);
    this.#pos = end;
    if (word === "ifdef" || word === "ifndef") {
      const name = this.#directiveName(at, word);
      const p = this.position(at);
      const keep = this.#defines.has(name) === (word === "ifdef");
      this.#conds.push({ line: p.line, column: p.column, sawElse: false });
      if (!keep) this.#skipBranch();
    } else if (word === "else") {
      const top = this.#conds[this.#conds.length - 1];
      if (top === undefined) throw this.errorAt(at, "#else without #ifdef");
      if (top.sawElse) throw this.errorAt(at, "second #else for one #ifdef");
      top.sawElse = true;
      // We were keeping the first branch: drop the #else branch.
      this.#skipBranch();
    } else if (word === "endif") {
      if (this.#conds.pop() === undefined) throw this.errorAt(at, "#endif without #ifdef");
    } else {
      throw this.errorAt(at, `unknown directive '#${word}' (expected #ifdef, #ifndef, #else or #endif)`);
    }
  }

  #directiveName(at: number, word: string): string {
    const s = this.#src;
    while (s.charCodeAt(this.#pos) === 32 || s.charCodeAt(this.#pos) === 9) this.#pos++;
    const start = this.#pos;
    while (this.#pos < s.length && isWordChar(s.charCodeAt(this.#pos))) this.#pos++;
    if (this.#pos === start) throw this.errorAt(at, `#${word} must be followed by a name`);
    return s.slice(start, this.#pos);
  }

  /**
   * Skips text up to the `#else` or `#endif` closing the innermost open
   * conditional (nested conditionals inside are skipped whole). Leaves the
   * position after an `#else` (its branch is kept) or after the `#endif`
   * (and pops the conditional).
   */
  #skipBranch(): void {
    const s = this.#src;
    let depth = 0;
    const re = /#(ifdef|ifndef|else|endif)\b/g;
    re.lastIndex = this.#pos;
    for (;;) {
      const m = re.exec(s);
      if (m === null) {
        const top = this.#conds[this.#conds.length - 1]!;
        throw new ScriptSyntaxError(top.line, top.column, "#ifdef without #endif");
      }
      const kw = m[1];
      if (kw === "ifdef" || kw === "ifndef") {
        depth++;
      } else if (kw === "endif") {
        if (depth === 0) {
          this.#conds.pop();
          this.#pos = m.index + m[0].length;
          return;
        }
        depth--;
      } else if (depth === 0) {
        const top = this.#conds[this.#conds.length - 1]!;
        if (top.sawElse) throw this.errorAt(m.index, "second #else for one #ifdef");
        top.sawElse = true;
        this.#pos = m.index + m[0].length;
        return;
      }
    }
  }

  /** Scans one raw token (no define substitution). */
  #scan(): Token {
    this.#skipTrivia();
    const s = this.#src;
    const start = this.#pos;
    if (start >= s.length) {
      const top = this.#conds[this.#conds.length - 1];
      if (top !== undefined) throw new ScriptSyntaxError(top.line, top.column, "#ifdef without #endif");
      return this.#token("eof", start, start, "");
    }
    const c = s.charCodeAt(start);
    const c1 = s.charCodeAt(start + 1);

    // --option[=value]
    if (c === 45 && c1 === 45 && isWordChar(s.charCodeAt(start + 2))) return this.#option(start);

    // Numbers (optionally negative), IPv4 addresses, digit-led words.
    if (isDigit(c) || (c === 46 && isDigit(c1)) || (c === 45 && (isDigit(c1) || (c1 === 46 && isDigit(s.charCodeAt(start + 2)))))) {
      return this.#number(start);
    }
    if (isWordChar(c)) {
      let end = start + 1;
      while (end < s.length && isWordChar(s.charCodeAt(end))) end++;
      this.#pos = end;
      return this.#token("word", start, end, s.slice(start, end));
    }
    if (c === 46 && c1 === 46 && s.charCodeAt(start + 2) === 46) {
      this.#pos = start + 3;
      return this.#token("ellipsis", start, start + 3, "...");
    }
    if (c === 34 /* " */ || c === 96 /* ` */) {
      const end = this.#quotedEnd(start);
      this.#pos = end;
      return this.#token(c === 34 ? "string" : "command", start, end, s.slice(start + 1, end - 1));
    }
    if (c === 37 /* % */ && c1 === 123 /* { */) {
      const close = s.indexOf("}%", start + 2);
      if (close < 0) throw this.errorAt(start, "unterminated %{ code block (missing }%)");
      this.#pos = close + 2;
      return this.#token("code", start, close + 2, s.slice(start + 2, close));
    }
    this.#pos = start + 1;
    return this.#token("punct", start, start + 1, s[start]!);
  }

  /** The end offset (after the closing quote) of a quoted string or command; `\x` escapes a character. */
  #quotedEnd(start: number): number {
    const s = this.#src;
    const q = s.charCodeAt(start);
    for (let i = start + 1; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 92 /* \ */) i++;
      else if (c === q) return i + 1;
    }
    throw this.errorAt(start, q === 34 ? "unterminated string" : "unterminated `command`");
  }

  #number(start: number): Token {
    const s = this.#src;
    let i = start;
    if (s.charCodeAt(i) === 45) i++;
    // Hex integer.
    if (s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 32) === 120 && isHexDigit(s.charCodeAt(i + 2))) {
      let end = i + 2;
      while (isHexDigit(s.charCodeAt(end))) end++;
      if (!isWordChar(s.charCodeAt(end))) {
        this.#pos = end;
        return this.#token("int", start, end, s.slice(start, end));
      }
    }
    let end = i;
    while (isDigit(s.charCodeAt(end))) end++;
    const intEnd = end;
    // IPv4 dotted quad.
    const quad = /\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\w.])/y;
    quad.lastIndex = i;
    if (i === start && intEnd > i && quad.test(s)) {
      this.#pos = quad.lastIndex;
      return this.#token("ipv4", start, this.#pos, s.slice(start, this.#pos));
    }
    if (s.charCodeAt(end) === 46 && isDigit(s.charCodeAt(end + 1))) {
      end++;
      while (isDigit(s.charCodeAt(end))) end++;
      this.#pos = end;
      return this.#token("float", start, end, s.slice(start, end));
    }
    // Digits glued to letters form a word (flex's longest match), unless negative.
    if (i === start && isWordChar(s.charCodeAt(intEnd))) {
      while (isWordChar(s.charCodeAt(end))) end++;
      this.#pos = end;
      return this.#token("word", start, end, s.slice(start, end));
    }
    this.#pos = intEnd;
    return this.#token("int", start, intEnd, s.slice(start, intEnd));
  }

  /** `--name`, `--name=value`; a value runs to the next blank, quotes kept and may contain blanks. */
  #option(start: number): Token {
    const s = this.#src;
    let i = start + 2;
    while (i < s.length && isWordChar(s.charCodeAt(i))) i++;
    const name = s.slice(start + 2, i);
    if (s.charCodeAt(i) !== 61 /* = */) {
      this.#pos = i;
      return this.#token("option", start, i, name, "");
    }
    i++;
    const vstart = i;
    while (i < s.length && !isBlank(s.charCodeAt(i))) {
      const c = s.charCodeAt(i);
      if (c === 34 || c === 96) i = this.#quotedEnd(i);
      else if (c === 47 && (s.charCodeAt(i + 1) === 47 || s.charCodeAt(i + 1) === 42)) break;
      else i++;
    }
    this.#pos = i;
    return this.#token("option", start, i, name, s.slice(vstart, i));
  }
}
