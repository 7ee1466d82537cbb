import socket, sys, time
c = socket.socket(); c.settimeout(40)
t0 = time.time()
try:
    c.connect(("127.0.0.1", 9090)); c.send(b"1111")
    print(sys.argv[1], "connected", round(time.time() - t0, 2), flush=True)
except Exception as e:
    print(sys.argv[1], repr(e), flush=True)
time.sleep(30)
