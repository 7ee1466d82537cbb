/**
 * `sockstack/conformance`: the packetdrill-script runner behind
 * `sockstack conformance` (src/conformance, docs/conformance.md). Each
 * script plays against a fresh host in virtual time and ends `passed`,
 * `failed` (with the line and expected vs actual) or `unsupported`; host
 * personalities (`linux`, `freebsd`) select the other system's choices.
 * Pure: the caller reads the files.
 *
 * @example
 * import { formatSummary, runScript, runSuite } from "sockstack/conformance";
 *
 * const text = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 close(3) = 0\n";
 * const r = await runScript(text, { path: "open-close.pkt" });
 * console.log(r.status);
 * const summary = await runSuite([{ path: "a.pkt", text }, { path: "b.pkt", text: "0 bogus\n" }]);
 * console.log(formatSummary(summary));
 */

export { runScript, LOCAL_IP, REMOTE_IP, SCRIPT_PORT } from "./conformance/runner.js";
export type { RunScriptOptions, ScriptResult, ScriptStatus } from "./conformance/runner.js";
export { runSuite, formatResult, formatSummary, globToRegExp } from "./conformance/suite.js";
export type { ScriptSource, SuiteSummary } from "./conformance/suite.js";
export { parseScript } from "./conformance/parser.js";
export type { ParseOptions } from "./conformance/parser.js";
export type { Script, Event, ParseResult } from "./conformance/ast.js";
export { PacketdrillTun } from "./conformance/tun-device.js";
export { applyPersonality } from "./conformance/personality-apply.js";
export { PERSONALITIES, personalitySysctls } from "./core/personality.js";
export type { PersonalityName } from "./core/personality.js";
