/**
 * The Linux errno table (x86-64 / generic numbers) with glibc's
 * `strerror` texts. `EWOULDBLOCK` and `ENOTSUP` are aliases, as on Linux.
 */

/** errno name → [number, text]. Only Linux values; texts as glibc prints them. */
const TABLE = {
  EPERM: [1, "Operation not permitted"],
  ENOENT: [2, "No such file or directory"],
  ESRCH: [3, "No such process"],
  EINTR: [4, "Interrupted system call"],
  EIO: [5, "Input/output error"],
  ENXIO: [6, "No such device or address"],
  E2BIG: [7, "Argument list too long"],
  ENOEXEC: [8, "Exec format error"],
  EBADF: [9, "Bad file descriptor"],
  ECHILD: [10, "No child processes"],
  EAGAIN: [11, "Resource temporarily unavailable"],
  ENOMEM: [12, "Cannot allocate memory"],
  EACCES: [13, "Permission denied"],
  EFAULT: [14, "Bad address"],
  ENOTBLK: [15, "Block device required"],
  EBUSY: [16, "Device or resource busy"],
  EEXIST: [17, "File exists"],
  EXDEV: [18, "Invalid cross-device link"],
  ENODEV: [19, "No such device"],
  ENOTDIR: [20, "Not a directory"],
  EISDIR: [21, "Is a directory"],
  EINVAL: [22, "Invalid argument"],
  ENFILE: [23, "Too many open files in system"],
  EMFILE: [24, "Too many open files"],
  ENOTTY: [25, "Inappropriate ioctl for device"],
  ETXTBSY: [26, "Text file busy"],
  EFBIG: [27, "File too large"],
  ENOSPC: [28, "No space left on device"],
  ESPIPE: [29, "Illegal seek"],
  EROFS: [30, "Read-only file system"],
  EMLINK: [31, "Too many links"],
  EPIPE: [32, "Broken pipe"],
  EDOM: [33, "Numerical argument out of domain"],
  ERANGE: [34, "Numerical result out of range"],
  EDEADLK: [35, "Resource deadlock avoided"],
  ENAMETOOLONG: [36, "File name too long"],
  ENOLCK: [37, "No locks available"],
  ENOSYS: [38, "Function not implemented"],
  ENOTEMPTY: [39, "Directory not empty"],
  ELOOP: [40, "Too many levels of symbolic links"],
  ENOMSG: [42, "No message of desired type"],
  EIDRM: [43, "Identifier removed"],
  ENODATA: [61, "No data available"],
  ETIME: [62, "Timer expired"],
  ENOSR: [63, "Out of streams resources"],
  ENONET: [64, "Machine is not on the network"],
  ENOLINK: [67, "Link has been severed"],
  EPROTO: [71, "Protocol error"],
  EBADMSG: [74, "Bad message"],
  EOVERFLOW: [75, "Value too large for defined data type"],
  ENOTUNIQ: [76, "Name not unique on network"],
  EILSEQ: [84, "Invalid or incomplete multibyte or wide character"],
  EUSERS: [87, "Too many users"],
  ENOTSOCK: [88, "Socket operation on non-socket"],
  EDESTADDRREQ: [89, "Destination address required"],
  EMSGSIZE: [90, "Message too long"],
  EPROTOTYPE: [91, "Protocol wrong type for socket"],
  ENOPROTOOPT: [92, "Protocol not available"],
  EPROTONOSUPPORT: [93, "Protocol not supported"],
  ESOCKTNOSUPPORT: [94, "Socket type not supported"],
  EOPNOTSUPP: [95, "Operation not supported"],
  EPFNOSUPPORT: [96, "Protocol family not supported"],
  EAFNOSUPPORT: [97, "Address family not supported by protocol"],
  EADDRINUSE: [98, "Address already in use"],
  EADDRNOTAVAIL: [99, "Cannot assign requested address"],
  ENETDOWN: [100, "Network is down"],
  ENETUNREACH: [101, "Network is unreachable"],
  ENETRESET: [102, "Network dropped connection on reset"],
  ECONNABORTED: [103, "Software caused connection abort"],
  ECONNRESET: [104, "Connection reset by peer"],
  ENOBUFS: [105, "No buffer space available"],
  EISCONN: [106, "Transport endpoint is already connected"],
  ENOTCONN: [107, "Transport endpoint is not connected"],
  ESHUTDOWN: [108, "Cannot send after transport endpoint shutdown"],
  ETOOMANYREFS: [109, "Too many references: cannot splice"],
  ETIMEDOUT: [110, "Connection timed out"],
  ECONNREFUSED: [111, "Connection refused"],
  EHOSTDOWN: [112, "Host is down"],
  EHOSTUNREACH: [113, "No route to host"],
  EALREADY: [114, "Operation already in progress"],
  EINPROGRESS: [115, "Operation now in progress"],
  ESTALE: [116, "Stale file handle"],
  EDQUOT: [122, "Disk quota exceeded"],
  ECANCELED: [125, "Operation canceled"],
} as const satisfies Record<string, readonly [number, string]>;

/** A Linux errno name such as `"ECONNREFUSED"`. */
export type ErrnoCode = keyof typeof TABLE | "EWOULDBLOCK" | "ENOTSUP";

const ALIASES: Record<string, keyof typeof TABLE> = { EWOULDBLOCK: "EAGAIN", ENOTSUP: "EOPNOTSUPP" };

const BY_NUMBER = new Map<number, keyof typeof TABLE>();
for (const [name, [n]] of Object.entries(TABLE)) BY_NUMBER.set(n, name as keyof typeof TABLE);

function canonical(code: ErrnoCode): keyof typeof TABLE {
  return (ALIASES[code] ?? code) as keyof typeof TABLE;
}

/**
 * The errno number of a code.
 * @example errnoNumber("ECONNREFUSED") === 111
 */
export function errnoNumber(code: ErrnoCode): number {
  return TABLE[canonical(code)][0];
}

/**
 * glibc's `strerror` text of a code.
 * @example strerror("EADDRINUSE") === "Address already in use"
 */
export function strerror(code: ErrnoCode | number): string {
  if (typeof code === "number") {
    const name = BY_NUMBER.get(code);
    return name ? TABLE[name][1] : `Unknown error ${code}`;
  }
  return TABLE[canonical(code)][1];
}

/**
 * The errno name of a number, or undefined.
 * @example errnoName(98) === "EADDRINUSE"
 */
export function errnoName(n: number): ErrnoCode | undefined {
  return BY_NUMBER.get(n);
}

/** True when `s` is a known errno name. */
export function isErrnoCode(s: string): s is ErrnoCode {
  return s in TABLE || s in ALIASES;
}
