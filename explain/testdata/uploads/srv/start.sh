#!/bin/sh
# starts nginx (29080 http, 29443 https+h2; / proxied to upserver 29081; /dav/ PUT) and upserver instances
D=/work/field15/uploads/srv
cd $D
nginx -c $D/nginx.conf
start() { name=$1; shift; nohup ./upserver "$@" > logs/$name.log 2>&1 & echo $! > logs/$name.pid; }
start up-normal -addr 0.0.0.0:29081 -cont send
start up-never  -addr 0.0.0.0:29082 -cont never
start up-delay  -addr 0.0.0.0:29083 -cont 300ms
start up-slow   -addr 0.0.0.0:29084 -cont send -read 4096 -sleep 5ms -rcvbuf 16384
start up-nodelay100 -addr 0.0.0.0:29085 -cont 3s
sleep 0.5; ss -ltnp | grep -E ':2908|:2944'
