#!/usr/bin/env python3
# Writes md5-kernel.pcap: two Linux sockets with TCP_MD5SIG (key "secret") talk
# over lo in a fresh network namespace, IPv4 (127.0.0.1:9000) then IPv6
# (::1:9001); then a client with key "wrong" tries a listener with "secret"
# (port 9002: its SYNs fail, TcpExtTCPMD5Failure). Run as root:
#   unshare -n python3 md5-kernel-capture.py md5-kernel.pcap [ss]
#   tcpdump -nn -r md5-kernel.pcap | cut -c17- > md5-kernel.tcpdump.txt
# (test/tcp/md5sig.test.ts recomputes every digest and compares tcpdump's text.)
import socket, struct, subprocess, time, sys
TCP_MD5SIG=14
def ss(fam, addr):
    if fam == socket.AF_INET:
        b = struct.pack('<H', fam) + struct.pack('!H', 0) + socket.inet_aton(addr)
    else:
        b = struct.pack('<H', fam) + struct.pack('!HI', 0, 0) + socket.inet_pton(fam, addr) + struct.pack('I', 0)
    return b + b'\0'*(128-len(b))
def md5(fam, addr, key):
    return ss(fam, addr) + struct.pack('=BBHi', 0, 0, len(key), 0) + key.ljust(80, b'\0')
subprocess.run(['ip','link','set','lo','up'], check=True)
out = sys.argv[1]
td = subprocess.Popen(['tcpdump','-i','lo','-w',out,'-U','tcp'], stderr=subprocess.DEVNULL)
time.sleep(1)
for fam, addr, port in ((socket.AF_INET, '127.0.0.1', 9000), (socket.AF_INET6, '::1', 9001)):
    l = socket.socket(fam, socket.SOCK_STREAM)
    l.setsockopt(socket.IPPROTO_TCP, TCP_MD5SIG, md5(fam, addr, b'secret'))
    l.bind((addr, port)); l.listen()
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.setsockopt(socket.IPPROTO_TCP, TCP_MD5SIG, md5(fam, addr, b'secret'))
    c.connect((addr, port))
    a, _ = l.accept()
    c.sendall(b'hello md5')
    print(a.recv(100))
    a.sendall(b'x' * 3000)
    got = 0
    while got < 3000: got += len(c.recv(5000))
    if len(sys.argv) > 2:
        print(subprocess.run(['ss','-tni','-e'], capture_output=True, text=True).stdout)
    c.close(); a.close(); l.close()
time.sleep(0.5)
# mismatched key: client key differs
l = socket.socket(); l.setsockopt(socket.IPPROTO_TCP, TCP_MD5SIG, md5(socket.AF_INET, '127.0.0.1', b'secret')); l.bind(('127.0.0.1', 9002)); l.listen()
c = socket.socket(); c.setsockopt(socket.IPPROTO_TCP, TCP_MD5SIG, md5(socket.AF_INET, '127.0.0.1', b'wrong')); c.settimeout(1.5)
try: c.connect(('127.0.0.1', 9002)); print('connected?!')
except Exception as e: print('mismatch connect:', e)
print(subprocess.run(['nstat','-az','TcpExtTCPMD5NotFound','TcpExtTCPMD5Unexpected','TcpExtTCPMD5Failure'], capture_output=True, text=True).stdout)
time.sleep(0.5)
td.terminate(); td.wait()
