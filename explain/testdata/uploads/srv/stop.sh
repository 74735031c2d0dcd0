#!/bin/sh
D=/work/field15/uploads/srv
for p in $D/logs/up-*.pid; do kill $(cat $p) 2>/dev/null; rm -f $p; done
[ -f $D/logs/nginx.pid ] && kill $(cat $D/logs/nginx.pid)
