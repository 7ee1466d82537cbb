/**
 * The `%{ … }%` blocks of packetdrill scripts: packetdrill runs them as
 * Python after the script, against the `tcp_info` snapshot it took at that
 * point. sockstack evaluates the subset the scripts use, at once, against
 * the snapshot: statements `assert EXPR [, message]` and `NAME = EXPR`
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

type Tok = { t: "num"; v: number } | { t: "name"; v: string } | { t: "op"; v: string } | { t: "end" };

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
      if (isOp(",")) throw new UnsupportedCode("assert messages are not supported in %{ }% blocks");
      if (!v && failure === null) failure = `assert ${render(toks.slice(exprStart, exprEnd))} failed (${explain(toks.slice(exprStart, exprEnd), vars)})`;
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
  return toks.map((t) => (t.t === "end" ? "" : String(t.v))).join(" ").replace(/\( /g, "(").replace(/ \)/g, ")");
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
