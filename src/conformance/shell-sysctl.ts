/**
 * `sysctl` in the packetdrill shell: the Linux sysctls sockstack models
 * (/proc/sys text in and out, Linux's ranges and refusals), the knobs it only
 * records (with what it does instead), the ones Linux removed, and the
 * FreeBSD names mapped onto their Linux equivalents.
 */
import { SEC } from "../core/time.js";
import type { Host } from "../host/host.js";
import { availableCongestionControls } from "../tcp/congestion/registry.js";
import { formatFastOpenKeys, parseFastOpenKeys } from "../tcp/fastopen.js";
import { OK, ShellUnsupported, fail, ok, unsupported, type ShellEnv, type ShellResult, type Status } from "./shell-status.js";

type SysctlSetter = (host: Host, value: string) => ShellResult;

const num = (v: string): number => Number(v);

/** A FreeBSD sysctl accepted only when it restates `dflt` (sockstack has no such knob). */
function restate(name: string, dflt: string, why: string): SysctlSetter {
  return (_h, v) => (v === dflt ? OK : unsupported(`sysctl ${name}=${v}: ${why}; only ${dflt} is supported`));
}

function bool(key: "tcp_sack" | "tcp_timestamps" | "tcp_window_scaling" | "tcp_dsack" | "tcp_abort_on_overflow" | "tcp_rfc1337" | "tcp_insecure_rst" | "tcp_insecure_syn" | "tcp_drop_synfin"): SysctlSetter {
  return (h, v) => {
    if (v !== "0" && v !== "1") return unsupported(`sysctl value ${v}`);
    h.sysctl[key] = v === "1";
    return OK;
  };
}

function int(key: "tcp_syncookies" | "tcp_ecn" | "tcp_keepalive_probes" | "tcp_syn_retries" | "tcp_synack_retries" | "tcp_retries2" | "tcp_orphan_retries" | "somaxconn" | "tcp_max_syn_backlog" | "tcp_tw_reuse", min = 0, max = 2 ** 31 - 1): SysctlSetter {
  return (h, v) => {
    const n = num(v);
    if (!Number.isInteger(n) || n < min || n > max) return unsupported(`sysctl ${key}=${v}`);
    h.sysctl[key] = n;
    return OK;
  };
}

const SYSCTLS: Record<string, SysctlSetter> = {
  // ---- FreeBSD names (net.inet.tcp.*, kern.ipc.*)
  "net.inet.tcp.rfc1323": (h, v) => {
    if (v !== "0" && v !== "1") return unsupported(`sysctl net.inet.tcp.rfc1323=${v}`);
    h.sysctl.tcp_timestamps = v === "1";
    h.sysctl.tcp_window_scaling = v === "1";
    return OK;
  },
  "net.inet.tcp.sack.enable": bool("tcp_sack"),
  // FreeBSD's 0/1/2 mean what Linux's tcp_ecn 0/1/2 mean (off, request and accept, accept only); 3 and 4 are its AccECN modes.
  "net.inet.tcp.ecn.enable": (h, v) => (v === "0" || v === "1" || v === "2" ? int("tcp_ecn", 0, 2)(h, v) : unsupported(`sysctl net.inet.tcp.ecn.enable=${v}: Accurate ECN is not implemented`)),
  "net.inet.tcp.recvspace": (h, v) => {
    const n = num(v);
    if (!Number.isInteger(n) || n <= 0) return unsupported(`sysctl net.inet.tcp.recvspace=${v}`);
    h.sysctl.tcp_rmem = [h.sysctl.tcp_rmem[0], n, Math.max(n, h.sysctl.tcp_rmem[2])];
    return OK;
  },
  "net.inet.tcp.sendspace": (h, v) => {
    const n = num(v);
    if (!Number.isInteger(n) || n <= 0) return unsupported(`sysctl net.inet.tcp.sendspace=${v}`);
    h.sysctl.tcp_wmem = [h.sysctl.tcp_wmem[0], n, Math.max(n, h.sysctl.tcp_wmem[2])];
    return OK;
  },
  "kern.ipc.maxsockbuf": (h, v) => {
    const n = num(v);
    if (!Number.isInteger(n) || n <= 0) return unsupported(`sysctl kern.ipc.maxsockbuf=${v}`);
    h.sysctl.rmem_max = n;
    h.sysctl.wmem_max = n;
    return OK;
  },
  "net.inet.tcp.keepcnt": int("tcp_keepalive_probes", 1),
  "net.inet.tcp.syncookies": (h, v) => (v === "0" || v === "1" ? int("tcp_syncookies", 0, 1)(h, v) : unsupported(`sysctl net.inet.tcp.syncookies=${v}`)),
  // No host cache in sockstack (Linux's tcp_metrics is not kept either): a flush is a no-op.
  "net.inet.tcp.hostcache.purgenow": () => OK,
  // FreeBSD's client Fast Open switch; turning it off empties the client cookie cache (tcp_fastopen_ccache).
  "net.inet.tcp.fastopen.client_enable": (h, v) => {
    if (v !== "0" && v !== "1") return unsupported(`sysctl net.inet.tcp.fastopen.client_enable=${v}`);
    if (v === "0") {
      h.sysctl.tcp_fastopen &= ~1;
      h.tcp.fastopen.cache.flush();
    } else h.sysctl.tcp_fastopen |= 1;
    return OK;
  },
  "net.inet.tcp.blackhole": restate("net.inet.tcp.blackhole", "0", "sockstack always answers closed ports with RST"),
  // From the third SYN retransmission, the MSS option alone (freebsd personality).
  "net.inet.tcp.rexmit_drop_options": (h, v) => {
    if (v !== "0" && v !== "1") return unsupported(`sysctl net.inet.tcp.rexmit_drop_options=${v}`);
    h.sysctl.tcp_rexmit_drop_options = v === "1";
    return OK;
  },
  "net.inet.tcp.rexmit_slop": restate("net.inet.tcp.rexmit_slop", "200", "the RTO floor is tcp_rto_min (200 ms)"),
  "net.inet.tcp.rexmit_initial": restate("net.inet.tcp.rexmit_initial", "1000", "the initial RTO is 1 s (RFC 6298)"),
  "net.inet.tcp.icmp_may_rst": restate("net.inet.tcp.icmp_may_rst", "1", "ICMP errors may reset connections in SYN-SENT"),
  "net.inet.tcp.insecure_rst": bool("tcp_insecure_rst"),
  "net.inet.tcp.insecure_syn": bool("tcp_insecure_syn"),
  "net.inet.tcp.drop_synfin": bool("tcp_drop_synfin"),
  // FreeBSD's fixed delayed-ACK timeout (ms), which the freebsd personality's delayed-ACK model uses.
  "net.inet.tcp.delacktime": (h, v) => {
    const n = num(v);
    if (!Number.isInteger(n) || n <= 0 || n > 200) return unsupported(`sysctl net.inet.tcp.delacktime=${v}`);
    h.sysctl.tcp_delacktime = n * 1000;
    return OK;
  },
  // FreeBSD's connection-establishment limit (ms), the default of TCP_KEEPINIT (freebsd personality).
  "net.inet.tcp.keepinit": (h, v) => {
    const n = num(v);
    if (!Number.isInteger(n) || n <= 0) return unsupported(`sysctl net.inet.tcp.keepinit=${v}`);
    h.sysctl.tcp_keepinit = n * 1000;
    return OK;
  },
  // Retransmissions of an ECN-setup SYN that keep ECE|CWR (freebsd personality; Linux: tcp_ecn_fallback).
  "net.inet.tcp.ecn.maxretries": (h, v) => {
    const n = num(v);
    if (!Number.isInteger(n) || n < 0) return unsupported(`sysctl net.inet.tcp.ecn.maxretries=${v}`);
    h.sysctl.tcp_ecn_maxretries = n;
    return OK;
  },
  "net.inet.tcp.syncookies_only": restate("net.inet.tcp.syncookies_only", "0", "the SYN queue is always used (SYN cookies only when it overflows, as tcp_syncookies allows)"),
  "net.inet.tcp.tolerate_missing_ts": restate("net.inet.tcp.tolerate_missing_ts", "1", "segments without timestamps are accepted (Linux)"),
};

// ---- sysctl

/** A Linux sysctl as the shell sees it (/proc/sys text in and out). */
interface LinuxSysctl {
  get(host: Host, env: ShellEnv, name: string): string;
  /** Sets the value from /proc text; returns an errno-ish message when Linux would refuse it ("Invalid argument"). */
  set(host: Host, env: ShellEnv, text: string, name: string): string | null;
  /** For knobs sockstack does not model: whether `text` is what sockstack does anyway, and what it does. */
  honoured?: (text: string) => boolean;
  lacks?: string;
  /** A partly honoured value is noted even when the script itself sets it (never unsupported). */
  noteOnly?: boolean;
}

/** /proc integers: decimal, 0x hex or 0 octal, as the kernel's proc_dointvec (kstrtoul base 0). */
function procInt(t: string): number | null {
  const s = t.trim();
  if (/^-?\d+$/.test(s)) return Number(s);
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return Number(s);
  return null;
}

type BoolKey = "tcp_sack" | "tcp_timestamps" | "tcp_window_scaling" | "tcp_dsack" | "tcp_abort_on_overflow" | "tcp_rfc1337" | "tcp_moderate_rcvbuf" | "tcp_autocorking" | "tcp_slow_start_after_idle" |
  "tcp_ecn_fallback";
type IntKey = "tcp_syncookies" | "tcp_ecn" | "tcp_keepalive_probes" | "tcp_syn_retries" | "tcp_synack_retries" | "tcp_retries1" | "tcp_retries2" |
  "tcp_orphan_retries" | "somaxconn" | "tcp_max_syn_backlog" | "tcp_tw_reuse" | "tcp_notsent_lowat" | "tcp_min_tso_segs" | "tcp_early_retrans" | "tcp_frto" | "tcp_recovery" | "tcp_reordering" |
  "tcp_max_reordering" | "tcp_min_snd_mss" | "tcp_fastopen" | "tcp_fastopen_blackhole_timeout_sec" | "tcp_base_mss" | "tcp_mtu_probing" | "tcp_probe_interval" | "tcp_probe_threshold" | "tcp_mtu_probe_floor" | "tcp_adv_win_scale" | "tcp_challenge_ack_limit" | "ip_default_ttl" |
  "rmem_default" | "wmem_default" | "rmem_max" | "wmem_max";

function lbool(key: BoolKey): LinuxSysctl {
  return {
    get: (h) => (h.sysctl[key] ? "1" : "0"),
    set: (h, _e, t) => {
      const n = procInt(t);
      if (n === null) return "Invalid argument";
      h.sysctl[key] = n !== 0;
      return null;
    },
  };
}

function lint(key: IntKey, min: number, max: number, opts: Partial<Pick<LinuxSysctl, "honoured" | "lacks">> = {}): LinuxSysctl {
  return {
    get: (h) => String(h.sysctl[key]),
    set: (h, _e, t) => {
      const n = procInt(t);
      if (n === null || n < min || n > max) return "Invalid argument";
      h.sysctl[key] = n;
      return null;
    },
    ...opts,
  };
}

function lsec(key: "tcp_fin_timeout" | "tcp_keepalive_time" | "tcp_keepalive_intvl"): LinuxSysctl {
  return {
    get: (h) => String(Math.floor(h.sysctl[key] / SEC)),
    set: (h, _e, t) => {
      const n = procInt(t);
      if (n === null || n < 1) return "Invalid argument";
      h.sysctl[key] = n * SEC;
      return null;
    },
  };
}

function ltriple(key: "tcp_rmem" | "tcp_wmem"): LinuxSysctl {
  return {
    get: (h) => h.sysctl[key].join("\t"),
    set: (h, _e, t) => {
      const v = t.trim().split(/\s+/).map(procInt);
      if (v.length !== 3 || v.some((x) => x === null || x < 1)) return "Invalid argument";
      h.sysctl[key] = v as [number, number, number];
      return null;
    },
  };
}

/**
 * A Linux knob sockstack has no model of: the value is kept (reads return
 * it); `honoured` says whether it is what sockstack does anyway.
 */
function recorded(dflt: string, honoured: (t: string) => boolean, lacks: string, valid: (t: string) => boolean = (t) => procInt(t) !== null): LinuxSysctl {
  return {
    get: (_h, env, name) => env.recorded.get(name) ?? dflt,
    set: (_h, env, t, name) => {
      if (!valid(t)) return "Invalid argument";
      env.recorded.set(name, t.trim());
      return null;
    },
    honoured,
    lacks,
  };
}

const is = (...vals: number[]) => (t: string) => vals.includes(procInt(t) ?? NaN);

/** The Linux sysctls the shell knows, by dotted name (/proc/sys path with dots). */
export const LINUX_SYSCTLS: Record<string, LinuxSysctl> = {
  "net.ipv4.tcp_sack": lbool("tcp_sack"),
  "net.ipv4.tcp_dsack": lbool("tcp_dsack"),
  "net.ipv4.tcp_timestamps": { ...lint("tcp_syncookies", 0, 2), get: (h) => (h.sysctl.tcp_timestamps ? "1" : "0"), set: (h, _e, t) => {
    const n = procInt(t);
    if (n === null || n < 0 || n > 2) return "Invalid argument";
    if (n === 2) return "value 2 (timestamps without a per-connection offset) is not modelled";
    h.sysctl.tcp_timestamps = n === 1;
    return null;
  } },
  "net.ipv4.tcp_window_scaling": lbool("tcp_window_scaling"),
  "net.ipv4.tcp_abort_on_overflow": lbool("tcp_abort_on_overflow"),
  "net.ipv4.tcp_rfc1337": lbool("tcp_rfc1337"),
  "net.ipv4.tcp_moderate_rcvbuf": lbool("tcp_moderate_rcvbuf"),
  "net.ipv4.tcp_syncookies": lint("tcp_syncookies", 0, 2),
  "net.ipv4.tcp_ecn": lint("tcp_ecn", 0, 5, { honoured: is(0, 1, 2), lacks: "Accurate ECN (tcp_ecn 3–5) is not implemented: sockstack negotiates RFC 3168 ECN only" }),
  "net.ipv4.tcp_ecn_fallback": lbool("tcp_ecn_fallback"),
  "net.ipv4.tcp_keepalive_probes": lint("tcp_keepalive_probes", 1, 127),
  "net.ipv4.tcp_syn_retries": lint("tcp_syn_retries", 1, 127),
  "net.ipv4.tcp_synack_retries": lint("tcp_synack_retries", 1, 255),
  "net.ipv4.tcp_retries1": lint("tcp_retries1", 0, 255),
  "net.ipv4.tcp_retries2": lint("tcp_retries2", 0, 255),
  "net.ipv4.tcp_orphan_retries": lint("tcp_orphan_retries", 0, 255),
  "net.ipv4.tcp_max_syn_backlog": lint("tcp_max_syn_backlog", 1, 2 ** 31 - 1),
  "net.ipv4.tcp_tw_reuse": lint("tcp_tw_reuse", 0, 2),
  "net.ipv4.tcp_reordering": lint("tcp_reordering", 1, 2 ** 31 - 1, { honoured: is(3), lacks: "new connections start with a reordering degree of 3 whatever tcp_reordering says" }),
  "net.ipv4.tcp_max_reordering": lint("tcp_max_reordering", 1, 2 ** 31 - 1),
  "net.ipv4.tcp_min_snd_mss": lint("tcp_min_snd_mss", 48, 65535),
  "net.ipv4.tcp_base_mss": lint("tcp_base_mss", 1, 65535),
  "net.ipv4.tcp_mtu_probing": lint("tcp_mtu_probing", 0, 2),
  "net.ipv4.tcp_probe_interval": lint("tcp_probe_interval", 0, 4294967),
  "net.ipv4.tcp_probe_threshold": lint("tcp_probe_threshold", -(2 ** 31), 2 ** 31 - 1),
  "net.ipv4.tcp_mtu_probe_floor": lint("tcp_mtu_probe_floor", 48, 65535),
  "net.ipv4.tcp_adv_win_scale": lint("tcp_adv_win_scale", -31, 31),
  "net.ipv4.tcp_challenge_ack_limit": lint("tcp_challenge_ack_limit", 0, 2 ** 31 - 1),
  "net.ipv4.ip_default_ttl": lint("ip_default_ttl", 1, 255),
  "net.core.somaxconn": lint("somaxconn", 0, 2 ** 31 - 1),
  "net.core.rmem_default": lint("rmem_default", 1, 2 ** 31 - 1),
  "net.core.wmem_default": lint("wmem_default", 1, 2 ** 31 - 1),
  "net.core.rmem_max": lint("rmem_max", 1, 2 ** 31 - 1),
  "net.core.wmem_max": lint("wmem_max", 1, 2 ** 31 - 1),
  "net.ipv4.tcp_fin_timeout": lsec("tcp_fin_timeout"),
  "net.ipv4.tcp_keepalive_time": lsec("tcp_keepalive_time"),
  "net.ipv4.tcp_keepalive_intvl": lsec("tcp_keepalive_intvl"),
  "net.ipv4.tcp_rmem": ltriple("tcp_rmem"),
  "net.ipv4.tcp_wmem": ltriple("tcp_wmem"),
  "net.ipv4.tcp_notsent_lowat": lint("tcp_notsent_lowat", 0, 4294967295),
  "net.ipv4.tcp_congestion_control": {
    get: (h) => h.sysctl.tcp_congestion_control,
    set: (h, _e, t) => {
      const name = t.trim();
      if (!availableCongestionControls().includes(name)) return "No such file or directory";
      h.sysctl.tcp_congestion_control = name;
      return null;
    },
  },
  // Knobs Linux has and sockstack does not model (their values are recorded; reads return them).
  "net.ipv4.tcp_slow_start_after_idle": lbool("tcp_slow_start_after_idle"),
  "net.ipv4.tcp_early_retrans": lint("tcp_early_retrans", 0, 4),
  "net.ipv4.tcp_recovery": lint("tcp_recovery", 0, 2 ** 31 - 1),
  "net.ipv4.tcp_frto": lint("tcp_frto", 0, 255),
  "net.ipv4.tcp_fack": recorded("0", () => true, "no effect on Linux since 4.15 either"),
  "net.ipv4.tcp_tso_win_divisor": recorded("3", () => true, "no TSO in sockstack: segments are MSS-sized, the divisor changes nothing"),
  "net.ipv4.tcp_ecn_option": recorded("2", () => true, "Accurate ECN is not implemented; the option only matters with tcp_ecn 3–5"),
  "net.ipv4.tcp_pacing_ss_ratio": recorded("200", () => true, "recorded only: sockstack paces window-based flows (SO_MAX_PACING_RATE) at Linux's default ratios, 200/120 % (src/tcp/pacing.ts)"),
  "net.ipv4.tcp_pacing_ca_ratio": recorded("120", () => true, "recorded only: sockstack paces window-based flows (SO_MAX_PACING_RATE) at Linux's default ratios, 200/120 % (src/tcp/pacing.ts)"),
  "net.ipv4.tcp_fastopen": lint("tcp_fastopen", 0, 2 ** 31 - 1),
  "net.ipv4.tcp_fastopen_key": {
    get: (h) => formatFastOpenKeys(h.tcp.fastopen.keys()),
    set: (h, _e, t) => {
      const keys = parseFastOpenKeys(t);
      if (!keys) return "Invalid argument";
      h.tcp.fastopen.setKeys(keys);
      return null;
    },
  },
  "net.ipv4.tcp_autocorking": lbool("tcp_autocorking"),
  "net.ipv4.tcp_min_tso_segs": lint("tcp_min_tso_segs", 1, 255),
  "net.ipv4.tcp_fastopen_blackhole_timeout_sec": lint("tcp_fastopen_blackhole_timeout_sec", 0, 2 ** 31 - 1),
  // Module parameters (/sys/module/tcp_cubic/parameters/*), reached by the same table.
  "module.tcp_cubic.parameters.hystart_detect": {
    ...recorded("3", is(2), "sockstack's HyStart has only the delay detector (HYSTART_DELAY = 2), not the ACK-train one"),
    noteOnly: true,
  },
};

/** Linux sysctls that no longer exist (tcp_tw_recycle: 4.12; tcp_low_latency: 4.14; tcp_frto_response, tcp_cookie_size: 3.x). */
const REMOVED_SYSCTLS = new Set(["net.ipv4.tcp_tw_recycle", "net.ipv4.tcp_low_latency", "net.ipv4.tcp_frto_response", "net.ipv4.tcp_cookie_size", "net.ipv4.tcp_max_ssthresh"]);

/** Runs `sysctl [-q] [-w] [-e] NAME=VALUE…` (procps: each assignment on its own; the status is 1 if any failed). */
export function sysctlCommand(host: Host, env: ShellEnv, args: string[], fromFile: boolean): Status {
  let quiet = false;
  let ignoreUnknown = false;
  let code = 0;
  let out = "";
  let err = "";
  let assigned = 0;
  for (const a of args) {
    if (/^-[qwe]+$/.test(a)) {
      quiet ||= a.includes("q");
      ignoreUnknown ||= a.includes("e");
      continue;
    }
    const eq = a.indexOf("=");
    if (a.startsWith("-") || eq < 0) throw new ShellUnsupported(`sysctl ${a}: only writes (NAME=VALUE) are supported`);
    const name = a.slice(0, eq).replace(/\//g, ".");
    const value = a.slice(eq + 1);
    assigned++;
    if (!LINUX_SYSCTLS[name] && SYSCTLS[name]) {
      // FreeBSD names: the legacy table (unsupported values are refused outright).
      const r = SYSCTLS[name](host, value);
      if (r.status === "unsupported") throw new ShellUnsupported(r.reason);
      continue;
    }
    const st = setSysctl(host, env, name, value, fromFile, `sysctl ${a}`, ignoreUnknown);
    if (st.code !== 0) code = st.code;
    err += st.err;
    if (st.code === 0 && !quiet) out += `${name} = ${value}\n`;
  }
  if (!assigned) throw new ShellUnsupported("sysctl without an assignment");
  return { code, out, err };
}

/**
 * Sets one Linux sysctl from /proc text. Unknown to sockstack → the script
 * is unsupported (sockstack cannot tell whether Linux has it). A knob
 * sockstack does not model, set to a value it does not honour: from a
 * helper file (defaults.sh, the production values every script inherits)
 * it is noted in the result; set by the script itself, the script tests
 * it, and is unsupported.
 */
export function setSysctl(host: Host, env: ShellEnv, name: string, value: string, fromFile: boolean, what: string, ignoreUnknown = false): Status {
  const def = LINUX_SYSCTLS[name];
  if (!def) {
    if (SYSCTLS[name]) {
      const r = SYSCTLS[name](host, value.trim());
      if (r.status === "unsupported") throw new ShellUnsupported(r.reason);
      return ok();
    }
    if (ignoreUnknown) return ok();
    // Sysctls Linux removed: procps cannot stat them (status 1), as on a 6.x kernel.
    if (REMOVED_SYSCTLS.has(name)) return fail(1, `sysctl: cannot stat /proc/sys/${name.replace(/\./g, "/")}: No such file or directory\n`);
    throw new ShellUnsupported(`${what}: sysctl ${name} is not modelled by sockstack`);
  }
  const why = def.set(host, env, value, name);
  if (why !== null) {
    if (why !== "Invalid argument" && why !== "No such file or directory") throw new ShellUnsupported(`${what}: ${why}`);
    return fail(1, `sysctl: setting key "${name}": ${why}\n`);
  }
  if (def.honoured && !def.honoured(value)) {
    const note = `${name.replace(/^net\.ipv4\./, "")}=${value.trim()} (${def.lacks})`;
    if (!fromFile && !def.noteOnly) throw new ShellUnsupported(`${what}: ${def.lacks}`);
    if (!env.notes.includes(note)) env.notes.push(note);
  }
  return ok();
}


