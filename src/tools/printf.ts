/**
 * The few C printf conversions the imitated tools use, with C's results:
 * `%g` (ss's rtt, rto, minrtt), `%-Ns` / `%Ns` padding, and ss's
 * `print_ms_timer` duration format.
 */

/**
 * C's `%g` (or `%.Pg`): P significant digits, trailing zeros removed,
 * exponent form when the exponent is < −4 or ≥ P.
 * @example formatG(0.103) === "0.103"; formatG(204) === "204"; formatG(1e-7) === "1e-07"
 */
export function formatG(x: number, precision = 6): string {
  if (!Number.isFinite(x)) return x > 0 ? "inf" : x < 0 ? "-inf" : "nan";
  if (x === 0) return "0";
  const p = Math.max(1, precision);
  const [mant, e] = x.toExponential(p - 1).split("e") as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= p) {
    const m = mant.includes(".") ? mant.replace(/0+$/, "").replace(/\.$/, "") : mant;
    const ae = Math.abs(exp);
    return `${m}e${exp < 0 ? "-" : "+"}${ae < 10 ? "0" : ""}${ae}`;
  }
  const s = x.toFixed(Math.max(0, p - 1 - exp));
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

/** `%-Ns`: left-aligned in a field of `n` (never truncated). */
export function padRight(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

/** `%Ns`: right-aligned in a field of `n` (never truncated). */
export function padLeft(s: string, n: number): string {
  return s.length >= n ? s : " ".repeat(n - s.length) + s;
}

/**
 * ss's `print_ms_timer`: minutes (`2min`), then seconds (`sec` when whole,
 * else a fraction point) and milliseconds; seconds are dropped above 9
 * minutes and milliseconds above 9 seconds or once minutes show.
 * @example msTimer(200) === "200ms"; msTimer(1500) === "1.500ms"; msTimer(7_140_000) === "119min"; msTimer(59_000) === "59sec"
 */
export function msTimer(timeoutMs: number): string {
  const t = Math.max(0, Math.floor(timeoutMs));
  let secs = Math.floor(t / 1000);
  const minutes = Math.floor(secs / 60);
  secs %= 60;
  let msecs = t % 1000;
  let out = "";
  if (minutes) {
    msecs = 0;
    out += `${minutes}min`;
    if (minutes > 9) secs = 0;
  }
  if (secs) {
    if (secs > 9) msecs = 0;
    out += `${secs}${msecs ? "." : "sec"}`;
  }
  if (msecs) out += `${String(msecs).padStart(3, "0")}ms`;
  return out;
}
