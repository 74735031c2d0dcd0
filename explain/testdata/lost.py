from gen import *
T0=1795466652.0  # some date
ci=1000; si=5000
req=b'GET /x HTTP/1.1\r\nHost: a\r\n\r\n'
hdr=b'HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n'
body=bytes((i%26)+97 for i in range(3000))
resp=hdr+body
mss=struct.pack('!BBH',2,4,1460)
P=[]
t=T0
P.append((t,pkt(C,S,ci,0,0x02,opts=mss))); t+=0.0001
P.append((t,pkt(S,C,si,ci+1,0x12,opts=mss))); t+=0.0001
P.append((t,pkt(C,S,ci+1,si+1,0x10))); t+=0.0001
P.append((t,pkt(C,S,ci+1,si+1,0x18,req))); t+=0.001
r=ci+1+len(req)
P.append((t,pkt(S,C,si+1,r,0x10,resp[0:1000]))); t+=0.0001
# [1000,2000) lost
P.append((t,pkt(S,C,si+1+2000,r,0x18,resp[2000:]))); t+=0.2
P.append((t,pkt(S,C,si+1+1000,r,0x10,resp[1000:2000]))); t+=0.0001
P.append((t,pkt(C,S,r,si+1+len(resp),0x10))); t+=0.0001
write('lost.pcap',P)
print(len(hdr))
