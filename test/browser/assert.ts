/**
 * A small stand-in for `node:assert/strict` in a browser page (see
 * node-test.ts): the strict comparisons the core's tests use — `equal` is
 * `Object.is`, `deepEqual` compares prototypes, own enumerable keys, Map and
 * Set contents, typed arrays, Dates, RegExps and Errors' name and message —
 * and `ok`, `match`, `throws`/`rejects` (with a RegExp, a class, an object
 * of expected properties or a validator function), `fail`.
 */

/** Thrown on a failed assertion. */
export class AssertionError extends Error {
  override name = "AssertionError";
  constructor(message: string, readonly actual?: unknown, readonly expected?: unknown) {
    super(message);
  }
}

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "bigint") return `${v}n`;
  if (v instanceof Uint8Array) return `Uint8Array(${v.length}) [${[...v.slice(0, 16)].join(", ")}${v.length > 16 ? ", …" : ""}]`;
  try {
    const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? `${x}n` : x instanceof Map ? [...x] : x instanceof Set ? [...x] : x));
    return s === undefined ? String(v) : s.length > 400 ? `${s.slice(0, 400)}…` : s;
  } catch {
    return String(v);
  }
}

function fail(message: string | Error | undefined, fallback: string, actual?: unknown, expected?: unknown): never {
  if (message instanceof Error) throw message;
  throw new AssertionError(message ?? fallback, actual, expected);
}

/** Strict deep equality as node:assert/strict's deepEqual defines it (the parts the tests need). */
export function isDeepStrictEqual(a: unknown, b: unknown, seen: Map<object, object> = new Map()): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  if (a instanceof RegExp) return a.source === (b as RegExp).source && a.flags === (b as RegExp).flags;
  if (a instanceof Error && (a.name !== (b as Error).name || a.message !== (b as Error).message)) return false;
  if (ArrayBuffer.isView(a)) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array((b as ArrayBufferView).buffer, (b as ArrayBufferView).byteOffset, (b as ArrayBufferView).byteLength);
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  if (a instanceof Map) {
    const m = b as Map<unknown, unknown>;
    if (a.size !== m.size) return false;
    for (const [k, v] of a) {
      if (m.has(k)) {
        if (!isDeepStrictEqual(v, m.get(k), seen)) return false;
      } else if (![...m].some(([k2, v2]) => isDeepStrictEqual(k, k2, seen) && isDeepStrictEqual(v, v2, seen))) return false;
    }
  }
  if (a instanceof Set) {
    const s = b as Set<unknown>;
    if (a.size !== s.size) return false;
    for (const v of a) if (!s.has(v) && ![...s].some((w) => isDeepStrictEqual(v, w, seen))) return false;
  }
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  if (Array.isArray(a) && a.length !== (b as unknown[]).length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!isDeepStrictEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], seen)) return false;
  }
  return true;
}

type Expected = RegExp | (new (...a: never[]) => unknown) | Record<string, unknown> | ((e: unknown) => boolean) | Error;

function checkError(e: unknown, expected: Expected | string | undefined, message?: string | Error): void {
  if (expected === undefined || typeof expected === "string") return;
  if (expected instanceof RegExp) {
    if (!expected.test(String(e))) fail(message, `The error "${String(e)}" does not match ${expected}`, e, expected);
    return;
  }
  if (typeof expected === "function") {
    if (expected.prototype !== undefined && (e instanceof (expected as new () => unknown))) return;
    if (expected === Error || Object.prototype.isPrototypeOf.call(Error, expected)) fail(message, `The error is expected to be an instance of "${expected.name}": got ${describe(e)}`, e, expected);
    if ((expected as (e: unknown) => boolean)(e) !== true) fail(message, `The validation function did not return true for ${describe(e)}`, e);
    return;
  }
  for (const [k, want] of Object.entries(expected)) {
    const got = (e as Record<string, unknown>)?.[k];
    const ok = want instanceof RegExp && typeof got === "string" ? want.test(got) : isDeepStrictEqual(got, want);
    if (!ok) fail(message, `The error's ${k} is ${show(got)}, expected ${show(want)}`, got, want);
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : show(e);
}

function secondArg(expected: Expected | string | undefined, message: string | Error | undefined): string | Error | undefined {
  return typeof expected === "string" ? expected : message;
}

/** `assert(value)`: `ok`. */
function assert(value: unknown, message?: string | Error): asserts value {
  if (!value) fail(message, `The expression evaluated to a falsy value: ${show(value)}`, value, true);
}

const api = {
  AssertionError,
  ok: assert,
  equal(actual: unknown, expected: unknown, message?: string | Error): void {
    if (!Object.is(actual, expected)) fail(message, `Expected values to be strictly equal:\n${show(actual)} !== ${show(expected)}`, actual, expected);
  },
  notEqual(actual: unknown, expected: unknown, message?: string | Error): void {
    if (Object.is(actual, expected)) fail(message, `Expected "actual" to be strictly unequal to: ${show(expected)}`, actual, expected);
  },
  deepEqual(actual: unknown, expected: unknown, message?: string | Error): void {
    if (!isDeepStrictEqual(actual, expected)) fail(message, `Expected values to be strictly deep-equal:\nactual   ${show(actual)}\nexpected ${show(expected)}`, actual, expected);
  },
  notDeepEqual(actual: unknown, expected: unknown, message?: string | Error): void {
    if (isDeepStrictEqual(actual, expected)) fail(message, `Expected "actual" not to be strictly deep-equal to: ${show(expected)}`, actual, expected);
  },
  match(s: string, re: RegExp, message?: string | Error): void {
    if (typeof s !== "string" || !re.test(s)) fail(message, `The input did not match the regular expression ${re}. Input:\n${show(s)}`, s, re);
  },
  doesNotMatch(s: string, re: RegExp, message?: string | Error): void {
    if (typeof s !== "string" || re.test(s)) fail(message, `The input was expected to not match the regular expression ${re}. Input:\n${show(s)}`, s, re);
  },
  throws(fn: () => unknown, expected?: Expected | string, message?: string | Error): void {
    try {
      fn();
    } catch (e) {
      checkError(e, expected, secondArg(expected, message));
      return;
    }
    fail(secondArg(expected, message), "Missing expected exception.");
  },
  doesNotThrow(fn: () => unknown, message?: string | Error): void {
    try {
      fn();
    } catch (e) {
      fail(message, `Got unwanted exception: ${describe(e)}`, e);
    }
  },
  async rejects(p: Promise<unknown> | (() => Promise<unknown>), expected?: Expected | string, message?: string | Error): Promise<void> {
    try {
      await (typeof p === "function" ? p() : p);
    } catch (e) {
      checkError(e, expected, secondArg(expected, message));
      return;
    }
    fail(secondArg(expected, message), "Missing expected rejection.");
  },
  async doesNotReject(p: Promise<unknown> | (() => Promise<unknown>), message?: string | Error): Promise<void> {
    try {
      await (typeof p === "function" ? p() : p);
    } catch (e) {
      fail(message, `Got unwanted rejection: ${describe(e)}`, e);
    }
  },
  fail(message?: string | Error): never {
    return fail(message, "Failed");
  },
};

/** node:assert/strict's names are the strict ones. */
const strict = Object.assign(assert, api, { strictEqual: api.equal, notStrictEqual: api.notEqual, deepStrictEqual: api.deepEqual, notDeepStrictEqual: api.notDeepEqual });
Object.assign(strict, { strict });
export default strict;
