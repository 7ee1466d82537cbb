// The in-memory filesystem on its own (sys/fs.ts): paths, the tree's
// errnos, holes, truncation, the size cap, and an inode outliving its name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FileSystem, MAX_FILE_SIZE, O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, SEEK_END } from "./fs.js";

test("paths: /tmp and /dev exist; ., .. and repeated slashes resolve; a file is not a directory", () => {
  const fs = new FileSystem();
  assert.equal(fs.lookup("/tmp/../tmp/./")?.constructor.name, "DirInode", "/tmp/../tmp/./ is /tmp");
  assert.equal(fs.writeFile("//tmp///a", new Uint8Array([1, 2])), null, "extra slashes are one");
  assert.deepEqual([...(fs.readFile("/tmp/a") as Uint8Array)], [1, 2], "the file reads back");
  assert.equal(fs.lookup("/tmp/a/"), "ENOTDIR", "a trailing slash on a file");
  assert.equal(fs.lookup("/tmp/a/b"), "ENOTDIR", "a file used as a directory");
  assert.equal(fs.lookup("/nope/b"), "ENOENT", "a missing directory");
  assert.equal(fs.lookup(""), "ENOENT", "the empty path");
  assert.equal(fs.open("/tmp", O_RDONLY | O_DIRECTORY) instanceof Object, true, "O_DIRECTORY on a directory");
  assert.equal(fs.open("/tmp/a", O_RDONLY | O_DIRECTORY), "ENOTDIR", "O_DIRECTORY on a file");
  assert.equal(fs.open("/tmp/a", O_CREAT | O_EXCL | O_WRONLY), "EEXIST", "O_EXCL on an existing file");
  assert.equal(fs.open("/tmp/a", 3), "EINVAL", "access mode 3");
  assert.equal(fs.mkdirs("/tmp/x/y/z"), null, "mkdirs creates every level");
  assert.equal(fs.mkdirs("/tmp/a/b"), "ENOTDIR", "mkdirs through a file");
  assert.equal(fs.unlink("/tmp/x"), "EISDIR", "unlink of a directory");
  assert.equal(fs.unlink("/"), "EISDIR", "unlink of the root");
});

test("files: holes read as zeros, O_TRUNC, O_APPEND, the size cap; an unlinked file lives while open", () => {
  const fs = new FileSystem();
  const f = fs.open("/tmp/f", O_RDWR | O_CREAT);
  assert.ok(typeof f !== "string", "created");
  f.lseek(3, 0);
  assert.equal(f.write(new Uint8Array([9])), 1, "a write past the end");
  assert.deepEqual([...(f.readAt(0, 10) as Uint8Array)], [0, 0, 0, 9], "the hole reads as zeros");
  assert.equal(f.lseek(0, SEEK_END), 4, "SEEK_END is the size");
  assert.equal(fs.unlink("/tmp/f"), null, "unlinked while open");
  assert.equal(fs.lookup("/tmp/f"), "ENOENT", "the name is gone");
  assert.deepEqual([...(f.readAt(0, 10) as Uint8Array)], [0, 0, 0, 9], "the open file still reads");
  const g = fs.open("/tmp/g", O_WRONLY | O_CREAT | O_APPEND);
  assert.ok(typeof g !== "string", "created for appending");
  g.write(new Uint8Array([1]));
  g.lseek(0, 0);
  g.write(new Uint8Array([2]));
  assert.deepEqual([...(fs.readFile("/tmp/g") as Uint8Array)], [1, 2], "O_APPEND writes at the end whatever the position");
  fs.open("/tmp/g", O_WRONLY | O_TRUNC);
  assert.equal((fs.readFile("/tmp/g") as Uint8Array).length, 0, "O_TRUNC empties it");
  assert.equal(f.writeAt(MAX_FILE_SIZE, new Uint8Array(1)), "EFBIG", "beyond the cap: EFBIG");
  assert.equal(f.writeAt(MAX_FILE_SIZE - 1, new Uint8Array(3)), 1, "up to the cap: a short write");
  assert.equal(f.size, MAX_FILE_SIZE, "the file reached the cap");
});
