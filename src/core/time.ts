/**
 * Time in sockstack is an integer number of **microseconds** held in a plain
 * JS number (exact up to 2^53 µs, about 285 years). Protocol code never reads
 * a wall clock: it asks the host's {@link Clock}.
 */

/** Integer microseconds. */
export type Micros = number;

/** One millisecond in microseconds. */
export const MS: Micros = 1000;
/** One second in microseconds. */
export const SEC: Micros = 1_000_000;
/** One minute in microseconds. */
export const MINUTE: Micros = 60 * SEC;
/** One hour in microseconds. */
export const HOUR: Micros = 60 * MINUTE;

/**
 * Milliseconds → microseconds (rounded to an integer).
 * @example ms(200) === 200_000
 */
export function ms(n: number): Micros {
  return Math.round(n * MS);
}

/**
 * Seconds → microseconds (rounded to an integer).
 * @example sec(1.5) === 1_500_000
 */
export function sec(n: number): Micros {
  return Math.round(n * SEC);
}

/** A source of the current time in microseconds. */
export interface Clock {
  /** The current time, integer microseconds since the clock's epoch. */
  now(): Micros;
}
