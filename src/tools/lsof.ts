/**
 * `lsof` (4.95) over a {@link HostSnapshot}: open files per process with
 * lsof's columns COMMAND, PID, USER, FD (number + access mode `u`), TYPE
 * (`IPv4`, `unix`, `a_inode`, `CHR`, `sock`, `REG`, `DIR`, `FIFO`), DEVICE (an IP socket's
 * inode, as lsof shows it on Linux; a unix socket's hashed address),
 * SIZE/OFF (`0t0`; a file's size), NODE (`TCP`/`UDP`, or the inode) and NAME
 * (`10.0.0.2:9090->10.0.0.1:59194 (ESTABLISHED)`, `*:9090 (LISTEN)`,
 * `/tmp/s.sock type=STREAM (LISTEN)`, `[eventpoll:3]`, `/tmp/f`,
 * `/tmp/f (deleted)`, `pipe`). Files and pipe ends show their access mode
 * (`3r`, `4w`, `5u`) as lsof does; sockets and the terminal `u`.
 *
 * Selections: `-i` (every Internet socket), `-i :9090`, `-i TCP`,
 * `-i TCP:9090`, `-i @10.0.0.1`, `-i @10.0.0.1:9090`, `-U` (unix
 * sockets), `-p PID[,PID]`, `-c COMMAND`, and `-a` to AND them (lsof ORs
 * selections by default); `-t` prints pids only; `-Q` makes a search that
 * finds nothing a success. `-n`, `-P` are accepted (names are always
 * numeric). Column widths adapt to the content
 * like lsof's. Only numeric fds are listed (as with `-d 0-999`): sockstack
 * processes have no cwd/txt/mem entries. Connections in an accept queue
 * belong to no process and so never appear (A2, I2).
 *
 * @example
 * lsof(snapshot(host), "-p 1000");
 * // COMMAND  PID USER   FD   TYPE DEVICE SIZE/OFF NODE NAME
 * // server  1000 root    3u  IPv4  10000      0t0  TCP *:9090 (LISTEN)
 */
import { netstatStateName, TcpState } from "../tcp/tcp-state.js";
import { parseIpv4Address } from "../wire/ipv4-address.js";
import { padLeft, padRight } from "./printf.js";
import { FS_DEVICE } from "../sys/fs.js";
import type { FdSnapshot, HostSnapshot, ProcessSnapshot, SocketSnapshot, UnixSocketSnapshot } from "./snapshot.js";
import { splitArgs } from "./ss.js";

/** One lsof line, structured. */
export interface LsofEntry {
  command: string;
  pid: number;
  user: string;
  fd: number;
  mode: string;
  type: string;
  device: string;
  sizeOff: string;
  node: string;
  name: string;
}

interface InetSel {
  proto: "tcp" | "udp" | null;
  addr: number | null;
  port: number | null;
}

/** Parses one `-i` address: `[46][protocol][@hostname|hostaddr][:service|port]`. */
function parseInetSel(v: string): InetSel {
  let s = v.replace(/^[46]/, "");
  let proto: "tcp" | "udp" | null = null;
  const m = /^(tcp|udp)/i.exec(s);
  if (m) {
    proto = m[1]!.toLowerCase() as "tcp" | "udp";
    s = s.slice(m[1]!.length);
  }
  let addr: number | null = null;
  let port: number | null = null;
  if (s.startsWith("@")) {
    const rest = s.slice(1);
    const i = rest.lastIndexOf(":");
    const host = i >= 0 ? rest.slice(0, i) : rest;
    addr = parseIpv4Address(host);
    if (addr === null) throw new TypeError(`lsof: unknown host name (${host}) in: -i ${v}`);
    s = i >= 0 ? rest.slice(i) : "";
  }
  if (s.startsWith(":")) {
    port = Number(s.slice(1));
    if (!Number.isInteger(port)) throw new TypeError(`lsof: unknown service ${s.slice(1)} in: -i ${v}`);
  } else if (s !== "") throw new TypeError(`lsof: unacceptable Internet address: ${v}`);
  return { proto, addr, port };
}

function inetMatch(sel: InetSel, s: SocketSnapshot): boolean {
  if (sel.proto && sel.proto !== s.proto) return false;
  if (sel.port !== null && sel.port !== s.localPort && sel.port !== s.remotePort) return false;
  if (sel.addr !== null) {
    const la = parseIpv4Address(s.localAddr);
    const ra = parseIpv4Address(s.remoteAddr);
    if (sel.addr !== la && sel.addr !== ra) return false;
  }
  return true;
}

const addrPort = (a: string, p: number) => `${a === "0.0.0.0" || a === "::" ? "*" : a.includes(":") ? `[${a}]` : a}:${p || "*"}`;

/** lsof's NAME of an Internet socket. */
export function lsofSocketName(s: SocketSnapshot): string {
  const local = addrPort(s.localAddr, s.localPort);
  const peer = s.remotePort ? `->${addrPort(s.remoteAddr, s.remotePort)}` : "";
  // lsof prints the state after a blank, and for UDP the blank alone (`UDP *:9192 `).
  const state = s.proto === "tcp" ? ` (${netstatStateName(s.state)})` : " ";
  return `${local}${peer}${state}`;
}

/** Parsed lsof options. */
export interface LsofOptions {
  inet: InetSel[];
  inetAll: boolean;
  pids: Set<number>;
  commands: string[];
  and: boolean;
  /** `-t`: process ids only. */
  terse: boolean;
  /** `-Q`: a failed search term is not an error (exit 0 when nothing matches). */
  ignoreFailed: boolean;
  /** `-U`: AF_UNIX sockets. */
  unix: boolean;
}

/** lsof options sockstack does not implement: refused by name. */
const UNSUPPORTED = "AbCDeEfFgHkKlLmMNoORsSTuvVxXzZ+h?";

/**
 * Parses lsof's arguments (4.95): `-i [ADDR]`, `-U`, `-p PID[,PID]`, `-c
 * COMMAND`, `-a`, `-t`, `-Q`, and `-n`, `-P`, `-w` (no effect:
 * names are always numeric). Other options are refused by name, unknown
 * ones in lsof's words (a TypeError).
 */
export function parseLsofArgs(args: string | readonly string[]): LsofOptions {
  const argv = typeof args === "string" ? splitArgs(args) : [...args];
  const o: LsofOptions = { inet: [], inetAll: false, pids: new Set(), commands: [], and: false, terse: false, ignoreFailed: false, unix: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("-") || a.length < 2) throw new TypeError(`lsof: sockstack lists no files by name: ${a}`);
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      const attached = a.slice(j + 1);
      if (c === "i") {
        // -i takes an optional value: attached, or the next word when it is not an option.
        const v = attached !== "" ? attached : argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("-") ? argv[++i]! : "";
        if (v === "") o.inetAll = true;
        else o.inet.push(parseInetSel(v));
        break;
      }
      if (c === "p" || c === "c") {
        const v = attached !== "" ? attached : argv[++i];
        if (v === undefined) throw new TypeError(`lsof: -${c} not followed by a ${c === "p" ? "PID" : "command"} specification`);
        if (c === "c") o.commands.push(v);
        else {
          for (const p of v.split(",")) {
            if (!/^\d+$/.test(p)) throw new TypeError(`lsof: illegal process ID: ${p}`);
            o.pids.add(Number(p));
          }
        }
        break;
      }
      if (c === "a") o.and = true;
      else if (c === "t") o.terse = true;
      else if (c === "Q") o.ignoreFailed = true;
      else if (c === "U") o.unix = true;
      else if (c === "n" || c === "P" || c === "w") continue;
      else if (UNSUPPORTED.includes(c) || c === "d" || c === "u") throw new TypeError(`lsof: option -${c} is not supported by sockstack's lsof`);
      else throw new TypeError(`lsof: illegal option character: ${c}`);
    }
  }
  return o;
}

/** sockfs's device (`sock` rows), anon_inodefs's device and inode (`a_inode` rows) — the values of the Linux 6.x machine checked. */
const SOCKFS_DEV = "0,9";
const ANON_INODE_DEV = "0,16";
const ANON_INODE_INO = 1039;
/** pipefs's device (`FIFO` rows), as on the Linux 6.x machine checked. */
const PIPEFS_DEV = "0,15";

/**
 * lsof's DEVICE of a unix socket is the kernel address of the socket,
 * hashed by %pK (`0x00000000` then 8 hex digits); sockstack has no kernel
 * addresses and shows a hash of the inode in that form.
 */
function unixDevice(inode: number): string {
  let h = Math.imul(inode ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return `0x00000000${(h >>> 0).toString(16).padStart(8, "0")}`;
}

/** lsof's NAME of a unix socket: `[PATH ]type=STREAM (LISTEN|CONNECTED|UNCONNECTED)`. */
export function lsofUnixName(u: UnixSocketSnapshot): string {
  const state = u.state === TcpState.LISTEN ? "LISTEN" : u.state === TcpState.ESTABLISHED ? "CONNECTED" : "UNCONNECTED";
  return `${u.name ? `${u.name} ` : ""}type=${u.type.toUpperCase()} (${state})`;
}

/** The entries `lsof` would print, structured. */
export function lsofEntries(snap: HostSnapshot, args: string | readonly string[] | LsofOptions = ""): LsofEntry[] {
  const o = typeof args === "object" && !Array.isArray(args) ? (args as LsofOptions) : parseLsofArgs(args as string | readonly string[]);
  const { inet, inetAll, pids, commands, and } = o;
  const unixByInode = new Map(snap.unix.map((u) => [u.inode, u]));
  const hasInet = inetAll || inet.length > 0 || o.unix;
  const hasPid = pids.size > 0 || commands.length > 0;
  const byInode = new Map<number, SocketSnapshot>();
  for (const s of snap.sockets) if (s.inode) byInode.set(s.inode, s);
  const out: LsofEntry[] = [];
  const sel = (p: ProcessSnapshot, f: FdSnapshot, s: SocketSnapshot | undefined): boolean => {
    const inetOk = (!!s && (inetAll || inet.some((x) => inetMatch(x, s)))) || (o.unix && f.kind === "unix");
    const pidOk = pids.has(p.pid) || commands.some((c) => p.name.startsWith(c));
    if (!hasInet && !hasPid) return true;
    if (and) return (!hasInet || inetOk) && (!hasPid || pidOk);
    return (hasInet && inetOk) || (hasPid && pidOk);
  };
  for (const p of snap.processes) {
    for (const f of p.fds) {
      const s = f.kind === "sock" ? byInode.get(f.inode) : undefined;
      if (!sel(p, f, s)) continue;
      const base = { command: p.name.slice(0, 9), pid: p.pid, user: "root", fd: f.fd, mode: "u" };
      if (f.kind === "chr" && f.rdev) {
        // /dev/zero, /dev/null: the memory devices (major 1), their devtmpfs inode.
        out.push({ ...base, mode: f.mode ?? "u", type: "CHR", device: f.rdev, sizeOff: "0t0", node: String(f.inode), name: f.path });
      } else if (f.kind === "chr") {
        out.push({ ...base, type: "CHR", device: "136,0", sizeOff: "0t0", node: "3", name: f.path });
      } else if (f.kind === "reg" || f.kind === "dir") {
        // A file of the host's filesystem: SIZE/OFF is the size (lsof's default for regular files and directories).
        out.push({
          ...base, mode: f.mode ?? "u", type: f.kind === "reg" ? "REG" : "DIR", device: FS_DEVICE, sizeOff: String(f.size ?? 0),
          node: String(f.inode), name: f.deleted ? `${f.path} (deleted)` : f.path,
        });
      } else if (f.kind === "fifo") {
        // Either end of a pipe: pipefs's device, the pipe's inode, NAME `pipe`.
        out.push({ ...base, mode: f.mode ?? "u", type: "FIFO", device: PIPEFS_DEV, sizeOff: "0t0", node: String(f.inode), name: "pipe" });
      } else if (f.kind === "a_inode") {
        // Every anonymous inode is the one anon_inodefs inode (device 0,16, inode 1039 on the machine checked).
        const name = f.watched?.length ? `${f.path.slice(0, -1)}:${f.watched.join(",")}]` : f.path;
        out.push({ ...base, type: "a_inode", device: ANON_INODE_DEV, sizeOff: "0", node: String(ANON_INODE_INO), name });
      } else if (f.kind === "unix") {
        const u = unixByInode.get(f.inode);
        if (u) out.push({ ...base, type: "unix", device: unixDevice(u.inode), sizeOff: "0t0", node: String(u.inode), name: lsofUnixName(u) });
      } else if (s) {
        out.push({ ...base, type: s.family === 6 ? "IPv6" : "IPv4", device: String(f.inode), sizeOff: "0t0", node: s.proto.toUpperCase(), name: lsofSocketName(s) });
      } else {
        // A socket in no table: not bound yet, or a closed connection still open in the process.
        out.push({ ...base, type: "sock", device: SOCKFS_DEV, sizeOff: "0t0", node: String(f.inode), name: `protocol: ${(f.proto ?? "tcp").toUpperCase()}` });
      }
    }
  }
  return out;
}

/** `lsof -i`, `lsof -p PID`, `lsof -i TCP:9090` … as text. Empty output (lsof prints nothing and exits 1) when nothing matches. */
export function lsof(snap: HostSnapshot, args: string | readonly string[] = ""): string {
  const o = parseLsofArgs(args);
  const rows = lsofEntries(snap, o);
  if (!rows.length) return "";
  if (o.terse) return [...new Set(rows.map((e) => e.pid))].map((p) => `${p}\n`).join("");
  const w = (f: (e: LsofEntry) => string, min: number) => Math.max(min, ...rows.map((e) => f(e).length));
  const cmdW = w((e) => e.command, 7);
  const pidW = w((e) => String(e.pid), 3);
  const userW = w((e) => e.user, 4);
  const fdW = w((e) => String(e.fd), 4);
  const typeW = w((e) => e.type, 4);
  const devW = w((e) => e.device, 6);
  const sizeW = w((e) => e.sizeOff, 8);
  const nodeW = w((e) => e.node, 4);
  let out = `${padRight("COMMAND", cmdW)} ${padLeft("PID", pidW)} ${padRight("USER", userW)} ${padLeft("FD", fdW)}   ${padLeft("TYPE", typeW)} ${padLeft("DEVICE", devW)} ${padLeft("SIZE/OFF", sizeW)} ${padLeft("NODE", nodeW)} NAME\n`;
  for (const e of rows) {
    out += `${padRight(e.command, cmdW)} ${padLeft(String(e.pid), pidW)} ${padRight(e.user, userW)} ${padLeft(String(e.fd), fdW)}${e.mode}  ${padLeft(e.type, typeW)} ${padLeft(e.device, devW)} ${padLeft(e.sizeOff, sizeW)} ${padLeft(e.node, nodeW)} ${e.name}\n`;
  }
  return out;
}
