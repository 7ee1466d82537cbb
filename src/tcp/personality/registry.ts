/**
 * The TCP personalities by name (the values of the `tcp_personality`
 * sysctl). A new personality is a file in this folder and a line here.
 */
import type { PersonalityName } from "../../core/personality.js";
import { freebsdPersonality } from "./freebsd.js";
import { linuxPersonality } from "./linux.js";
import type { TcpPersonality } from "./personality.js";

/** Every personality, by its `tcp_personality` name. */
export const TCP_PERSONALITIES: Readonly<Record<PersonalityName, TcpPersonality>> = {
  linux: linuxPersonality,
  freebsd: freebsdPersonality,
};
