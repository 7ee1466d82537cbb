/**
 * Runs an example the way its README line does — `npx tsx examples/NAME.ts
 * [args]` from the repository root, stdin piped — and collects what it
 * printed; and runs an example's `main` in-process with its output
 * collected.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";

/** The repository root (where tsconfig.json maps `sockstack` to src/). */
export const ROOT = join(import.meta.dirname, "..", "..");

/** `npx tsx examples/<name>.ts args` with `stdin` piped in: exit status and output. */
export function runExample(name: string, args: string[] = [], stdin = ""): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ["--import", "tsx", join("examples", `${name}.ts`), ...args],
      { cwd: ROOT, encoding: "utf8", timeout: 120_000 }, (err, stdout, stderr) => {
        const status = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
        resolve({ status, stdout, stderr });
      });
    child.stdin!.end(stdin);
  });
}

/**
 * `text` with each ephemeral port (32768–60999, after a colon or `port: `)
 * replaced by `<p1>`, `<p2>`, … in order of first appearance: which
 * connection is which stays visible, while the numbers — drawn from the
 * network's seeded RNG, which any change to the stack's use of it moves —
 * do not make every transcript change with them.
 */
export function ephemeral(text: string): string {
  const names = new Map<string, string>();
  return text.replace(/(?<=:|port: )\d{5}\b/g, (port) => {
    const n = Number(port);
    if (n < 32768 || n > 60999) return port;
    if (!names.has(port)) names.set(port, `<p${names.size + 1}>`);
    return names.get(port)!;
  });
}

/** What `main(print)` prints, as text (a newline after each line), ephemeral ports named by {@link ephemeral}. */
export async function printed(main: (print: (line: string) => void) => Promise<void>): Promise<string> {
  const out = collect();
  await main(out.print);
  return ephemeral(out.text());
}

/** A `print` sink that keeps the lines, and their text joined with newlines. */
function collect(): { print: (line: string) => void; lines: string[]; text: () => string } {
  const lines: string[] = [];
  return { print: (l) => void lines.push(l), lines, text: () => lines.map((l) => l + "\n").join("") };
}
