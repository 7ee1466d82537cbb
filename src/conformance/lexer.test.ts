import { test } from "node:test";
import assert from "node:assert/strict";
import { Lexer, ScriptSyntaxError } from "./lexer.js";
import type { Token, TokenKind } from "./lexer.js";

function lex(src: string, defines: Record<string, string> = {}): Token[] {
  const lx = new Lexer(src, new Map(Object.entries(defines)));
  const out: Token[] = [];
  for (;;) {
    const t = lx.next();
    if (t.kind === "eof") return out;
    out.push(t);
  }
}

function kinds(src: string, defines: Record<string, string> = {}): [TokenKind, string][] {
  return lex(src, defines).map((t) => [t.kind, t.value]);
}

function lexError(src: string, defines: Record<string, string> = {}): ScriptSyntaxError {
  try {
    lex(src, defines);
  } catch (e) {
    if (e instanceof ScriptSyntaxError) return e;
    throw e;
  }
  assert.fail("expected a syntax error");
}

test("numbers follow flex's longest match: ints, hex, floats, negatives, IPv4, digit-led words", () => {
  assert.deepEqual(kinds("0 12 0x1F -1 0.200 .5 +0.1 192.0.2.1 1234abcd 4294967295"), [
    ["int", "0"],
    ["int", "12"],
    ["int", "0x1F"],
    ["int", "-1"],
    ["float", "0.200"],
    ["float", ".5"],
    ["punct", "+"],
    ["float", "0.1"],
    ["ipv4", "192.0.2.1"],
    ["word", "1234abcd"],
    ["int", "4294967295"],
  ]);
});

test("blocking time '+0...0.1' and seq '1:11(10)' split into the right tokens", () => {
  assert.deepEqual(kinds("+0...0.1 +.1...0.2"), [
    ["punct", "+"],
    ["int", "0"],
    ["ellipsis", "..."],
    ["float", "0.1"],
    ["punct", "+"],
    ["float", ".1"],
    ["ellipsis", "..."],
    ["float", "0.2"],
  ]);
  assert.deepEqual(kinds("S. 1:11(10)!"), [
    ["word", "S"],
    ["punct", "."],
    ["int", "1"],
    ["punct", ":"],
    ["int", "11"],
    ["punct", "("],
    ["int", "10"],
    ["punct", ")"],
    ["punct", "!"],
  ]);
});

test("comments are skipped and positions are 1-based line and column", () => {
  const toks = lex("// header\n/* block\n * more */ 0 close(3) // trailing\n  +1");
  assert.deepEqual(
    toks.map((t) => [t.value, t.line, t.column]),
    [
      ["0", 3, 12],
      ["close", 3, 14],
      ["(", 3, 19],
      ["3", 3, 20],
      [")", 3, 21],
      ["+", 4, 3],
      ["1", 4, 4],
    ],
  );
  assert.equal(toks[1]!.spaceBefore, true);
  assert.equal(toks[2]!.spaceBefore, false);
});

test("strings, commands and code blocks keep their inner text verbatim", () => {
  assert.deepEqual(kinds('"a\\"b" `sysctl -w x=1` %{\nassert tcpi_state == 1\n}%'), [
    ["string", 'a\\"b'],
    ["command", "sysctl -w x=1"],
    ["code", "\nassert tcpi_state == 1\n"],
  ]);
});

test("options carry their raw value up to a blank", () => {
  const toks = lex("--ip_version=ipv4-mapped-ipv6 --strict_segments --define=CC=\"re no\" --local_ip=fd3d::1");
  assert.deepEqual(
    toks.map((t) => [t.kind, t.value, t.optionValue]),
    [
      ["option", "ip_version", "ipv4-mapped-ipv6"],
      ["option", "strict_segments", ""],
      ["option", "define", 'CC="re no"'],
      ["option", "local_ip", "fd3d::1"],
    ],
  );
});

test("defines substitute words by the tokens of their value, recursively", () => {
  assert.deepEqual(kinds("mss MSS, FLAGS", { MSS: "1000", FLAGS: "O_RDWR|NB", NB: "O_NONBLOCK" }), [
    ["word", "mss"],
    ["int", "1000"],
    ["punct", ","],
    ["word", "O_RDWR"],
    ["punct", "|"],
    ["word", "O_NONBLOCK"],
  ]);
  // An empty value is a bare symbol (for #ifdef), not substituted.
  assert.deepEqual(kinds("FreeBSD", { FreeBSD: "" }), [["word", "FreeBSD"]]);
  assert.match(lexError("A", { A: "B", B: "A" }).message, /recursively/);
});

test("#ifdef / #ifndef / #else / #endif keep the branch the symbol table selects", () => {
  const src = "a\n#ifdef X\nb\n#else\nc\n#endif\n#ifndef X\nd\n#ifdef Y\ne\n#endif\n#endif\nf";
  assert.deepEqual(lex(src).map((t) => t.value), ["a", "c", "d", "f"]);
  assert.deepEqual(lex(src, { X: "" }).map((t) => t.value), ["a", "b", "f"]);
  assert.deepEqual(lex(src, { Y: "" }).map((t) => t.value), ["a", "c", "d", "e", "f"]);
});

test("lexer errors carry line and column", () => {
  const e1 = lexError('0 write(3, "abc\n');
  assert.deepEqual([e1.line, e1.column, e1.message], [1, 12, "unterminated string"]);
  const e2 = lexError("0\n  #ifdef X\nfoo");
  assert.deepEqual([e2.line, e2.column, e2.message], [2, 3, "#ifdef without #endif"]);
  const e3 = lexError("#endif");
  assert.deepEqual([e3.line, e3.column, e3.message], [1, 1, "#endif without #ifdef"]);
  const e4 = lexError("x /* open");
  assert.deepEqual([e4.line, e4.column, e4.message], [1, 3, "unterminated /* comment"]);
  const e5 = lexError("\n+0 %{ assert 1");
  assert.deepEqual([e5.line, e5.column], [2, 4]);
  assert.match(lexError("#include <x>").message, /unknown directive '#include'/);
});
