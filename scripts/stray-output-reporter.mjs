// A node:test reporter that collects what test files print outside the
// test runner (console.log, process.stdout/stderr writes) — "stray output".
// scripts/run-tests.mjs uses it next to the spec reporter and fails the run
// when any test printed something: tests print nothing stray (use
// t.diagnostic() for figures worth showing).
export default async function* strayOutput(source) {
  const stray = [];
  for await (const event of source) {
    if (event.type === "test:stdout" || event.type === "test:stderr") {
      const where = event.data.file ?? "?";
      for (const line of String(event.data.message).split("\n")) if (line.trim() !== "") stray.push(`${where}: ${line}`);
    }
  }
  yield JSON.stringify(stray);
}
