/**
 * The events a `sockstack demo` scenario produces (see context.ts for the
 * families): the shape of the JSON document (`--json`, docs/demo.md) that
 * the CLI prints and the web lab draws.
 */
import type { Micros } from "../core/time.js";
import type { LadderEvent, LadderState } from "../tools/ladder.js";
import type { PacketFields } from "../tools/packet-fields.js";

/** The version of the JSON document's schema (docs/demo.md). */
export const DEMO_JSON_VERSION = 3;

/** Every event has the virtual time it happened at, a kind and a line of text. */
interface EventBase {
  /** Virtual time, µs since the start of the simulation. */
  t: Micros;
  /** A human-readable line (what text mode prints, or would). English for narration. */
  text: string;
}

/** A packet as a capture saw it. */
export interface PacketInfo {
  t: Micros;
  /** `in` (received on the interface) or `out` (sent). */
  dir: string;
  /** Bytes of the IP datagram. */
  length: number;
  /** The line `tcpdump -nn` prints for it (on Ethernet: without the link header; ARP as `ARP, Request who-has …`). */
  line: string;
  /** On Ethernet: the line `tcpdump -e -nn` prints (MAC addresses, EtherType, frame length). */
  etherLine?: string;
  /** Parsed header fields. */
  fields: PacketFields;
}

/** One socket of a snapshot. */
export interface SnapshotSocket {
  proto: "tcp" | "udp";
  /** Linux's state name (`LISTEN`, `ESTABLISHED`, `SYN_SENT`, …; UDP: `ESTABLISHED` when connected, `CLOSE`). */
  state: string;
  local: string;
  peer: string;
  recvQ: number;
  sendQ: number;
  /** The processes holding an fd for it (none for a connection in the accept queue). */
  owners: { process: string; pid: number; fd: number }[];
  /** The timer `ss -o` shows, or null. */
  timer: { kind: string; expiresMs: number; retrans: number } | null;
  /** LISTEN: the backlog, the accept queue and the SYN queue lengths. */
  listen: { backlog: number; acceptQueue: number; synQueue: number } | null;
  /** A SYN-queue entry (request sock, B4), not a full socket. */
  request: boolean;
}

/** One process of a snapshot. */
export interface SnapshotProcess {
  pid: number;
  name: string;
  fds: { fd: number; type: string }[];
}

/** The narration and observation events (see the module comment). */
export type DemoEvent =
  | (EventBase & { kind: "title" | "section" | "say"; zh: string })
  | (EventBase & { kind: "output" })
  | (EventBase & { kind: "command"; host: string })
  | (EventBase & {
      kind: "syscall";
      host: string;
      /** `name[pid]` */
      process: string;
      pid: number;
      /** The system call's Linux name (`connect`, `recvfrom`). */
      call: string;
      /** Its arguments as strace prints them. */
      args: string[];
      /** The return value (-1 on error; an accepted fd for accept; a byte count for reads). */
      result: number;
      /** The errno name on failure (`ECONNREFUSED`). */
      errno?: string;
      /** True when it comes from `--strace` (`text` is then strace's whole line). */
      traced?: true;
    })
  | (EventBase & { kind: "strace"; host: string })
  | (EventBase & { kind: "packet"; host: string; iface: string } & PacketInfo)
  | (EventBase & { kind: "state"; host: string; proto: "tcp"; local: string; peer: string; from: string; to: string })
  | (EventBase & { kind: "drop"; host: string; reason: string; counter: string; line: string })
  | (EventBase & { kind: "snapshot"; host: string; sockets: SnapshotSocket[]; processes: SnapshotProcess[] })
  | (EventBase & { kind: "capture"; host: string; packets: PacketInfo[] })
  | (EventBase & { kind: "ladder"; arrows: LadderEvent[]; states: LadderState[] });

/** The kinds of {@link DemoEvent}. */
export type DemoEventKind = DemoEvent["kind"];
