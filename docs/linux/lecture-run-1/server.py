import socket, time, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9090)); s.listen(2)
time.sleep(float(sys.argv[1]))
for i in range(4):
    s.settimeout(3)
    try:
        c, a = s.accept(); c.settimeout(1)
        try: d = c.recv(100)
        except Exception as e: d = repr(e)
        print("accepted", a[1], d, flush=True)
    except Exception as e:
        print("accept", repr(e), flush=True)
