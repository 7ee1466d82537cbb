/**
 * The package as a user installs it: builds dist/ from the sources, packs
 * the package with `npm pack` (so `files` decides what ships), installs the
 * tarball into an empty project, and there imports every entry point of
 * the `exports` map by the package name — checking that each exposes
 * exactly what its source entry file exports (and the names the docs
 * promise), that TypeScript finds the types of each, that the `sockstack`
 * bin runs, and that paths inside the package are refused.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  name: string;
  version: string;
  exports: Record<string, string | { types: string; default: string }>;
};

/** Subpath → its source entry file: `./dist/X.js` is built from `src/X.ts`. */
const entries = Object.entries(pkg.exports)
  .filter((e): e is [string, { types: string; default: string }] => typeof e[1] !== "string")
  .map(([sub, t]) => ({
    specifier: sub === "." ? pkg.name : `${pkg.name}/${sub.slice(2)}`,
    source: join(root, t.default.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts")),
  }));

/** Names the docs promise on each entry point (issue 12 item 4); the doc tests check the rest by type-checking every block. */
const PROMISED: Record<string, string[]> = {
  sockstack: [
    "Network", "Host", "Process", "SysError", "ping", "sockaddrIn", "ms", "sec", "wrap", "perror", "ex", "FdSet",
    "INADDR_ANY", "INADDR_LOOPBACK", "INADDR_BROADCAST", "INADDR_NONE", "POLLIN", "POLLPRI", "POLLOUT", "POLLERR",
    "POLLHUP", "POLLNVAL", "POLLRDHUP", "EPOLLIN", "EPOLLET", "AF_INET", "SOCK_STREAM", "SOCK_NONBLOCK", "FD_SETSIZE",
    "WNOHANG", "snapshot", "ss", "netstat", "lsof", "nstat", "Capture", "TcpdumpFormatter", "pcapFile", "ladderText",
  ],
  "sockstack/constants": ["AF_INET", "SOCK_DGRAM", "MSG_PEEK", "SHUT_WR", "EPOLLIN", "POLLIN", "POLLOUT", "INADDR_ANY", "INADDR_LOOPBACK", "INADDR_BROADCAST", "FD_SETSIZE", "WNOHANG"],
  "sockstack/tools": ["snapshot", "ss", "ssRows", "netstat", "netstatRows", "lsof", "lsofEntries", "nstat", "nstatDelta", "Capture", "compileFilter", "pcapFile", "pcapngFile", "ladderText", "ladderSvg", "lectureScenario"],
  "sockstack/conformance": ["runScript", "runSuite", "parseScript", "formatSummary"],
  "sockstack/interop": ["createRealtimeHost", "RealtimeDriver", "UdpTunDevice", "attachTunHost", "startEchoServer", "startHttpServer"],
  "sockstack/node": ["nodeOn", "SimSocket", "SimServer", "createNet", "createDns", "isIP", "isIPv4", "isIPv6"],
  "sockstack/sweep": ["sweep", "mergeReports", "formatReport", "parseSeedRange", "parseShard", "shardRange", "replayCommand"],
};

/** Internals that must not be reachable. */
const NOT_EXPORTED: Record<string, string[]> = { sockstack: ["toAddr", "flagValue"] };

/** Specifiers a user might try that the `exports` map must refuse. */
const REFUSED = [
  `${pkg.name}/src/node/realtime-host.js`, // what docs/interop.md used to import
  `${pkg.name}/dist/index.js`,
  `${pkg.name}/dist/sys/process.js`,
];

test("the packed package: every exports entry imports by name with its source's exports, types resolve, internals are refused", async () => {
  assert.deepEqual(Object.keys(PROMISED).sort(), entries.map((e) => e.specifier).sort(), "every entry point has a list of promised names here");
  const tmp = mkdtempSync(join(tmpdir(), "sockstack-pack-"));
  try {
    // A copy of the package (everything but node_modules, .git and dist) with a fresh dist/.
    const stage = join(tmp, "stage");
    cpSync(root, stage, {
      recursive: true,
      filter: (src) => !/[\\/](node_modules|\.git|dist)$/.test(src),
    });
    await run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json"), "--outDir", join(stage, "dist")]);
    // `npm run build`'s second step: the lab page bundled into dist/lab-site (esbuild is a devDependency, resolved from this checkout).
    await run(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), "lab", "--build", join(stage, "dist/lab-site")], { cwd: root });
    const packed = await run("npm", ["pack", stage, "--ignore-scripts", "--json", "--pack-destination", tmp], { cwd: tmp });
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const shipped = info!.files.map((f) => f.path);
    for (const e of Object.values(pkg.exports)) {
      for (const f of typeof e === "string" ? [e] : [e.types, e.default]) assert.ok(shipped.includes(f.slice(2)), `${f} is not in the tarball`);
    }
    assert.deepEqual(shipped.filter((f) => /\.test\.|^src\/|^test\//.test(f)), [], "no sources or tests in the tarball");

    const app = join(tmp, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    await run("npm", ["install", "--offline", "--ignore-scripts", "--no-audit", "--no-fund", "--no-package-lock", join(tmp, info!.filename)], { cwd: app });

    // Import every entry and every refused path from the installed package.
    writeFileSync(join(app, "check.mjs"), `
      const out = { names: {}, refused: {} };
      for (const s of ${JSON.stringify(entries.map((e) => e.specifier))}) out.names[s] = Object.keys(await import(s)).sort();
      for (const s of ${JSON.stringify(REFUSED)}) {
        try { await import(s); out.refused[s] = "imported"; } catch (e) { out.refused[s] = e.code; }
      }
      console.log(JSON.stringify(out));
    `);
    // TypeScript resolves each entry's types through the exports map.
    writeFileSync(join(app, "consumer.ts"), [
      ...entries.map((e, i) => `import * as m${i} from ${JSON.stringify(e.specifier)};`),
      `const net: m0.Network = new m0.Network({ seed: 1 });`,
      `const n: number = m0.INADDR_LOOPBACK + m0.POLLIN;`,
      `export { net, n, ${entries.map((_, i) => `m${i}`).join(", ")} };`,
    ].join("\n"));
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", strict: true, noEmit: true, skipLibCheck: true,
        types: ["node"], typeRoots: [join(root, "node_modules/@types")],
      },
      files: ["consumer.ts"],
    }));
    // (runs while the imports are checked)
    const typecheck = run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(app, "tsconfig.json")])
      .then(() => "", (e: { stdout: string }) => e.stdout || String(e));

    const got = JSON.parse((await run(process.execPath, ["check.mjs"], { cwd: app })).stdout) as {
      names: Record<string, string[]>;
      refused: Record<string, string>;
    };
    for (const e of entries) {
      const fromSource = Object.keys(await import(e.source)).sort();
      assert.deepEqual(got.names[e.specifier], fromSource, `${e.specifier}: the installed entry exports what ${e.source} does`);
      for (const n of PROMISED[e.specifier]!) assert.ok(got.names[e.specifier]!.includes(n), `${e.specifier} exports ${n}`);
      for (const n of NOT_EXPORTED[e.specifier] ?? []) assert.ok(!got.names[e.specifier]!.includes(n), `${e.specifier} does not export ${n}`);
    }
    for (const s of REFUSED) assert.equal(got.refused[s], "ERR_PACKAGE_PATH_NOT_EXPORTED", s);

    assert.equal(await typecheck, "", "tsc on a consumer of the installed package");

    // The bin works from the installed package.
    const v = await run(join(app, "node_modules/.bin/sockstack"), ["--version"], { cwd: app });
    assert.equal(v.stdout.trim(), `sockstack ${pkg.version}`);
    // …every command it lists, the benchmarks included (built into dist/bench, not run from sources).
    const b = await run(join(app, "node_modules/.bin/sockstack"), ["bench", "--list"], { cwd: app });
    assert.match(b.stdout, /^throughput-lo +MB\/s/m);
    assert.match(b.stdout, /^lab-ladder .*\(not available: needs a source checkout/m, "the lab benchmarks bundle src/lab: a clone only");
    // …and runs one, from dist/ (a child process with --expose-gc: dist/bench/child.js).
    const fe = await run(join(app, "node_modules/.bin/sockstack"), ["bench", "frag-expire", "--quick", "--json"], { cwd: app });
    const doc = JSON.parse(fe.stdout) as { source: string; results: { name: string; sockstack: { median: number } | null }[] };
    assert.equal(doc.source, "compiled dist/", "the installed bench runs the compiled benchmarks");
    assert.ok((doc.results[0]?.sockstack?.median ?? 0) > 0, `frag-expire measured: ${fe.stdout.slice(0, 300)}`);
    // The sweep's worker threads load dist/sweep/worker.js.
    const sw = await run(join(app, "node_modules/.bin/sockstack"), ["sweep", "scenario", "udp", "--seeds", "1..2", "-j", "2"], { cwd: app });
    assert.match(sw.stdout, /^sweep scenario udp, seeds 1\.\.2: 2 run in .* 2 passed, 0 failed$/m, "a sweep from the installed package");
    // …and the lab, from the page built into dist/lab-site (no esbuild in the installed package).
    assert.ok(!existsSync(join(app, "node_modules/esbuild")), "esbuild is not installed with the package");
    const labDir = join(tmp, "lab-site");
    const l = await run(join(app, "node_modules/.bin/sockstack"), ["lab", "--build", labDir], { cwd: app });
    assert.equal(l.stdout.trim(), `sockstack lab: wrote index.html, lab.js, lab.css, lab-ts.js to ${labDir}`);
    for (const f of ["lab.js", "lab-ts.js"]) assert.equal(readFileSync(join(labDir, f), "utf8"), readFileSync(join(stage, "dist/lab-site", f), "utf8"), `${f}: the prebuilt one`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
