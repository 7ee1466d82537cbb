"""
Linux's regular files, pipes, sendfile and splice, for files.test.ts:
open's flags and errnos (ENOENT, EISDIR, EEXIST, ENOTDIR), read/write on
the wrong access mode (EBADF), lseek (EINVAL, ESPIPE on a pipe, holes),
O_APPEND, O_TRUNC, /dev/zero and /dev/null, unlink of an open file,
poll and epoll on a regular file; pipe2's flags, the pipe's capacity in
pages (16 × 4096 B: a write that cannot merge into the last page needs a
free slot), EOF, EPIPE, FIONREAD, poll bits of both ends; sendfile's
offset pointer and errnos (from a file, /dev/zero; not /dev/null, a
directory, a pipe or a socket); splice between a TCP socket and a pipe —
including the urgent-byte case of packetdrill's tcp_splice_loop_test.pkt
(Linux commit ccf7abb93af0 "tcp: avoid infinite loop in tcp_splice_read()":
with the urgent byte next in the queue, tcp_read_sock stops short of it,
so splice returns 0 instead of looping or sleeping; with SO_OOBINLINE too)
— and from UDP and AF_UNIX stream sockets. A call still blocked after
0.3 s is recorded as "blocks".

Run as root; it makes one namespace (loopback only) and deletes it:
  python3 test/syscalls/files-probe.py > test/syscalls/files-linux.json
Files live in a fresh directory under /tmp, removed at the end. (Linux
6.18 produced the committed fixture.)
"""
import errno, fcntl, os, select, shutil, signal, socket as S, struct, sys, tempfile, termios
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe_ns import delete, enter, errname, fresh, outcome, report

NS = "filesprobe"


class Blocked(Exception):
    pass


def _alarm(signum, frame):
    raise Blocked()


def bounded(f):
    """f's outcome, or "blocks" when it is still blocked after 0.3 s (a timer signal ends it)."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        return outcome(f)
    except Blocked:
        return "blocks"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
F_GETPIPE_SZ = 1032
SPLICE_F_NONBLOCK = 2


def files(out, d):
    f = os.path.join(d, "f")
    out["open missing O_RDONLY"] = outcome(lambda: os.open(os.path.join(d, "missing"), os.O_RDONLY))
    out["open dir O_WRONLY"] = outcome(lambda: os.open(d, os.O_WRONLY))
    out["open dir O_RDWR"] = outcome(lambda: os.open(d, os.O_RDWR))
    dfd = os.open(d, os.O_RDONLY)
    out["read dir fd"] = outcome(lambda: os.read(dfd, 10))
    out["write dir fd"] = outcome(lambda: os.write(dfd, b"x"))
    os.close(dfd)
    out["open in missing dir O_CREAT"] = outcome(lambda: os.open(os.path.join(d, "nodir", "x"), os.O_CREAT | os.O_WRONLY, 0o644))
    fd = os.open(f, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o644)
    out["open O_CREAT|O_EXCL new"] = "ok"
    out["open O_CREAT|O_EXCL existing"] = outcome(lambda: os.open(f, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o644))
    out["open file as dir"] = outcome(lambda: os.open(os.path.join(f, "x"), os.O_RDONLY))
    out["write 5"] = os.write(fd, b"hello")
    out["read O_WRONLY"] = outcome(lambda: os.read(fd, 5))
    out["lseek SEEK_CUR after write"] = os.lseek(fd, 0, os.SEEK_CUR)
    out["lseek negative"] = outcome(lambda: os.lseek(fd, -1, os.SEEK_SET))
    out["lseek bad whence"] = outcome(lambda: os.lseek(fd, 0, 7))
    out["lseek past end"] = os.lseek(fd, 10, os.SEEK_SET)
    os.write(fd, b"!")
    out["fstat size after hole"] = os.fstat(fd).st_size
    out["lseek SEEK_END"] = os.lseek(fd, -2, os.SEEK_END)
    os.close(fd)
    fd = os.open(f, os.O_RDONLY)
    out["read with hole"] = list(os.read(fd, 100))
    out["read at EOF"] = list(os.read(fd, 100))
    out["write O_RDONLY"] = outcome(lambda: os.write(fd, b"x"))
    out["pread 3 at 1"] = list(os.pread(fd, 3, 1))
    out["position after pread"] = os.lseek(fd, 0, os.SEEK_CUR)
    out["pread negative offset"] = outcome(lambda: os.pread(fd, 3, -1))
    p = select.poll()
    p.register(fd, select.POLLIN | select.POLLOUT | select.POLLPRI)
    out["poll regular file"] = p.poll(0)[0][1]
    ep = select.epoll()
    out["epoll_ctl ADD regular file"] = outcome(lambda: ep.register(fd, select.EPOLLIN))
    os.close(fd)
    fd = os.open(f, os.O_WRONLY | os.O_APPEND)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, b"AB")
    out["O_APPEND position after write"] = os.lseek(fd, 0, os.SEEK_CUR)
    out["pwrite O_APPEND"] = os.pwrite(fd, b"Z", 0)
    out["size after pwrite O_APPEND"] = os.fstat(fd).st_size
    os.close(fd)
    fd = os.open(f, os.O_RDWR | os.O_TRUNC)
    out["size after O_TRUNC"] = os.fstat(fd).st_size
    os.write(fd, b"abc")
    out["unlink open file"] = outcome(lambda: os.unlink(f))
    os.lseek(fd, 0, os.SEEK_SET)
    out["read after unlink"] = list(os.read(fd, 10))
    out["open after unlink"] = outcome(lambda: os.open(f, os.O_RDONLY))
    os.close(fd)
    out["unlink missing"] = outcome(lambda: os.unlink(f))
    out["unlink dir"] = outcome(lambda: os.unlink(d))
    z = os.open("/dev/zero", os.O_RDONLY)
    out["read /dev/zero 5"] = list(os.read(z, 5))
    out["lseek /dev/zero"] = os.lseek(z, 100, os.SEEK_SET)
    os.close(z)
    n = os.open("/dev/null", os.O_RDWR)
    out["write /dev/null"] = os.write(n, b"abc")
    out["read /dev/null"] = list(os.read(n, 5))
    out["epoll_ctl ADD /dev/null"] = outcome(lambda: ep.register(n, select.EPOLLIN))
    os.close(n)
    ep.close()
    out["close closed fd"] = outcome(lambda: os.close(n))


def pipes(out):
    out["pipe2 bad flags"] = outcome(lambda: os.pipe2(0x10))
    r, w = os.pipe2(os.O_NONBLOCK)
    out["F_GETPIPE_SZ"] = fcntl.fcntl(r, F_GETPIPE_SZ)
    out["F_GETFL read end"] = fcntl.fcntl(r, fcntl.F_GETFL)
    out["F_GETFL write end"] = fcntl.fcntl(w, fcntl.F_GETFL)
    out["read empty nonblocking"] = outcome(lambda: os.read(r, 10))
    p = select.poll()
    p.register(r, select.POLLIN | select.POLLOUT)
    p.register(w, select.POLLIN | select.POLLOUT)
    out["poll empty pipe"] = sorted(p.poll(0))
    out["write 70000 nonblocking"] = os.write(w, b"x" * 70000)
    out["write to full pipe"] = outcome(lambda: os.write(w, b"y"))
    out["FIONREAD full pipe"] = struct.unpack("i", fcntl.ioctl(r, termios.FIONREAD, b"\0\0\0\0"))[0]
    out["poll full pipe"] = sorted(p.poll(0))
    out["read from write end"] = outcome(lambda: os.read(w, 1))
    out["write to read end"] = outcome(lambda: os.write(r, b"x"))
    out["lseek pipe"] = outcome(lambda: os.lseek(r, 0, os.SEEK_SET))
    out["pread pipe"] = outcome(lambda: os.pread(r, 1, 0))
    out["read 1 from full"] = len(os.read(r, 1))
    out["write 1 after reading 1"] = outcome(lambda: os.write(w, b"y"))
    out["write 2 after reading 1 more"] = (len(os.read(r, 1)), outcome(lambda: os.write(w, b"yy")))
    # Drain one whole page: a slot frees, a write up to a page fits.
    out["read 4094 then write 4096"] = (len(os.read(r, 4094)), outcome(lambda: os.write(w, b"z" * 4096)))
    out["read everything"] = len(os.read(r, 200000))
    out["write 5000 to empty pipe"] = os.write(w, b"q" * 5000)
    out["write 4000 after 5000"] = outcome(lambda: os.write(w, b"q" * 4000))
    out["FIONREAD after 9000"] = struct.unpack("i", fcntl.ioctl(r, termios.FIONREAD, b"\0\0\0\0"))[0]
    os.close(w)
    out["poll read end, writer closed, data left"] = p.poll(0)[0][1]
    out["read rest"] = len(os.read(r, 20000))
    out["read after writer closed"] = list(os.read(r, 10))
    out["poll read end, writer closed, empty"] = p.poll(0)[0][1]
    os.close(r)
    r, w = os.pipe()
    os.close(r)
    p = select.poll()
    p.register(w, select.POLLIN | select.POLLOUT)
    out["poll write end, reader closed"] = p.poll(0)[0][1]
    out["write, reader closed"] = outcome(lambda: os.write(w, b"x"))
    os.close(w)
    r, w = os.pipe2(os.O_CLOEXEC)
    out["pipe2 O_CLOEXEC FD_CLOEXEC"] = fcntl.fcntl(r, fcntl.F_GETFD)
    ep = select.epoll()
    out["epoll_ctl ADD pipe"] = outcome(lambda: ep.register(r, select.EPOLLIN))
    ep.close()
    os.close(r)
    os.close(w)


def sockets(out, d):
    ls = S.socket(S.AF_INET, S.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    c = S.create_connection(ls.getsockname())
    a, _ = ls.accept()
    f = os.path.join(d, "five")
    with open(f, "wb") as h:
        h.write(b"\0" * 5)
    fd = os.open(f, os.O_RDONLY)
    out["sendfile with offset 0"] = os.sendfile(a.fileno(), fd, 0, 5)
    out["position after sendfile with offset"] = os.lseek(fd, 0, os.SEEK_CUR)
    out["sendfile without offset 3"] = os.sendfile(a.fileno(), fd, None, 3)
    out["position after sendfile without offset"] = os.lseek(fd, 0, os.SEEK_CUR)
    out["sendfile past EOF"] = os.sendfile(a.fileno(), fd, None, 10)
    out["sendfile at EOF"] = os.sendfile(a.fileno(), fd, None, 10)
    out["sendfile offset beyond EOF"] = os.sendfile(a.fileno(), fd, 100, 10)
    out["sendfile negative offset"] = outcome(lambda: os.sendfile(a.fileno(), fd, -1, 5))
    out["received by peer"] = len(c.recv(100))
    r, w = os.pipe()
    out["sendfile from pipe"] = outcome(lambda: os.sendfile(a.fileno(), r, None, 5))
    out["sendfile from socket"] = outcome(lambda: os.sendfile(a.fileno(), c.fileno(), None, 5))
    wfd = os.open(f, os.O_WRONLY)
    out["sendfile from O_WRONLY file"] = outcome(lambda: os.sendfile(a.fileno(), wfd, 0, 5))
    out["sendfile to O_RDONLY file"] = outcome(lambda: os.sendfile(fd, fd, 0, 5))
    g = os.path.join(d, "copy")
    gfd = os.open(g, os.O_CREAT | os.O_RDWR, 0o644)
    out["sendfile file to file"] = os.sendfile(gfd, fd, 0, 5)
    out["sendfile to pipe"] = os.sendfile(w, fd, 0, 5)
    out["sendfile count 0"] = os.sendfile(a.fileno(), fd, 0, 0)
    out["sendfile bad in_fd"] = outcome(lambda: os.sendfile(a.fileno(), 999, 0, 5))
    z = os.open("/dev/zero", os.O_RDONLY)
    nul = os.open("/dev/null", os.O_RDONLY)
    out["sendfile /dev/zero to socket"] = outcome(lambda: os.sendfile(a.fileno(), z, None, 10))
    out["sendfile /dev/zero with offset to socket"] = outcome(lambda: os.sendfile(a.fileno(), z, 5, 10))
    out["sendfile /dev/null to socket"] = outcome(lambda: os.sendfile(a.fileno(), nul, None, 10))
    out["sendfile /dev/zero to pipe"] = outcome(lambda: os.sendfile(w, z, None, 10))
    out["sendfile dir to socket"] = outcome(lambda: os.sendfile(a.fileno(), os.open(d, os.O_RDONLY), None, 10))
    out["received /dev/zero bytes"] = len(c.recv(100))
    os.close(z)
    os.close(nul)
    os.read(r, 100)
    os.close(gfd)
    os.close(wfd)

    # splice: socket → pipe, pipe → socket, and the errnos.
    c.sendall(b"abcdefgh")
    import time
    time.sleep(0.05)
    out["splice socket to pipe 5"] = os.splice(a.fileno(), w, 5)
    out["FIONREAD pipe after splice"] = struct.unpack("i", fcntl.ioctl(r, termios.FIONREAD, b"\0\0\0\0"))[0]
    out["splice pipe to socket"] = os.splice(r, c.fileno(), 100)
    out["peer got spliced"] = a.recv(100).decode() if False else len(a.recv(100))
    out["splice socket to socket"] = outcome(lambda: os.splice(a.fileno(), c.fileno(), 3))
    out["splice socket to pipe with offset"] = outcome(lambda: os.splice(a.fileno(), w, 3, offset_src=0))
    out["splice pipe to itself"] = outcome(lambda: os.splice(r, w, 3))
    out["splice to read end"] = outcome(lambda: os.splice(a.fileno(), r, 3))
    out["splice from write end"] = outcome(lambda: os.splice(w, c.fileno(), 3))
    out["splice len 0"] = os.splice(a.fileno(), w, 0)
    out["splice empty socket nonblocking"] = bounded(lambda: os.splice(a.fileno(), w, 3, flags=SPLICE_F_NONBLOCK))
    out["splice file to pipe"] = os.splice(fd, w, 3, offset_src=1)
    out["position after splice with offset"] = os.lseek(fd, 0, os.SEEK_CUR)
    out["splice pipe to file"] = os.splice(r, os.open(g, os.O_WRONLY), 3)
    out["splice empty pipe nonblocking"] = bounded(lambda: os.splice(r, c.fileno(), 3, flags=SPLICE_F_NONBLOCK))
    os.set_blocking(r, False)
    out["splice empty O_NONBLOCK pipe"] = bounded(lambda: os.splice(r, c.fileno(), 3))
    os.set_blocking(r, True)
    os.close(w)
    out["splice empty pipe, writer closed"] = os.splice(r, c.fileno(), 3)
    os.close(r)

    # The urgent byte (tcp_splice_loop_test.pkt): 100 bytes, the last one urgent.
    c.send(b"u" * 99)
    c.send(b"U", S.MSG_OOB)
    time.sleep(0.05)
    r, w = os.pipe()
    out["urgent: splice 99"] = os.splice(a.fileno(), w, 99)
    out["urgent: splice 1 at the urgent byte"] = bounded(lambda: os.splice(a.fileno(), w, 1))
    out["urgent: splice 1 nonblocking"] = bounded(lambda: os.splice(a.fileno(), w, 1, flags=SPLICE_F_NONBLOCK))
    out["urgent: recv MSG_OOB"] = a.recv(1, S.MSG_OOB).decode()
    out["urgent: pipe holds"] = len(os.read(r, 200))
    c.send(b"v" * 10)
    time.sleep(0.05)
    out["urgent: splice after OOB read"] = os.splice(a.fileno(), w, 100)
    out["urgent: recv after the mark"] = len(a.recv(100))

    # SO_OOBINLINE: the urgent byte stays in the stream; tcp_read_sock still stops before it.
    a.setsockopt(S.SOL_SOCKET, S.SO_OOBINLINE, 1)
    c.send(b"i" * 9)
    c.send(b"I", S.MSG_OOB)
    c.send(b"j" * 5)
    time.sleep(0.05)
    out["inline: splice 100"] = os.splice(a.fileno(), w, 100)
    out["inline: splice at the urgent byte"] = bounded(lambda: os.splice(a.fileno(), w, 100))
    out["inline: recv 1 at the mark"] = a.recv(1).decode()
    out["inline: splice after the mark"] = os.splice(a.fileno(), w, 100)
    os.read(r, 1000)
    c.close()
    time.sleep(0.05)
    out["splice socket at EOF"] = os.splice(a.fileno(), w, 10)
    os.close(fd)
    a.close()
    ls.close()

    # Other sockets: a UDP datagram per splice (cut to the length), AF_UNIX stream bytes.
    u = S.socket(S.AF_INET, S.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    v = S.socket(S.AF_INET, S.SOCK_DGRAM)
    v.sendto(b"hello", u.getsockname())
    v.sendto(b"world!", u.getsockname())
    time.sleep(0.05)
    out["udp: splice 100"] = os.splice(u.fileno(), w, 100)
    out["udp: splice 3 of a 6-byte datagram"] = os.splice(u.fileno(), w, 3)
    out["udp: splice empty nonblocking socket"] = bounded(lambda: os.splice(u.fileno(), w, 3, flags=SPLICE_F_NONBLOCK))
    out["udp: pipe holds"] = os.read(r, 100).decode()
    x, y = S.socketpair()
    y.send(b"abcdef")
    out["unix: splice 4"] = os.splice(x.fileno(), w, 4)
    y.close()
    out["unix: splice after peer closed"] = os.splice(x.fileno(), w, 4)
    out["unix: splice at EOF"] = os.splice(x.fileno(), w, 4)
    for o in (u, v, x):
        o.close()
    os.close(r)
    os.close(w)


def main():
    out = {}
    d = tempfile.mkdtemp(prefix="filesprobe")
    fresh(NS)
    try:
        enter(NS)
        files(out, d)
        pipes(out)
        sockets(out, d)
    finally:
        delete(NS)
        shutil.rmtree(d)
    report(out)


main()
