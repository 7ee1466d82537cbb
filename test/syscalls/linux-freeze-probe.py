#!/usr/bin/env python3
"""The Linux behaviour freeze.test.ts matches, probed on the kernel (Linux 6.x):
connect_ex retried after ECONNREFUSED (blocking and non-blocking, SO_ERROR
taken first), the state of a refused socket (poll, recv, send), AF_UNIX
accept after shutdown(SHUT_RD), AF_UNIX stream recv short of MSG_WAITALL /
SO_RCVLOWAT (blocking and not) and MSG_PEEK|MSG_WAITALL on AF_UNIX and TCP.
Run: python3 test/syscalls/linux-freeze-probe.py (uses 127.0.0.1:47311 and /tmp)."""
# ---- connect after a refusal
import socket, select, errno, time
P=47311
def name(e): return errno.errorcode.get(e, e) if e else 0
def pollmask(s):
    p=select.poll(); p.register(s, select.POLLIN|select.POLLOUT|select.POLLPRI|select.POLLRDHUP)
    r=p.poll(0); return hex(r[0][1]) if r else '0'
# blocking
s=socket.socket()
print("poll fresh", pollmask(s))
print("blocking 1:", name(s.connect_ex(("127.0.0.1",P))), "port", s.getsockname(), "poll", pollmask(s))
print("  SO_ERROR after", s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
print("blocking 2:", name(s.connect_ex(("127.0.0.1",P))), "port", s.getsockname(), "poll", pollmask(s))
l=socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR,1); l.bind(("127.0.0.1",P)); l.listen()
print("blocking 3 (listening):", name(s.connect_ex(("127.0.0.1",P))), "poll", pollmask(s))
s.close(); l.close()
# explicit bind
s=socket.socket(); s.bind(("127.0.0.1",0)); bp=s.getsockname()
print("bound blocking 1:", name(s.connect_ex(("127.0.0.1",P))), "port", s.getsockname()==bp)
print("bound blocking 2:", name(s.connect_ex(("127.0.0.1",P))), "port", s.getsockname()==bp)
s.close()
# nonblocking
s=socket.socket(); s.setblocking(False)
print("nb 1:", name(s.connect_ex(("127.0.0.1",P))))
time.sleep(0.05)
print("  poll after refusal", pollmask(s))
print("nb 2:", name(s.connect_ex(("127.0.0.1",P))), "poll", pollmask(s))
print("nb 3:", name(s.connect_ex(("127.0.0.1",P))))
time.sleep(0.05)
print("  poll", pollmask(s), "SO_ERROR", name(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)), "poll", pollmask(s))
print("nb 4 (after SO_ERROR read):", name(s.connect_ex(("127.0.0.1",P))), "poll", pollmask(s))
print("nb 5:", name(s.connect_ex(("127.0.0.1",P))))
time.sleep(0.05)
print("nb 6:", name(s.connect_ex(("127.0.0.1",P))))
# recv/send on refused socket
print("nb 7:", name(s.connect_ex(("127.0.0.1",P))))
time.sleep(0.05)
for f in ("recv","send"):
    try:
        r = s.recv(10) if f=="recv" else s.send(b"x")
        print(f, "->", r)
    except OSError as e: print(f, "->", name(e.errno))
print("nb 8:", name(s.connect_ex(("127.0.0.1",P))))
s.close()
# blocking refused then recv/send
s=socket.socket()
print("b:", name(s.connect_ex(("127.0.0.1",P))), "poll", pollmask(s))
for f in ("recv","send"):
    try:
        r = s.recv(10) if f=="recv" else s.send(b"x")
        print(f, "->", r)
    except OSError as e: print(f, "->", name(e.errno))
s.close()

# ---- AF_UNIX
import os, threading
def name(e): return errno.errorcode.get(e, e)
p="/tmp/sockstack-freeze-probe.sock"
try: os.unlink(p)
except: pass
l=socket.socket(socket.AF_UNIX); l.bind(p); l.listen()
l.shutdown(socket.SHUT_RD)
pl=select.poll(); pl.register(l, select.POLLIN|select.POLLOUT|select.POLLRDHUP); print("listener poll after SHUT_RD", [hex(m) for _,m in pl.poll(0)])
try: l.accept(); print("accept ok")
except OSError as e: print("accept after SHUT_RD:", name(e.errno))
l.close(); os.unlink(p)
# blocked accept, other thread shuts down
l=socket.socket(socket.AF_UNIX); l.bind(p); l.listen()
def later(): time.sleep(0.1); l.shutdown(socket.SHUT_RD)
threading.Thread(target=later).start()
try: l.accept(); print("accept ok")
except OSError as e: print("blocked accept then SHUT_RD:", name(e.errno))
l.close(); os.unlink(p)
# listener SHUT_WR only
l=socket.socket(socket.AF_UNIX); l.bind(p); l.listen(); l.shutdown(socket.SHUT_WR); l.setblocking(False)
try: l.accept()
except OSError as e: print("accept after SHUT_WR (nonblock):", name(e.errno))
l.close(); os.unlink(p)
a,b=socket.socketpair()
a.send(b"abc")
print("nb WAITALL 6 with 3:", b.recv(6, socket.MSG_WAITALL|socket.MSG_DONTWAIT))
a.send(b"abc")
b.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, 5)
print("nb RCVLOWAT5 with 3:", b.recv(6, socket.MSG_DONTWAIT))
a.send(b"abc")
def w(): time.sleep(0.1); a.send(b"de")
threading.Thread(target=w).start()
t0=time.time(); print("blocking RCVLOWAT5 with 3:", b.recv(10), round(time.time()-t0,2))
b.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, 1)
a.send(b"xy")
def w2(): time.sleep(0.1); a.send(b"zw")
threading.Thread(target=w2).start()
t0=time.time(); print("blocking WAITALL|PEEK 4 with 2:", b.recv(4, socket.MSG_WAITALL|socket.MSG_PEEK), round(time.time()-t0,2))
print(" then recv", b.recv(10))
a.send(b"12")
b.settimeout(0.2)
t0=time.time()
try: print("WAITALL 4 with 2, settimeout (Python: O_NONBLOCK + poll):", b.recv(4, socket.MSG_WAITALL), round(time.time()-t0,2))
except OSError as e: print("WAITALL timeout err", e)
a.send(b"12")
def w3(): time.sleep(0.1); a.close()
b.settimeout(None)
threading.Thread(target=w3).start()
print("WAITALL 4 with 2 then EOF:", b.recv(4, socket.MSG_WAITALL))
print("recv(-1):", end=" ")
try: b.recv(-1)
except Exception as e: print(type(e).__name__, e)

# ---- TCP peek
l=socket.socket(); l.bind(("127.0.0.1",0)); l.listen()
c=socket.create_connection(l.getsockname()); s,_=l.accept()
c.send(b"ab")
def w(): time.sleep(0.1); c.send(b"cd")
threading.Thread(target=w).start()
t0=time.time(); print("tcp PEEK|WAITALL 4 with 2:", s.recv(4, socket.MSG_PEEK|socket.MSG_WAITALL), round(time.time()-t0,2))
print(s.recv(10))
