/**
 * H2 C1 C3: seed 0's Java BIO server (thread per connection, backlog 2,
 * accept timeout) and its byte-at-a-time client.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { main } from "../../examples/bio-server.js";
import { printed } from "./run-example.js";

test("H2 C1 C3 example: bytes sent before accept() are read at once; accept times out with EAGAIN and loops; Nagle sends 1 byte, then 2; each thread sees its client leave", async () => {
  assert.equal(await printed(main), `\
    0.0 ms  [server] server up use 9090!
 1000.0 ms  [server] client port: <p1>
 1000.0 ms  [server] client read some data is :4 val :1111
 2000.0 ms  [server] client port: <p2>
 2000.0 ms  [server] client read some data is :4 val :2222
 6000.0 ms  [server] Accept timed out (accept: Resource temporarily unavailable after 3000 ms); accepting again
 8001.0 ms  [server] client read some data is :1 val :3
 8003.0 ms  [server] client read some data is :2 val :33
 9001.0 ms  [server] client readed nothing!
10001.0 ms  [server] client readed nothing!
`);
});
