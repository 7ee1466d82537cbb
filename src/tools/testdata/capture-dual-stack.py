# The ss and netstat views of a dual-stack host on Linux 6.18, for src/tools/dual-stack-views.test.ts:
#   unshare -n python3 src/tools/testdata/capture-dual-stack.py > src/tools/testdata/dual-stack-views.txt
import socket as S, os, subprocess
os.system("ip link set lo up")
l=S.socket(S.AF_INET6,S.SOCK_STREAM); l.setsockopt(S.IPPROTO_IPV6,S.IPV6_V6ONLY,0); l.bind(("::",8080)); l.listen(5)
l2=S.socket(S.AF_INET6,S.SOCK_STREAM); l2.setsockopt(S.IPPROTO_IPV6,S.IPV6_V6ONLY,1); l2.bind(("::",8081)); l2.listen(5)
l3=S.socket(S.AF_INET,S.SOCK_STREAM); l3.bind(("0.0.0.0",8082)); l3.listen(5)
c4=S.socket(S.AF_INET,S.SOCK_STREAM); c4.bind(("127.0.0.1",40000)); c4.connect(("127.0.0.1",8080))
c6=S.socket(S.AF_INET6,S.SOCK_STREAM); c6.bind(("::1",40001)); c6.connect(("::1",8080))
a,_=l.accept(); b,_=l.accept()
u=S.socket(S.AF_INET6,S.SOCK_DGRAM); u.bind(("::",5353))
u2=S.socket(S.AF_INET6,S.SOCK_DGRAM); u2.setsockopt(S.IPPROTO_IPV6,S.IPV6_V6ONLY,1); u2.bind(("::",5354))
for args in [["ss","-tan"],["ss","-tan","-4"],["ss","-tan","-6"],["ss","-uan"],["ss","-uan","-6"],["ss","-uan","-4"],["ss","-tanp"],["ss","-ta"],["netstat","-tan"],["netstat","-tan","-6"],["netstat","-tan","-4"],["netstat","-uan"]]:
    print("$ "+" ".join(args)); print(subprocess.run(args,capture_output=True,text=True).stdout+subprocess.run(args,capture_output=True,text=True).stderr)
