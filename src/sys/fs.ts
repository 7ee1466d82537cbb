/**
 * A host's in-memory filesystem: directories, regular files and the two
 * character devices programs reach for (`/dev/zero`, `/dev/null`), enough
 * for the files a test writes under /tmp and then reads, sends with
 * sendfile(2) or splices (sys/splice.ts). One tree per host (Host.fs),
 * shared by its processes and by the packetdrill shell (`rm`, `dd`, `cat`,
 * redirections).
 *
 * Open files ({@link VnodeFile}) are open file descriptions as Linux keeps
 * them: a position, the access mode and status flags, shared across
 * dup/fork; an inode outlives its last name while a file is open on it
 * (unlink of an open file, lsof's `(deleted)`). Errnos are Linux's, checked
 * on 6.18 (test/syscalls/files-probe.py): ENOENT, ENOTDIR, EISDIR, EEXIST,
 * EBADF for the wrong access mode, EINVAL for a bad lseek.
 *
 * Not modelled: permissions and owners (every process is root), links,
 * renames, mkdir from programs, timestamps, file locks; a file grows to at
 * most {@link MAX_FILE_SIZE} (EFBIG beyond, where tmpfs is bounded by memory).
 */
import type { ErrnoCode } from "../core/errno.js";
import { POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from "../core/poll-events.js";
import { WaitQueue } from "../core/wait-queue.js";

/** open(2) flags (Linux x86-64 values). */
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_ACCMODE = 0o3;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_LARGEFILE = 0o100000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_CLOEXEC = 0o2000000;

/** The open(2) flags sockstack takes (others are EINVAL rather than silently ignored). */
export const OPEN_FLAGS_KNOWN = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

/** lseek(2) whence. */
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;

/** The largest regular file sockstack keeps (64 MiB): a write beyond it is EFBIG. */
export const MAX_FILE_SIZE = 64 * 1024 * 1024;

/** The device numbers lsof shows: the disk holding / and /tmp, and the memory devices (Linux mem major 1). */
export const FS_DEVICE = "254,0";

/** A regular file's contents. */
export class RegularInode {
  readonly type = "reg";
  #data = new Uint8Array(0);
  /** Bytes in the file. */
  size = 0;
  /** Names referring to it (0 once unlinked; open files keep it alive). */
  nlink = 0;
  constructor(readonly ino: number) {}

  /** Up to `n` bytes from `pos` (fewer at the end of the file, none past it). */
  read(pos: number, n: number): Uint8Array {
    if (pos >= this.size) return new Uint8Array(0);
    return this.#data.slice(pos, Math.min(this.size, pos + n));
  }

  /** Writes `b` at `pos` (a gap before it reads as zeros); EFBIG past {@link MAX_FILE_SIZE}. */
  write(pos: number, b: Uint8Array): number | "EFBIG" {
    if (b.length === 0) return 0;
    if (pos >= MAX_FILE_SIZE) return "EFBIG";
    const n = Math.min(b.length, MAX_FILE_SIZE - pos);
    const end = pos + n;
    if (end > this.#data.length) {
      const grown = new Uint8Array(Math.min(MAX_FILE_SIZE, Math.max(end, this.#data.length * 2, 4096)));
      grown.set(this.#data.subarray(0, this.size));
      this.#data = grown;
    }
    if (pos > this.size) this.#data.fill(0, this.size, pos);
    this.#data.set(n === b.length ? b : b.subarray(0, n), pos);
    if (end > this.size) this.size = end;
    return n;
  }

  /** Cuts (or zero-extends) the file to `size` bytes. */
  truncate(size: number): void {
    if (size < this.size) this.#data.fill(0, size, this.size);
    else if (size > this.#data.length) this.write(size - 1, new Uint8Array(1));
    this.size = size;
  }
}

/** A directory: names → inodes. */
export class DirInode {
  readonly type = "dir";
  readonly entries = new Map<string, Inode>();
  nlink = 1;
  constructor(readonly ino: number) {}
}

/** `/dev/zero` (reads zeros, swallows writes) or `/dev/null` (reads nothing, swallows writes). */
export class DevInode {
  readonly type = "chr";
  nlink = 1;
  constructor(
    readonly ino: number,
    readonly dev: "zero" | "null",
  ) {}
  /** lsof's DEVICE (major,minor): 1,5 and 1,3 as on Linux. */
  get rdev(): string {
    return this.dev === "zero" ? "1,5" : "1,3";
  }
}

/** Anything a name can refer to. */
export type Inode = RegularInode | DirInode | DevInode;

/**
 * An open file of the filesystem (what open(2) returns): the inode, the
 * position, the access mode and the status flags (O_APPEND, O_NONBLOCK).
 * Poll reports it always readable and writable, as Linux's DEFAULT_POLLMASK
 * for files without a poll method; epoll refuses it (EPERM).
 */
export class VnodeFile {
  readonly kind = "vnode";
  refs = 0;
  /** The file position (lseek, read, write). */
  pos = 0;
  /** Never woken: a regular file is always ready. */
  readonly wq = new WaitQueue();

  constructor(
    readonly inode: Inode,
    /** The path it was opened by (lsof's NAME). */
    readonly path: string,
    /** Access mode and status flags as F_GETFL reports them (O_LARGEFILE included). */
    public flags: number,
  ) {}

  /** O_NONBLOCK (no effect on regular files, kept for F_GETFL). */
  get nonblocking(): boolean {
    return (this.flags & O_NONBLOCK) !== 0;
  }
  set nonblocking(on: boolean) {
    this.flags = on ? this.flags | O_NONBLOCK : this.flags & ~O_NONBLOCK;
  }

  /** Opened for reading (O_RDONLY or O_RDWR). */
  get readable(): boolean {
    return (this.flags & O_ACCMODE) !== O_WRONLY;
  }

  /** Opened for writing (O_WRONLY or O_RDWR). */
  get writable(): boolean {
    const m = this.flags & O_ACCMODE;
    return m === O_WRONLY || m === O_RDWR;
  }

  /** POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM: a file never blocks. */
  poll(): number {
    return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
  }

  /** pread: up to `n` bytes at `pos` (EISDIR on a directory). */
  readAt(pos: number, n: number): Uint8Array | ErrnoCode {
    const i = this.inode;
    if (i.type === "dir") return "EISDIR";
    if (i.type === "chr") return i.dev === "zero" ? new Uint8Array(n) : new Uint8Array(0);
    return i.read(pos, n);
  }

  /** read: at the file position, which advances by what was read. */
  read(n: number): Uint8Array | ErrnoCode {
    const r = this.readAt(this.pos, n);
    if (typeof r !== "string" && this.inode.type === "reg") this.pos += r.length;
    return r;
  }

  /** pwrite: `b` at `pos` (at the end under O_APPEND, as Linux's pwrite does). */
  writeAt(pos: number, b: Uint8Array): number | ErrnoCode {
    const i = this.inode;
    if (i.type === "dir") return "EISDIR";
    if (i.type === "chr") return b.length;
    return i.write(this.flags & O_APPEND ? i.size : pos, b);
  }

  /** write: at the position (the end under O_APPEND), which advances past what was written. */
  write(b: Uint8Array): number | ErrnoCode {
    const i = this.inode;
    if (i.type === "reg" && this.flags & O_APPEND) this.pos = i.size;
    const r = this.writeAt(this.pos, b);
    if (typeof r === "number" && i.type === "reg") this.pos += r;
    return r;
  }

  /** lseek(2): the new position; EINVAL for a bad whence or a negative result. Devices stay at 0. */
  lseek(offset: number, whence: number): number | ErrnoCode {
    const i = this.inode;
    let base: number;
    if (whence === SEEK_SET) base = 0;
    else if (whence === SEEK_CUR) base = this.pos;
    else if (whence === SEEK_END) base = i.type === "reg" ? i.size : 0;
    else return "EINVAL";
    if (i.type === "chr") return 0; // memory_lseek / null_lseek: the position is always 0
    const p = base + offset;
    if (p < 0) return "EINVAL";
    this.pos = p;
    return p;
  }

  /** st_size: the file's length (4096 for a directory, as ext4 shows it; 0 for a device). */
  get size(): number {
    const i = this.inode;
    return i.type === "reg" ? i.size : i.type === "dir" ? 4096 : 0;
  }
}

/** What open(2) asks for: the flags, already checked for unknown bits. */
export interface OpenRequest {
  flags: number;
}

/**
 * The filesystem of one host. Paths are absolute (a process's working
 * directory is `/`: a relative path is taken from there).
 * @example
 * const fs = new FileSystem();
 * fs.writeFile("/tmp/f", new Uint8Array(5));
 * const f = fs.open("/tmp/f", O_RDONLY); // a VnodeFile at position 0
 */
export class FileSystem {
  readonly root: DirInode;
  #nextIno = 2;

  constructor() {
    this.root = new DirInode(this.#ino());
    this.#mkdir(this.root, "tmp");
    const dev = this.#mkdir(this.root, "dev");
    this.#link(dev, "null", new DevInode(3, "null"));
    this.#link(dev, "zero", new DevInode(4, "zero"));
  }

  #ino(): number {
    const i = this.#nextIno;
    this.#nextIno = i === 2 ? 100 : i + 1;
    return i;
  }

  #mkdir(parent: DirInode, name: string): DirInode {
    const d = new DirInode(this.#ino());
    this.#link(parent, name, d);
    return d;
  }

  #link(parent: DirInode, name: string, i: Inode): void {
    parent.entries.set(name, i);
    i.nlink++;
  }

  /** The path's components, or ENOENT for "". */
  #split(path: string): { parts: string[]; trailingSlash: boolean } | ErrnoCode {
    if (path === "") return "ENOENT";
    const parts: string[] = [];
    for (const p of path.split("/")) {
      if (p === "" || p === ".") continue;
      if (p === "..") parts.pop();
      else parts.push(p);
    }
    return { parts, trailingSlash: path.endsWith("/") };
  }

  /** The directory holding the last component, and that component ("" for `/`). */
  #parent(path: string): { dir: DirInode; name: string; trailingSlash: boolean } | ErrnoCode {
    const s = this.#split(path);
    if (typeof s === "string") return s;
    let dir: DirInode = this.root;
    for (const p of s.parts.slice(0, -1)) {
      const next = dir.entries.get(p);
      if (!next) return "ENOENT";
      if (next.type !== "dir") return "ENOTDIR";
      dir = next;
    }
    return { dir, name: s.parts[s.parts.length - 1] ?? "", trailingSlash: s.trailingSlash };
  }

  /** The inode at `path`, or ENOENT / ENOTDIR. */
  lookup(path: string): Inode | ErrnoCode {
    const p = this.#parent(path);
    if (typeof p === "string") return p;
    if (p.name === "") return p.dir;
    const i = p.dir.entries.get(p.name);
    if (!i) return "ENOENT";
    if (p.trailingSlash && i.type !== "dir") return "ENOTDIR";
    return i;
  }

  /**
   * open(2) without the fd: creates the file under O_CREAT (EEXIST with
   * O_EXCL when it exists), truncates a regular file under O_TRUNC, refuses
   * writing a directory (EISDIR) and a non-directory under O_DIRECTORY
   * (ENOTDIR). O_CLOEXEC is the fd's, left to the caller.
   */
  open(path: string, flags: number): VnodeFile | ErrnoCode {
    const p = this.#parent(path);
    if (typeof p === "string") return p;
    let i: Inode | undefined = p.name === "" ? p.dir : p.dir.entries.get(p.name);
    const acc = flags & O_ACCMODE;
    if (!i) {
      if (!(flags & O_CREAT)) return "ENOENT";
      if (p.trailingSlash || flags & O_DIRECTORY) return "EISDIR";
      i = new RegularInode(this.#ino());
      this.#link(p.dir, p.name, i);
    } else {
      if (flags & O_CREAT && flags & O_EXCL) return "EEXIST";
      if (i.type === "dir") {
        if (flags & O_CREAT || acc !== O_RDONLY) return "EISDIR";
      } else {
        if (flags & O_DIRECTORY || p.trailingSlash) return "ENOTDIR";
      }
    }
    if (acc === O_ACCMODE) return "EINVAL";
    if (i.type === "reg" && flags & O_TRUNC) i.truncate(0);
    const kept = flags & (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECTORY | O_NOFOLLOW);
    return new VnodeFile(i, this.#canonical(path), kept | O_LARGEFILE);
  }

  #canonical(path: string): string {
    const s = this.#split(path);
    return typeof s === "string" ? path : "/" + s.parts.join("/");
  }

  /** unlink(2): removes a name (EISDIR for a directory); open files keep the inode. */
  unlink(path: string): ErrnoCode | null {
    const p = this.#parent(path);
    if (typeof p === "string") return p;
    if (p.name === "") return "EISDIR";
    const i = p.dir.entries.get(p.name);
    if (!i) return "ENOENT";
    if (i.type === "dir") return "EISDIR";
    if (p.trailingSlash) return "ENOTDIR";
    p.dir.entries.delete(p.name);
    i.nlink--;
    return null;
  }

  /** mkdir -p for the host's set-up (not a syscall): creates every missing directory of `path`. */
  mkdirs(path: string): ErrnoCode | null {
    const s = this.#split(path);
    if (typeof s === "string") return s;
    let dir = this.root;
    for (const part of s.parts) {
      const next = dir.entries.get(part);
      if (!next) dir = this.#mkdir(dir, part);
      else if (next.type !== "dir") return "ENOTDIR";
      else dir = next;
    }
    return null;
  }

  /** The whole contents of a regular file or device read once (a device gives `devBytes` of /dev/zero). */
  readFile(path: string, devBytes = 0): Uint8Array | ErrnoCode {
    const i = this.lookup(path);
    if (typeof i === "string") return i;
    if (i.type === "dir") return "EISDIR";
    if (i.type === "chr") return i.dev === "zero" ? new Uint8Array(devBytes) : new Uint8Array(0);
    return i.read(0, i.size);
  }

  /** Creates or replaces (or with `append`, extends) a file's contents, as a shell redirection does. */
  writeFile(path: string, data: Uint8Array, append = false): ErrnoCode | null {
    const f = this.open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC));
    if (typeof f === "string") return f;
    const r = f.write(data);
    return typeof r === "string" ? r : null;
  }
}
