/**
 * A small stand-in for `node:test` in a browser page, enough for the core's
 * own test files bundled by src/cli/lab-core-in-browser.test.ts: `test(name,
 * [options], fn)` (and `it`, `test.skip`, `test.todo`) registers a test of
 * the file being loaded; {@link runRegisteredTests} runs them one after
 * another, as node:test runs a file's top-level tests, and reports each
 * one's outcome — a thrown error or rejected promise is a failure, with its
 * message; a test past its `timeout` fails. Options honoured: `skip`,
 * `todo`, `timeout` (10 s unless given); the context offers `name`, `diagnostic`, `skip`,
 * `todo` and subtests through `t.test` (awaited, counted as tests).
 */

/** What a test function receives. */
export interface TestContext {
  name: string;
  diagnostic(message: string): void;
  skip(message?: string): void;
  todo(message?: string): void;
  test(name: string, a?: TestOptions | TestFn, b?: TestFn): Promise<void>;
}
/** A test body. */
export type TestFn = (t: TestContext) => unknown;
/** The options the core's tests use. */
export interface TestOptions { skip?: boolean | string; todo?: boolean | string; timeout?: number }

/** One test's outcome. */
export interface BrowserTestResult {
  file: string;
  name: string;
  status: "pass" | "fail" | "skip" | "todo";
  /** The failure's message (and stack), or the skip reason. */
  detail?: string;
  ms: number;
}

/** A test that has not settled after this long fails (node:test waits forever; a page cannot tell a hang from slowness). */
const DEFAULT_TIMEOUT_MS = 10_000;

interface Registered { file: string; name: string; opts: TestOptions; fn: TestFn | undefined }

const registered: Registered[] = [];
let currentFile = "(unknown file)";

/** Called by the bundle before each test file's body runs: the file its tests belong to. */
export function enterFile(file: string): void {
  currentFile = file;
}

function args(a?: TestOptions | TestFn, b?: TestFn): { opts: TestOptions; fn: TestFn | undefined } {
  return typeof a === "function" ? { opts: {}, fn: a } : { opts: a ?? {}, fn: b };
}

/** Registers a top-level test of the current file. */
export function test(name: string, a?: TestOptions | TestFn, b?: TestFn): void {
  registered.push({ file: currentFile, name, ...args(a, b) });
}
test.skip = (name: string, a?: TestOptions | TestFn, b?: TestFn): void => {
  const r = args(a, b);
  registered.push({ file: currentFile, name, opts: { ...r.opts, skip: true }, fn: r.fn });
};
test.todo = (name: string, a?: TestOptions | TestFn, b?: TestFn): void => {
  const r = args(a, b);
  registered.push({ file: currentFile, name, opts: { ...r.opts, todo: true }, fn: r.fn });
};
/** node:test's alias. */
export const it = test;
export default test;

class SkipSignal { constructor(readonly reason: string, readonly todo: boolean) {} }

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}${e.stack ? `\n${e.stack}` : ""}`;
  return String(e);
}

async function runOne(r: Registered, out: BrowserTestResult[]): Promise<void> {
  const t0 = performance.now();
  const done = (status: BrowserTestResult["status"], detail?: string) =>
    void out.push({ file: r.file, name: r.name, status, ...(detail !== undefined ? { detail } : {}), ms: performance.now() - t0 });
  if (r.opts.skip) return done("skip", typeof r.opts.skip === "string" ? r.opts.skip : "");
  if (r.opts.todo && !r.fn) return done("todo", typeof r.opts.todo === "string" ? r.opts.todo : "");
  const sub: Promise<void>[] = [];
  const ctx: TestContext = {
    name: r.name,
    diagnostic: () => undefined,
    skip: (m) => { throw new SkipSignal(m ?? "", false); },
    todo: (m) => { throw new SkipSignal(m ?? "", true); },
    test: (name, a, b) => {
      const p = runOne({ file: r.file, name: `${r.name} > ${name}`, ...args(a, b) }, out);
      sub.push(p);
      return p;
    },
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const body = Promise.resolve().then(() => r.fn?.(ctx));
    const limit = r.opts.timeout ?? DEFAULT_TIMEOUT_MS;
    await (limit !== undefined && Number.isFinite(limit)
      ? Promise.race([body, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`test timed out after ${limit}ms`)), limit); })])
      : body);
    await Promise.all(sub);
    done(r.opts.todo ? "todo" : "pass");
  } catch (e) {
    if (e instanceof SkipSignal) done(e.todo ? "todo" : "skip", e.reason);
    else done(r.opts.todo ? "todo" : "fail", describeError(e));
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Runs every registered test, one after another; resolves to their outcomes (subtests included). */
export async function runRegisteredTests(): Promise<BrowserTestResult[]> {
  const out: BrowserTestResult[] = [];
  const hook = (globalThis as { sockstackTestStarted?: (file: string, name: string) => void }).sockstackTestStarted;
  for (const r of registered) {
    hook?.(r.file, r.name);
    await runOne(r, out);
  }
  return out;
}

/** The registered top-level tests, by file. */
export function registeredTests(): { file: string; name: string }[] {
  return registered.map((r) => ({ file: r.file, name: r.name }));
}
