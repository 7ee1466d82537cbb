/**
 * H1 E6 E5 A2 A3 A4: the iterative server of seed 4, with wrap.c's checked calls.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { main } from "../../examples/iterative-server.js";
import { printed } from "./run-example.js";

test("H1 E6 example: one client at a time; the second is connected by the kernel and waits in Recv-Q with no owner; a second server fails in bind", async () => {
  assert.equal(await printed(main), `\
    0.0 ms  [server] listening, lfd = 3, sin_port = htons(9527) = 0x3725: bytes 25 37 in memory
    2.0 ms  [client 1] connected (fd 3)
    2.0 ms  [client 1] sent "hello"
    3.0 ms  [server] cfd = 4, client 10.0.0.1:<p1>
    4.0 ms  [client 1] got "HELLO"
   52.0 ms  [client 2] connected (fd 3)
   52.0 ms  [client 2] sent "second"
   60.0 ms  ss -tnp on the server:
             State Recv-Q Send-Q Local Address:Port Peer Address:Port Process
             ESTAB 0      0           10.0.0.2:9527     10.0.0.1:<p1> users:(("server",pid=1000,fd=4))
             ESTAB 6      0           10.0.0.2:9527     10.0.0.1:<p2>
  104.0 ms  [client 1] sent "world"
  106.0 ms  [client 1] got "WORLD"
  207.0 ms  [server] the client closed the connection (read returned 0)
  207.0 ms  [server] cfd = 4, client 10.0.0.1:<p2>
  208.0 ms  [client 2] got "SECOND"
  209.0 ms  [server] the client closed the connection (read returned 0)
  211.0 ms  [server copy] bind: Address already in use
the copy exited with status 1
`);
});
