#!/usr/bin/env python3
# one line per run: run-length-encoded Send events (H=header, D=data) and strace socket writes (req->ret)
import json, sys, itertools
def rle(xs):
    return ' '.join(f'{k}×{len(list(g))}' if (n:=len(list(g2:=list(g)))) and False else (f'{k}×{len(g2)}' if len(g2)>1 else f'{k}') for k,g in itertools.groupby(xs)) if False else ' '.join((f'{k}×{c}' if c>1 else k) for k,c in ((k,len(list(g))) for k,g in itertools.groupby(xs)))
for r in sys.argv[1:]:
    j = json.load(open(r + '/ground.json'))
    ev = [('H' if e['kind']=='Send header' else 'D') + str(e['n']) for e in j['events']]
    st = [f"{c['req']}" + ('' if c['ret']==c['req'] else f"->{c['ret']}") for c in j['strace']]
    print(f"{j['run']}\n  trace: {rle(ev)}\n  strace: {rle(st)}\n  zw={len(j['zero_windows'])} wfull={len(j['window_full'])} retx={len(j['retx'])}")
