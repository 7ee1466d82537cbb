/**
 * A windowed running maximum over (time, value) samples, Kathleen Nichols'
 * three-sample algorithm as Linux lib/win_minmax.c keeps it: the best, the
 * second best and the third best value of the window's later parts, so the
 * maximum of the last `win` time units is known without storing every
 * sample. Time is whatever unit the caller uses (BBR: round trips).
 */

/**
 * @example
 * const m = new WindowedMax();
 * m.update(10, 0, 5); m.update(10, 3, 2); m.value === 5
 */
export class WindowedMax {
  // s[i] = (t, v), best first
  #t0 = 0; #v0 = 0;
  #t1 = 0; #v1 = 0;
  #t2 = 0; #v2 = 0;

  /** The maximum over the window. */
  get value(): number {
    return this.#v0;
  }

  /** Forgets everything: the window holds `v` at time `t` only (Linux minmax_reset). */
  reset(t: number, v: number): void {
    this.#t0 = this.#t1 = this.#t2 = t;
    this.#v0 = this.#v1 = this.#v2 = v;
  }

  /** A new sample `v` at time `t` (Linux minmax_running_max); returns the maximum over the last `win`. */
  update(win: number, t: number, v: number): number {
    if (v >= this.#v0 || t - this.#t2 > win) {
      this.reset(t, v);
      return v;
    }
    if (v >= this.#v1) {
      this.#t2 = this.#t1 = t;
      this.#v2 = this.#v1 = v;
    } else if (v >= this.#v2) {
      this.#t2 = t;
      this.#v2 = v;
    }
    // minmax_subwin_update: age the samples out of the window's quarters.
    const dt = t - this.#t0;
    if (dt > win) {
      this.#shift(t, v);
      if (t - this.#t0 > win) this.#shift(t, v);
    } else if (this.#t1 === this.#t0 && dt > win / 4) {
      this.#t2 = this.#t1 = t;
      this.#v2 = this.#v1 = v;
    } else if (this.#t2 === this.#t1 && dt > win / 2) {
      this.#t2 = t;
      this.#v2 = v;
    }
    return this.#v0;
  }

  #shift(t: number, v: number): void {
    this.#t0 = this.#t1; this.#v0 = this.#v1;
    this.#t1 = this.#t2; this.#v1 = this.#v2;
    this.#t2 = t; this.#v2 = v;
  }
}
