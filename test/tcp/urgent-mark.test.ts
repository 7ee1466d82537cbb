/**
 * recv stops at the urgent mark, as Linux 6.18's tcp_recvmsg does: a read
 * that has copied bytes does not cross it, the next read continues after
 * the urgent byte (inline with SO_OOBINLINE, skipped without), and
 * SIOCATMARK is 1 exactly while the reader is at the mark. Expected
 * sequences measured with python3 over loopback in an `unshare -n`
 * namespace: send(b"abc"), send(b"d", MSG_OOB), send(b"ef"), then reads on
 * the other side once everything arrived.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import { establishedPair } from "../helpers/vocabulary.js";

const MSG_OOB = 0x1, MSG_PEEK = 0x2, MSG_DONTWAIT = 0x40;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function scene(inline: boolean) {
  const pair = await establishedPair({
    link: { latency: ms(1) },
    beforeListen: (p, l) => { if (inline) p.setsockopt(l, "SOL_SOCKET", "SO_OOBINLINE", 1); },
  });
  const { net, cp, cfd } = pair;
  await cp.send(cfd, "abc");
  await cp.send(cfd, "d", MSG_OOB);
  await cp.send(cfd, "ef");
  await net.advance(ms(200));
  return pair;
}

/** Reads `sizes` (MSG_DONTWAIT), noting what each returns and SIOCATMARK after it. */
async function reads(inline: boolean, sizes: number[], oobAfterFirst = false): Promise<string[]> {
  const { sp, sfd } = await scene(inline);
  const out = [`atmark ${sp.ioctl(sfd, "SIOCATMARK")}`];
  for (const [i, n] of sizes.entries()) {
    let got: string;
    try { got = text(await sp.recv(sfd, n, MSG_DONTWAIT)); } catch (e) { got = (e as Error).message; }
    out.push(`${got} atmark ${sp.ioctl(sfd, "SIOCATMARK")}`);
    if (oobAfterFirst && i === 0) out.push(`oob ${text(await sp.recv(sfd, 1, MSG_OOB))}`);
  }
  return out;
}

test("recv(100) stops at the urgent mark and continues after it; SIOCATMARK says when the reader is there (Linux 6.18)", async () => {
  assert.deepEqual(await reads(false, [100, 100, 100], true),
    ["atmark 0", "abc atmark 1", "oob d", "ef atmark 0", "recv: Resource temporarily unavailable atmark 0"],
    "without SO_OOBINLINE: the read crossed the mark or SIOCATMARK is wrong");
  assert.deepEqual(await reads(true, [100, 100, 100]),
    ["atmark 0", "abc atmark 1", "def atmark 0", "recv: Resource temporarily unavailable atmark 0"],
    "with SO_OOBINLINE: the read crossed the mark, or the read at the mark did not take the urgent byte inline");
});

test("a short read before the mark, then the rest up to it: the mark still stops the read (Linux 6.18)", async () => {
  assert.deepEqual(await reads(false, [2, 100, 100], true), ["atmark 0", "ab atmark 0", "oob d", "c atmark 1", "ef atmark 0"],
    "without SO_OOBINLINE: reading the OOB byte must not move the mark");
  assert.deepEqual(await reads(true, [2, 100, 100]), ["atmark 0", "ab atmark 0", "c atmark 1", "def atmark 0"],
    "with SO_OOBINLINE: the second read must stop at the mark");
});

test("MSG_PEEK stops at the mark too, and MSG_WAITALL does not wait past it (Linux 6.18)", async () => {
  const { sp, sfd } = await scene(false);
  assert.equal(text(await sp.recv(sfd, 100, MSG_PEEK)), "abc", "peek crossed the urgent mark");
  assert.equal(sp.ioctl(sfd, "SIOCATMARK"), 0, "peek moved the read position");
  assert.equal(text(await sp.recv(sfd, 5, 0x100)), "abc", "MSG_WAITALL read past the mark");
  assert.equal(text(await sp.recv(sfd, 100, MSG_PEEK | MSG_DONTWAIT)), "ef", "peek at the mark did not skip the out-of-band byte");
  assert.equal(sp.ioctl(sfd, "SIOCATMARK"), 1, "at the mark after peeking past it");
});

test("an out-of-band byte not read before the reader passes its mark is gone: recv(MSG_OOB) EINVAL (Linux 6.18)", async () => {
  const { sp, sfd } = await scene(false);
  assert.equal(text(await sp.recv(sfd, 3)), "abc", "the bytes before the mark");
  assert.equal(text(await sp.recv(sfd, 100)), "ef", "the bytes after the mark");
  await assert.rejects(sp.recv(sfd, 1, MSG_OOB), /recv: Invalid argument/, "the urgent byte outlived its mark");
});

test("SIOCATMARK on other sockets, as Linux 6.18: a TCP listener 0, AF_UNIX stream 0, AF_UNIX datagram EOPNOTSUPP, UDP ENOTTY", async () => {
  const { sp, lfd } = await scene(false);
  assert.equal(sp.ioctl(lfd, "SIOCATMARK"), 0, "a TCP listener answers 0 (tcp_ioctl has no state check)");
  assert.equal(sp.ioctl(sp.socket("AF_UNIX", "SOCK_STREAM"), "SIOCATMARK"), 0, "AF_UNIX stream answers 0");
  assert.throws(() => sp.ioctl(sp.socket("AF_UNIX", "SOCK_DGRAM"), "SIOCATMARK"), /ioctl: Operation not supported/, "AF_UNIX datagram: EOPNOTSUPP");
  assert.throws(() => sp.ioctl(sp.socket("AF_INET", "SOCK_DGRAM"), "SIOCATMARK"), /ioctl: Inappropriate ioctl for device/, "UDP: ENOTTY");
});
