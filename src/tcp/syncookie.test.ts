import { test } from "node:test";
import assert from "node:assert/strict";
import { MSSTAB, SynCookies, cookieMssIndex, decodeCookieTimestamp, encodeCookieTimestamp } from "./syncookie.js";
import type { CookieTuple } from "./syncookie.js";
import { Rng } from "../core/rng.js";
import { SEC, MINUTE } from "../core/time.js";

const T: CookieTuple = { localAddr: 0x0a000001, localPort: 80, remoteAddr: 0x0a000002, remotePort: 40000 };

test("msstab index rounds the client's MSS down (Linux msstab 536/1300/1440/1460)", () => {
  assert.equal(cookieMssIndex(1460), 3);
  assert.equal(cookieMssIndex(65495), 3);
  assert.equal(cookieMssIndex(1448), 2);
  assert.equal(cookieMssIndex(1300), 1);
  assert.equal(cookieMssIndex(1299), 0);
  assert.equal(cookieMssIndex(100), 0);
});

test("round trip recovers the MSS, also across the 32-bit sequence wrap", () => {
  const jar = new SynCookies(new Rng(1));
  for (const [isn, mss] of [[0, 1460], [0xffffffff, 536], [0x7fffffff, 1440], [12345, 1300], [0xfffffff0, 9000]] as const) {
    const now = 10 * MINUTE + 5 * SEC;
    const c = jar.makeCookie(T, isn, mss, now);
    assert.equal(c.mss, MSSTAB[cookieMssIndex(mss)]);
    // the client's ACK: seq = isn + 1, ack = cookie + 1
    assert.equal(jar.checkCookie(T, isn, c.isn, now + 1 * SEC), c.mss);
  }
});

test("a cookie is valid for two counter periods, then expires", () => {
  const jar = new SynCookies(new Rng(2));
  const t0 = 100 * MINUTE + 59 * SEC;       // late in a minute
  const c = jar.makeCookie(T, 777, 1460, t0);
  assert.equal(jar.checkCookie(T, 777, c.isn, t0 + 1 * SEC), 1460);       // next counter
  assert.equal(jar.checkCookie(T, 777, c.isn, t0 + 60 * SEC), 1460);      // still count+1
  assert.equal(jar.checkCookie(T, 777, c.isn, t0 + 61 * SEC), 0);         // count+2: too old
  assert.equal(jar.checkCookie(T, 777, c.isn, t0 - 2 * MINUTE), 0);       // from the future
});

test("a wrong tuple, client ISN, cookie or key fails", () => {
  const jar = new SynCookies(new Rng(3));
  const now = 5 * MINUTE;
  const c = jar.makeCookie(T, 1000, 1460, now);
  assert.equal(jar.checkCookie({ ...T, remotePort: 40001 }, 1000, c.isn, now), 0);
  assert.equal(jar.checkCookie({ ...T, remoteAddr: 0x0a000003 }, 1000, c.isn, now), 0);
  assert.equal(jar.checkCookie({ ...T, localPort: 81 }, 1000, c.isn, now), 0);
  assert.equal(jar.checkCookie(T, 1000 + 4096, c.isn, now), 0);
  assert.equal(jar.checkCookie(T, 1000 - 0x1000000, c.isn, now), 0);
  // Like Linux, the client ISN enters linearly: an ISN off by 1..3 shifts the
  // MSS index rather than failing (it is not a secret; the tuple hash is).
  assert.equal(jar.checkCookie(T, 1001, c.isn, now), 1440);
  assert.equal(jar.checkCookie(T, 1000, (c.isn + 1) >>> 0, now), 0);
  assert.equal(new SynCookies(new Rng(4)).checkCookie(T, 1000, c.isn, now), 0);
  // random forgeries almost never pass (4 valid indexes of 2^24 per counter)
  const r = new Rng(9);
  let passed = 0;
  for (let i = 0; i < 2000; i++) if (jar.checkCookie(T, 1000, r.u32(), now)) passed++;
  assert.ok(passed <= 1);
});

test("cookie timestamp carries wscale/SACK/ECN in its low 6 bits and never runs ahead of the clock", () => {
  for (const ts of [0x12345678, 1000, 0xffffffff, 64]) {
    for (const [ws, sack, ecn] of [[7, true, false], [-1, false, false], [14, true, true], [0, false, true]] as const) {
      const v = encodeCookieTimestamp(ts, ws, sack, ecn);
      assert.ok(ts - v >= 0 && ts - v < 64, `ts ${ts} v ${v}`);
      const off = 0xdeadbeef;                     // the connection's TS offset round trip
      const echoed = (v + off) >>> 0;
      assert.deepEqual(decodeCookieTimestamp((echoed - off) >>> 0), { wscale: ws, sack, ecn });
    }
  }
});
