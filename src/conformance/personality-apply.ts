/**
 * Applies a host personality (core/personality.ts) to a script's host: the
 * personality's sysctl values on top of the Linux defaults.
 */
import { personalitySysctls, type PersonalityName } from "../core/personality.js";
import type { Host } from "../host/host.js";

/** Sets `host`'s sysctls to the personality's values. */
export function applyPersonality(host: Host, name: PersonalityName): void {
  Object.assign(host.sysctl, personalitySysctls(name));
}
