/**
 * The packetdrill shell's file commands, on the host's in-memory
 * filesystem (sys/fs.ts) — never the real one: `rm [-f] [-r] PATH…` and
 * GNU `dd` (`if=`, `of=`, `bs=`/`ibs=`/`obs=`, `count=`, `skip=`,
 * `seek=`, `conv=notrunc`, `status=none|noxfer|progress`), as Google's
 * scripts write them:
 *
 * ```sh
 * /bin/rm -f /tmp/testfile
 * /bin/dd bs=1 count=5 if=/dev/zero of=/tmp/testfile status=none
 * ```
 *
 * Messages and exit statuses are coreutils' (`rm: cannot remove 'X': No
 * such file or directory`, `dd: failed to open 'X': …`). dd's summary
 * prints the record counts and `N bytes copied` without the elapsed time
 * and rate (there is no wall clock to measure).
 */
import { joinBytes } from "../core/bytes.js";
import { strerror, type ErrnoCode } from "../core/errno.js";
import type { Host } from "../host/host.js";
import { O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY, type VnodeFile } from "../sys/fs.js";
import { ShellUnsupported, fail, ok, type Status } from "./shell-status.js";

/** Only these folders may be written by script commands (the rest of the tree is the host's own). */
const WRITABLE = /^\/tmp\//;

/** `rm [-f] [-r] PATH…`: unlinks files of /tmp; without -f a missing one is an error (status 1). */
export function rmCommand(host: Host, args: string[]): Status {
  let force = false;
  const paths: string[] = [];
  let opts = true;
  for (const a of args) {
    if (opts && a === "--") opts = false;
    else if (opts && /^-[frRv]+$/.test(a)) force ||= a.includes("f");
    else if (opts && a.startsWith("-")) throw new ShellUnsupported(`rm option ${a} is not supported`);
    else paths.push(a);
  }
  if (!paths.length) return force ? ok() : fail(1, "rm: missing operand\n");
  let err = "";
  for (const p of paths) {
    if (!WRITABLE.test(p)) throw new ShellUnsupported(`rm ${p}: only files under /tmp are removed`);
    const e = host.fs.unlink(p);
    if (e === "ENOENT" && force) continue;
    if (e) err += `rm: cannot remove '${p}': ${strerror(e)}\n`;
  }
  return err ? fail(1, err) : ok();
}

/** A dd size: digits with coreutils' multiplier suffix (c, w, b, kB, K, MB, M, GB, G); null when malformed. */
function ddSize(v: string): number | null {
  const m = /^(\d+)(c|w|b|kB|K|k|KiB|MB|M|MiB|GB|G|GiB)?$/.exec(v);
  if (!m) return null;
  const mult: Record<string, number> = {
    "": 1, c: 1, w: 2, b: 512, kB: 1000, K: 1024, k: 1024, KiB: 1024, MB: 1e6, M: 1 << 20, MiB: 1 << 20, GB: 1e9, G: 1 << 30, GiB: 1 << 30,
  };
  return Number(m[1]) * mult[m[2] ?? ""]!;
}

/**
 * GNU dd over the host's filesystem: copies `count` input blocks (all of
 * the input without it) from `if` (stdin by default) to `of` (stdout by
 * default), created and truncated unless `conv=notrunc`.
 */
export function ddCommand(host: Host, args: string[], stdin: string): Status {
  const o: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf("=");
    if (eq <= 0) return fail(1, `dd: unrecognized operand '${a}'\n`);
    const k = a.slice(0, eq);
    if (!["if", "of", "bs", "ibs", "obs", "count", "skip", "seek", "conv", "status"].includes(k)) return fail(1, `dd: unrecognized operand '${a}'\n`);
    o[k] = a.slice(eq + 1);
  }
  const size = (k: string, dflt: number): number | Status => {
    if (o[k] === undefined) return dflt;
    const n = ddSize(o[k]);
    if (n === null || ((k === "bs" || k === "ibs" || k === "obs") && n === 0)) return fail(1, `dd: invalid number: '${o[k]}'\n`);
    return n;
  };
  const vals: Record<string, number> = {};
  for (const [k, d] of [["bs", 0], ["ibs", 512], ["obs", 512], ["count", -1], ["skip", 0], ["seek", 0]] as const) {
    const v = size(k, d);
    if (typeof v !== "number") return v;
    vals[k] = v;
  }
  const ibs = vals.bs || vals.ibs!;
  const obs = vals.bs || vals.obs!;
  const count = o.count === undefined ? -1 : vals.count!;
  const convs = (o.conv ?? "").split(",").filter(Boolean);
  for (const c of convs) if (c !== "notrunc") throw new ShellUnsupported(`dd conv=${c} is not supported`);
  const status = o.status ?? "default";
  if (!["default", "none", "noxfer", "progress"].includes(status)) return fail(1, `dd: invalid status level: '${status}'\n`);

  // Input: a file of the host's filesystem, or the shell's stdin.
  let input: VnodeFile | null = null;
  let stdinBytes: Uint8Array | null = null;
  if (o.if !== undefined) {
    const f = host.fs.open(o.if, O_RDONLY);
    if (typeof f === "string") return fail(1, `dd: failed to open '${o.if}': ${strerror(f)}\n`);
    if (f.inode.type === "chr" && f.inode.dev === "zero" && count < 0) throw new ShellUnsupported("dd from /dev/zero without count= never ends");
    input = f;
  } else stdinBytes = new TextEncoder().encode(stdin);
  let output: VnodeFile | null = null;
  if (o.of !== undefined) {
    if (!WRITABLE.test(o.of) && o.of !== "/dev/null") throw new ShellUnsupported(`dd of=${o.of}: only files under /tmp (and /dev/null) are written`);
    const f = host.fs.open(o.of, O_WRONLY | O_CREAT | (convs.includes("notrunc") || vals.seek ? 0 : O_TRUNC));
    if (typeof f === "string") return fail(1, `dd: failed to open '${o.of}': ${strerror(f)}\n`);
    if (vals.seek && f.inode.type === "reg" && !convs.includes("notrunc")) f.inode.truncate(Math.min(f.inode.size, vals.seek * obs));
    f.pos = vals.seek! * obs;
    output = f;
  }

  let inPos = vals.skip! * ibs;
  const read = (n: number): Uint8Array | ErrnoCode => {
    if (input) return input.readAt(inPos, n);
    const b = stdinBytes!.subarray(Math.min(inPos, stdinBytes!.length), Math.min(inPos + n, stdinBytes!.length));
    return b;
  };
  let out = "";
  const pending: Uint8Array[] = [];
  let pendingLen = 0;
  const rec = { inFull: 0, inPart: 0, outFull: 0, outPart: 0 };
  let total = 0;
  const write = (b: Uint8Array): ErrnoCode | null => {
    if (b.length === obs) rec.outFull++;
    else rec.outPart++;
    total += b.length;
    if (!output) {
      out += new TextDecoder().decode(b);
      return null;
    }
    const r = output.write(b);
    return typeof r === "string" ? r : null;
  };
  for (let blocks = 0; count < 0 || blocks < count; blocks++) {
    const b = read(ibs);
    if (typeof b === "string") return fail(1, `dd: error reading '${o.if ?? "standard input"}': ${strerror(b)}\n`);
    if (b.length === 0) break;
    inPos += b.length;
    if (b.length === ibs) rec.inFull++;
    else rec.inPart++;
    if (vals.bs) {
      const e = write(b);
      if (e) return fail(1, `dd: error writing '${o.of}': ${strerror(e)}\n`);
      continue;
    }
    pending.push(b);
    pendingLen += b.length;
    while (pendingLen >= obs) {
      const all = joinBytes(pending, pendingLen);
      const e = write(all.subarray(0, obs));
      if (e) return fail(1, `dd: error writing '${o.of}': ${strerror(e)}\n`);
      pending.length = 0;
      pendingLen -= obs;
      if (pendingLen) pending.push(all.subarray(obs));
    }
  }
  if (pendingLen) {
    const e = write(joinBytes(pending, pendingLen));
    if (e) return fail(1, `dd: error writing '${o.of}': ${strerror(e)}\n`);
  }
  let err = "";
  if (status !== "none") {
    err = `${rec.inFull}+${rec.inPart} records in\n${rec.outFull}+${rec.outPart} records out\n`;
    if (status !== "noxfer") err += `${total} byte${total === 1 ? "" : "s"} copied\n`;
  }
  return { code: 0, out, err };
}

