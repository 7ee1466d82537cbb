/**
 * open(2) of a path where an AF_UNIX socket is bound: Linux 6.18 gives
 * ENXIO ("No such device or address") for every access mode, O_CREAT and
 * O_TRUNC included; EEXIST under O_CREAT|O_EXCL; ENOTDIR under
 * O_DIRECTORY — measured with python3 os.open on a bound socket file in an
 * `unshare -n` namespace. The socket file stays after close (stale) until
 * unlinked.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/sim/network.js";

test("open of a bound AF_UNIX path: ENXIO (EEXIST with O_CREAT|O_EXCL, ENOTDIR with O_DIRECTORY), as Linux; ENOENT once unlinked", async () => {
  const net = new Network({ seed: 5 });
  const p = net.addHost("h").createProcess("u");
  const s = p.socket("AF_UNIX", "SOCK_STREAM");
  p.bind(s, "/tmp/app.sock");
  const openErr = (flags: string) => {
    try {
      p.open("/tmp/app.sock", flags);
      return "opened";
    } catch (e) {
      return (e as Error).message;
    }
  };
  const want: [string, string][] = [
    ["O_RDONLY", "open: No such device or address"], ["O_WRONLY", "open: No such device or address"], ["O_RDWR", "open: No such device or address"],
    ["O_RDONLY|O_CREAT", "open: No such device or address"], ["O_WRONLY|O_TRUNC", "open: No such device or address"],
    ["O_WRONLY|O_CREAT|O_EXCL", "open: File exists"], ["O_RDONLY|O_DIRECTORY", "open: Not a directory"],
  ];
  for (const [flags, msg] of want) assert.equal(openErr(flags), msg, `open(${flags}) of a live socket file`);
  await p.close(s);
  assert.equal(openErr("O_RDONLY"), "open: No such device or address", "a stale socket file is still a socket file");
  assert.equal(openErr("O_RDONLY|O_CREAT"), "open: No such device or address", "O_CREAT must not make a regular file over a socket file");
  p.unlink("/tmp/app.sock");
  assert.equal(openErr("O_RDONLY"), "open: No such file or directory", "after unlink the path is gone");
});
