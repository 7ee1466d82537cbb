/**
 * The `%{ … }%` blocks of packetdrill scripts: packetdrill runs them as
 * Python after the script, against the `tcp_info` snapshot it took at that
 * point. sockstack evaluates the subset the scripts use, at once, against
 * the snapshot: statements `assert EXPR [, MESSAGE]` (MESSAGE a number or
 * `'fmt %d' % value` / `% (a, b)`) and `NAME = EXPR`
 * separated by newlines or `;`; expressions with `or`/`and`/`not`,
 * chained comparisons, `| ^ &`, `<< >>`, `+ - * / // %`, unary `-`/`~`,
 * parentheses, integers, `True`/`False`, names. Anything else (calls,
 * attributes, strings, loops) makes the block unsupported — never silently
 * true.
 *
 * @example
 * const r = runCodeBlock("assert tcpi_state == TCPI_ESTABLISHED", { tcpi_state: 1, TCPI_ESTABLISHED: 1 });
 * // r === null (passed); a failed assert returns its message
 */

/** A construct outside the supported subset. */
export class UnsupportedCode extends Error {}

type Tok = { t: "num"; v: number } | { t: "name"; v: string } | { t: "op"; v: string } | { t: "str"; v: string } | { t: "end" };

const OPS = ["//", "==", "!=", "<=", ">=", "<<", ">>", "**", "<", ">", "+", "-", "*", "/", "%", "(", ")", "|", "&", "^", "~", ",", "="];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === " " || c === "\t" || c === "\r") { i++; continue; }
    if (c === "#") { while (i < src.length && src[i] !== "\n") i++; continue; }
    if (c === "\\" && src[i + 1] === "\n") { i += 2; continue; }
    if (c === "\n" || c === ";") { out.push({ t: "op", v: ";" }); i++; continue; }
    if (c === "'" || c === '"') {
      const j = src.indexOf(c, i + 1);
      if (j < 0 || src.slice(i + 1, j).includes("\\") || src.slice(i + 1, j).includes("\n")) throw new UnsupportedCode("unsupported string literal in %{ }% block");
      out.push({ t: "str", v: src.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    const num = /^(0[xX][0-9a-fA-F]+|\d+)/.exec(src.slice(i));
    if (num) { out.push({ t: "num", v: Number(num[1]) }); i += num[1]!.length; continue; }
    const name = /^[A-Za-z_][A-Za-z_0-9]*/.exec(src.slice(i));
    if (name) { out.push({ t: "name", v: name[0] }); i += name[0].length; continue; }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new UnsupportedCode(`unsupported character ${JSON.stringify(c)} in %{ }% block`);
    out.push({ t: "op", v: op });
    i += op.length;
  }
  out.push({ t: "end" });
  return out;
}

const KEYWORDS = new Set(["and", "or", "not", "assert", "True", "False", "None", "in", "is", "if", "else", "for", "while", "def", "lambda", "import", "print"]);

/** Variables visible to a block: snapshot fields and constants, by name. */
export type CodeScope = Record<string, number>;

/**
 * Runs a block. Returns null when every assertion held, or the text of the
 * first failing one. Throws {@link UnsupportedCode} for anything outside the
 * subset, including unknown names (a `tcpi_` field sockstack does not keep).
 */
export function runCodeBlock(text: string, scope: CodeScope): string | null {
  const toks = tokenize(text);
  const vars: CodeScope = { ...scope };
  let p = 0;
  const peek = (): Tok => toks[p]!;
  const isOp = (v: string): boolean => { const t = peek(); return t.t === "op" && t.v === v; };
  const isKw = (v: string): boolean => { const t = peek(); return t.t === "name" && t.v === v; };
  const expectOp = (v: string): void => {
    if (!isOp(v)) throw new UnsupportedCode(`expected ${v} in %{ }% block`);
    p++;
  };

  const atom = (): number => {
    const t = toks[p++]!;
    if (t.t === "num") return t.v;
    if (t.t === "str") throw new UnsupportedCode("strings are supported only as assert messages in %{ }% blocks");
    if (t.t === "op" && t.v === "(") { const v = orExpr(); expectOp(")"); return v; }
    if (t.t === "name") {
      if (t.v === "True") return 1;
      if (t.v === "False") return 0;
      if (KEYWORDS.has(t.v)) throw new UnsupportedCode(`unsupported keyword ${t.v} in %{ }% block`);
      if (isOp("(")) throw new UnsupportedCode(`unsupported call ${t.v}() in %{ }% block`);
      const v = vars[t.v];
      if (v === undefined) throw new UnsupportedCode(`unknown name ${t.v} in %{ }% block`);
      return v;
    }
    throw new UnsupportedCode(`unexpected ${t.t === "end" ? "end" : JSON.stringify(t.v)} in %{ }% block`);
  };
  const power = (): number => {
    const b = atom();
    if (isOp("**")) { p++; return b ** unary(); }
    return b;
  };
  const unary = (): number => {
    if (isOp("-")) { p++; return -unary(); }
    if (isOp("+")) { p++; return unary(); }
    if (isOp("~")) { p++; return ~unary(); }
    return power();
  };
  const mul = (): number => {
    let v = unary();
    for (;;) {
      if (isOp("*")) { p++; v *= unary(); }
      else if (isOp("//")) { p++; const d = unary(); if (d === 0) throw new UnsupportedCode("division by zero"); v = Math.floor(v / d); }
      else if (isOp("/")) { p++; const d = unary(); if (d === 0) throw new UnsupportedCode("division by zero"); v /= d; }
      else if (isOp("%")) { p++; const d = unary(); if (d === 0) throw new UnsupportedCode("division by zero"); v = ((v % d) + d) % d; }
      else return v;
    }
  };
  const add = (): number => {
    let v = mul();
    for (;;) {
      if (isOp("+")) { p++; v += mul(); }
      else if (isOp("-")) { p++; v -= mul(); }
      else return v;
    }
  };
  const shift = (): number => {
    let v = add();
    for (;;) {
      if (isOp("<<")) { p++; v = v * 2 ** add(); }
      else if (isOp(">>")) { p++; v = Math.floor(v / 2 ** add()); }
      else return v;
    }
  };
  const band = (): number => { let v = shift(); while (isOp("&")) { p++; v = Number(BigInt(v) & BigInt(shift())); } return v; };
  const bxor = (): number => { let v = band(); while (isOp("^")) { p++; v = Number(BigInt(v) ^ BigInt(band())); } return v; };
  const bor = (): number => { let v = bxor(); while (isOp("|")) { p++; v = Number(BigInt(v) | BigInt(bxor())); } return v; };
  const CMP = ["==", "!=", "<", "<=", ">", ">="];
  const comparison = (): number => {
    let left = bor();
    let result = true;
    let chained = false;
    for (;;) {
      const t = peek();
      if (t.t !== "op" || !CMP.includes(t.v)) break;
      p++;
      const right = bor();
      chained = true;
      const ok = t.v === "==" ? left === right : t.v === "!=" ? left !== right : t.v === "<" ? left < right
        : t.v === "<=" ? left <= right : t.v === ">" ? left > right : left >= right;
      result = result && ok;
      left = right;
    }
    return chained ? (result ? 1 : 0) : left;
  };
  const notExpr = (): number => {
    if (isKw("not")) { p++; return notExpr() ? 0 : 1; }
    return comparison();
  };
  const andExpr = (): number => {
    let v = notExpr();
    while (isKw("and")) { p++; const r = notExpr(); v = v ? r : v; }
    return v;
  };
  const orExpr = (): number => {
    let v = andExpr();
    while (isKw("or")) { p++; const r = andExpr(); v = v ? v : r; }
    return v;
  };

  /** An assert message: a number, or `'fmt' % value` / `'fmt' % (a, b)` with %d %i %u %s %x. */
  const assertMessage = (): (() => string) => {
    const t = peek();
    if (t.t !== "str") {
      const v = orExpr();
      return () => String(v);
    }
    p++;
    const fmt = t.v;
    const args: number[] = [];
    if (isOp("%")) {
      p++;
      if (isOp("(")) {
        p++;
        args.push(orExpr());
        while (isOp(",")) { p++; if (isOp(")")) break; args.push(orExpr()); }
        expectOp(")");
      } else args.push(unary());
    }
    let k = 0;
    const text = fmt.replace(/%([-0-9]*)([diusx%])/g, (_m, _w: string, c: string) => {
      if (c === "%") return "%";
      const a = args[k++];
      if (a === undefined) throw new UnsupportedCode(`not enough arguments for the assert message '${fmt}'`);
      return c === "x" ? Math.trunc(a).toString(16) : c === "s" ? String(a) : String(Math.trunc(a));
    });
    if (k !== args.length) throw new UnsupportedCode(`too many arguments for the assert message '${fmt}'`);
    return () => text;
  };

  let failure: string | null = null;
  let stmtStart = 0;
  while (peek().t !== "end") {
    if (isOp(";")) { p++; continue; }
    stmtStart = p;
    if (isKw("assert")) {
      p++;
      const exprStart = p;
      const v = orExpr();
      const exprEnd = p;
      // `assert EXPR, MESSAGE`: Python evaluates MESSAGE only when the assertion fails; it is parsed (and so checked) always.
      let message: () => string = () => "";
      if (isOp(",")) {
        p++;
        message = assertMessage();
      }
      if (!v && failure === null) {
        const m = message();
        failure = `assert ${render(toks.slice(exprStart, exprEnd))} failed${m ? `: ${m}` : ""} (${explain(toks.slice(exprStart, exprEnd), vars)})`;
      }
    } else {
      const t = peek();
      if (t.t !== "name" || KEYWORDS.has(t.v) || toks[p + 1]?.t !== "op" || (toks[p + 1] as { v: string }).v !== "=") {
        throw new UnsupportedCode(`unsupported statement in %{ }% block: ${render(toks.slice(stmtStart, stmtStart + 4))}…`);
      }
      p += 2;
      vars[t.v] = orExpr();
    }
    if (!isOp(";") && peek().t !== "end") throw new UnsupportedCode(`unsupported syntax in %{ }% block near ${render(toks.slice(p, p + 3))}`);
  }
  return failure;
}

function render(toks: readonly Tok[]): string {
  return toks.map((t) => (t.t === "end" ? "" : t.t === "str" ? JSON.stringify(t.v) : String(t.v))).join(" ").replace(/\( /g, "(").replace(/ \)/g, ")");
}

/** `tcpi_state=7` for each name the failing expression used. */
function explain(toks: readonly Tok[], vars: CodeScope): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const t of toks) {
    if (t.t === "name" && !KEYWORDS.has(t.v) && !seen.has(t.v) && vars[t.v] !== undefined) {
      seen.add(t.v);
      parts.push(`${t.v}=${vars[t.v]}`);
    }
  }
  return parts.join(", ");
}
