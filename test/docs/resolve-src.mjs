// The resolve hook registered by register-src.mjs: `sockstack` and
// `sockstack/<subpath>` → the src/ entry file behind package.json `exports`.
import { readFileSync } from "node:fs";

const root = new URL("../../", import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));

/** Specifier → file URL of the source entry, from the exports map. */
const entries = new Map();
for (const [sub, target] of Object.entries(pkg.exports)) {
  const file = typeof target === "string" ? target : target.default;
  const specifier = sub === "." ? pkg.name : `${pkg.name}/${sub.slice(2)}`;
  const source = file.replace(/^\.\/dist\//, "./src/").replace(/\.js$/, ".ts");
  entries.set(specifier, new URL(source, root).href);
}

export async function resolve(specifier, context, next) {
  if (specifier === pkg.name || specifier.startsWith(`${pkg.name}/`)) {
    const url = entries.get(specifier);
    if (!url) {
      const e = new Error(`Package subpath '${specifier.slice(pkg.name.length) || "."}' is not defined by "exports" in ${new URL("package.json", root).pathname}`);
      e.code = "ERR_PACKAGE_PATH_NOT_EXPORTED";
      throw e;
    }
    return next(url, context); // through tsx's resolver, which loads .ts
  }
  return next(specifier, context);
}
