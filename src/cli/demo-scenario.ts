/**
 * What a `sockstack demo` scenario is and the narration it produces.
 *
 * A scenario builds a simulated network, runs real processes making
 * syscalls on it, and tells the story through a {@link DemoContext}:
 * sections, prose, shell commands with their output, syscalls with their
 * virtual timestamps, and capture views. The context records everything as
 * {@link DemoEvent}s, which `demo.ts` prints as text or JSON, so adding a
 * scenario means writing one file and one line in the registry.
 */
import type { Micros } from "../core/time.js";
import type { Device } from "../link/device.js";
import { Capture } from "./capture.js";

/** Kinds of narration. */
export type DemoEventKind = "title" | "section" | "say" | "command" | "output" | "syscall" | "capture";

/** One line (or paragraph) of narration with the virtual time it happened at. */
export interface DemoEvent {
  /** Virtual time, µs. */
  t: Micros;
  kind: DemoEventKind;
  /** The text: a paragraph, a command line, an output line, a syscall and its result. */
  text: string;
  /** Host the command ran on / the syscall was made on. */
  host?: string;
  /** `name[pid]` of the process that made the syscall. */
  process?: string;
  /** For `capture`: the captured packets (time, direction, length, formatted line). */
  packets?: { t: Micros; dir: string; length: number; line: string }[];
}

/** Turns a capture into tcpdump lines (supplied by the CLI from src/tools). */
export type CaptureFormatter = (cap: Capture) => string[];

/** A scenario of `sockstack demo`. */
export interface DemoScenario {
  /** The name typed on the command line (`udp-echo`). */
  readonly name: string;
  /** One line for `sockstack demo --list`. */
  readonly summary: string;
  /** Ids of the SEEDS.md behaviours it shows (`G6`, `H6`, …). */
  readonly seeds: readonly string[];
  /** Runs the scenario, narrating through `d`. Must be deterministic for `d.seed`. */
  run(d: DemoContext): Promise<void>;
}

/** The narration API handed to a scenario. */
export class DemoContext {
  /** Captures started with {@link DemoContext.capture}, in start order. */
  readonly captures: Capture[] = [];
  #clock: () => Micros = () => 0;
  readonly #emit: (e: DemoEvent) => void;
  readonly #format: CaptureFormatter;

  /**
   * @param seed the network seed the scenario must use.
   * @param emit receives each event as it happens.
   * @param format renders a capture as tcpdump lines.
   */
  constructor(readonly seed: number, emit: (e: DemoEvent) => void, format: CaptureFormatter) {
    this.#emit = emit;
    this.#format = format;
  }

  /** Timestamps events with this clock from now on (the scenario's network). */
  useClock(clock: { now(): Micros }): void {
    this.#clock = () => clock.now();
  }

  /** The current virtual time. */
  now(): Micros {
    return this.#clock();
  }

  #e(kind: DemoEventKind, text: string, extra: Partial<DemoEvent> = {}): void {
    this.#emit({ t: this.#clock(), kind, text, ...extra });
  }

  /** The scenario's heading. */
  title(text: string): void {
    this.#e("title", text);
  }

  /** Starts a numbered part of the story. */
  section(text: string): void {
    this.#e("section", text);
  }

  /** A paragraph of explanation (may contain newlines). */
  say(text: string): void {
    this.#e("say", text);
  }

  /** A shell command typed on `host` (`client$ ping -c 3 10.0.0.2`). */
  command(host: string, line: string): void {
    this.#e("command", line, { host });
  }

  /** One line of a command's output, verbatim. */
  output(line: string): void {
    this.#e("output", line);
  }

  /** A syscall made by process `proc` (`udp-echo[1000]`) on `host`, with its result. */
  syscall(host: string, proc: string, text: string): void {
    this.#e("syscall", text, { host, process: proc });
  }

  /**
   * Starts capturing every packet `device` sends or receives.
   * @example
   * declare const d: DemoContext;
   * const cap = d.capture(chain.links[0]!.a, "client");
   */
  capture(device: Device, host: string): Capture {
    const cap = new Capture(device, host);
    this.captures.push(cap);
    return cap;
  }

  /** Shows a capture as `tcpdump -nn` prints it, headed by `heading`. */
  showCapture(cap: Capture, heading: string): void {
    const lines = this.#format(cap);
    const packets = cap.packets.map((p, i) => ({ t: p.t, dir: p.dir, length: p.bytes.length, line: lines[i] ?? "" }));
    this.#e("capture", heading, { host: cap.host, packets });
  }
}
