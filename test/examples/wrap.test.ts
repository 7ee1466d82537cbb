/**
 * E6 E2: wrap.c's checked calls (perror's line on stderr, exit status 1)
 * and connect_ex's errno.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { main } from "../../examples/wrap.js";
import { printed } from "./run-example.js";

test("E6 E2 example: a failing checked call prints 'call: errno text' and exits 1; the rest run on; connect_ex returns 111", async () => {
  assert.equal(await printed(main), `\
    0.0 ms  [server] listening on 8000
    0.0 ms  [server copy] bind: Address already in use
    2.0 ms  [client of 9000] connect: Connection refused
    2.0 ms  [client of 8000] sent hello
    3.0 ms  [server] accepted fd 4: "hello"
server: exit status 0
server copy: exit status 1
client of 9000: exit status 1
client of 8000: exit status 0
net.run() failed: client/client[1000] status 1, server/server[1001] status 1
connect_ex(("server", 9000)) = 111 (ECONNREFUSED)
`);
});
