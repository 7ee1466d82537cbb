/**
 * Files as the packetdrill shell's commands see them: /proc/sys and
 * /sys/module (the host's sysctls), /proc/net/tcp, the host's in-memory
 * filesystem (sys/fs.ts: /tmp, /dev/null, /dev/zero — what the script's
 * programs open, so `dd … of=/tmp/f` then `open("/tmp/f")` meet), and the
 * script's own tree (paths resolved against its folder).
 */
import type { Host } from "../host/host.js";
import { snapshot, type SocketSnapshot } from "../tools/snapshot.js";
import { parseIpv6Address } from "../wire/ipv6-address.js";
import { LINUX_SYSCTLS, setSysctl } from "./shell-sysctl.js";
import { ShellUnsupported, fail, ok, type ShellEnv, type Status } from "./shell-status.js";
import { strerror } from "../core/errno.js";

const TEXT = new TextDecoder();
const BYTES = new TextEncoder();


function resolvePath(env: ShellEnv, path: string): string {
  const abs = path.startsWith("/") ? path : `${env.cwd || "."}/${path}`;
  const out: string[] = [];
  for (const part of abs.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return (abs.startsWith("/") ? "/" : "") + out.join("/");
}

/** Reads a file as the commands see it: /proc, files written earlier, the script tree. */
export function readAny(host: Host, env: ShellEnv, path: string): string | null {
  if (path.startsWith("/proc/sys/")) {
    const name = path.slice("/proc/sys/".length).replace(/\//g, ".");
    const def = LINUX_SYSCTLS[name];
    if (!def) throw new ShellUnsupported(`${path} is not modelled by sockstack`);
    return `${def.get(host, env, name)}\n`;
  }
  if (path === "/proc/net/tcp") return procNetTcp(host);
  if (path === "/proc/net/tcp6") return procNetTcp6(host);
  if (path.startsWith("/sys/module/")) {
    const name = path.slice("/sys/".length).replace(/\//g, ".");
    const def = LINUX_SYSCTLS[name];
    if (!def) throw new ShellUnsupported(`${path} is not modelled by sockstack`);
    return `${def.get(host, env, name)}\n`;
  }
  if (path.startsWith("/proc/") || path.startsWith("/sys/")) throw new ShellUnsupported(`${path} is not modelled by sockstack`);
  if (path.startsWith("/tmp/") || path.startsWith("/dev/")) {
    if (path === "/dev/zero") throw new ShellUnsupported("reading /dev/zero as text (it never ends; dd reads it by blocks)");
    const b = host.fs.readFile(path);
    return typeof b === "string" ? null : TEXT.decode(b);
  }
  if (!env.readFile) throw new ShellUnsupported(`cannot read ${path}: the runner was given no file reader (run the script from a file)`);
  return env.readFile(resolvePath(env, path));
}

/** Writes `text` to `path` (a redirection): /proc/sys sets a sysctl, /dev/null discards, /tmp keeps it. */
export function writeAny(host: Host, env: ShellEnv, path: string, text: string, append: boolean, fromFile: boolean): Status {
  if (path === "/dev/null") return ok();
  if (path.startsWith("/proc/sys/")) {
    const name = path.slice("/proc/sys/".length).replace(/\//g, ".");
    return setSysctl(host, env, name, text.trim(), fromFile, `echo > ${path}`);
  }
  if (path.startsWith("/sys/module/")) {
    const name = path.slice("/sys/".length).replace(/\//g, ".");
    if (!LINUX_SYSCTLS[name]) throw new ShellUnsupported(`writing ${path} is not supported (not modelled)`);
    return setSysctl(host, env, name, text.trim(), fromFile, `echo > ${path}`);
  }
  if (path.startsWith("/tmp/") || path === "/dev/zero") {
    const e = host.fs.writeFile(path, BYTES.encode(text), append);
    return e ? fail(1, `sh: ${path}: ${strerror(e)}`) : ok();
  }
  throw new ShellUnsupported(`writing ${path} is not supported (only /proc/sys, /tmp and /dev/null)`);
}

/** Linux's /proc/net/tcp: one line per IPv4 TCP socket (listeners, connections, TIME-WAIT). */
function procNetTcp(host: Host): string {
  const hex = (a: string, port: number) => {
    const b = a.split(".").map(Number);
    const le = ((b[3]! << 24) | (b[2]! << 16) | (b[1]! << 8) | b[0]!) >>> 0;
    return `${le.toString(16).toUpperCase().padStart(8, "0")}:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  };
  let out = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
  let sl = 0;
  for (const s of snapshot(host).sockets) {
    if (s.proto !== "tcp" || s.request || s.family !== 4) continue;
    const st = s.state.toString(16).toUpperCase().padStart(2, "0");
    out += `${String(sl++).padStart(4)}: ${hex(s.localAddr, s.localPort)} ${hex(s.remoteAddr, s.remotePort)} ${st} ` +
      `${queues(s)} 00:00000000 00000000     0        0 ${s.inode}\n`;
  }
  return out;
}


/**
 * Linux's /proc/net/tcp6 (tcp6_seq_show): one line per AF_INET6 TCP socket,
 * v4-mapped ones included; each address as four 32-bit words printed as
 * the host (little-endian) reads them.
 */
function procNetTcp6(host: Host): string {
  const hex = (a: string, port: number) => {
    // An unset peer is all zeros (a listener's sk_v6_daddr), not ::ffff:0.0.0.0.
    const b = a === "::ffff:0.0.0.0" ? new Uint8Array(16) : parseIpv6Address(a) ?? new Uint8Array(16);
    let w = "";
    for (let i = 0; i < 16; i += 4) {
      const le = ((b[i + 3]! << 24) | (b[i + 2]! << 16) | (b[i + 1]! << 8) | b[i]!) >>> 0;
      w += le.toString(16).toUpperCase().padStart(8, "0");
    }
    return `${w}:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  };
  let out = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
  let sl = 0;
  for (const s of snapshot(host).sockets) {
    if (s.proto !== "tcp" || s.request || s.family !== 6) continue;
    const st = s.state.toString(16).toUpperCase().padStart(2, "0");
    out += `${String(sl++).padStart(4)}: ${hex(s.localAddr, s.localPort)} ${hex(s.remoteAddr, s.remotePort)} ${st} ` +
      `${queues(s)} 00:00000000 00000000     0        0 ${s.inode}\n`;
  }
  return out;
}

/** tx_queue:rx_queue as get_tcp4_sock / get_tcp6_sock give them: a listener's accept queue as rx_queue, tx_queue 0. */
function queues(s: SocketSnapshot): string {
  const h8 = (n: number) => n.toString(16).toUpperCase().padStart(8, "0");
  if (s.listen) return `${h8(0)}:${h8(s.listen.acceptQueue)}`;
  return `${h8(s.sendQ)}:${h8(s.recvQ)}`;
}
