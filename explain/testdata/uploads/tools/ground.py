#!/usr/bin/env python3
"""ground.py RUNDIR: build ground.json + GROUND.md (tables) for one upload run.
Sources: trace.txt (capture run), cap.pcap (+keys.log), strace.txt + strace-trace.txt (separate strace run).
Byte mapping: HTTP/1 cleartext -> cumulative offsets of Send header/data events == client TCP stream offsets.
TLS -> cumulative plaintext of app-data records (record.length - overhead) == cumulative Send bytes (h1), records
placed in the TCP stream by cumulative 5+length. h2 -> DATA frames listed from tshark with the key log."""
import sys, os, re, json, subprocess, bisect, collections, gzip
def gz(path):
    return path if os.path.exists(path) or not os.path.exists(path + '.gz') else path + '.gz'
def opn(path):
    path = gz(path)
    return gzip.open(path, 'rt', errors='replace') if path.endswith('.gz') else open(path, errors='replace')

R = sys.argv[1]
name = os.path.basename(R.rstrip('/'))
cmd = open(os.path.join(R, 'cmd.txt')).read()
sport = int(re.search(r"'tcp port (\d+)'", cmd).group(1))
ev_re = re.compile(r'^(\d\d):(\d\d):(\d\d\.\d+) (=>|<=|==) (Send header|Send data|Send SSL data|Recv header|Recv data|Recv SSL data|Info)(?:, (\d+) bytes|: (.*))?')

def parse_trace(path):
    evs = []
    if not os.path.exists(gz(path)): return evs
    cur = None
    for line in opn(path):
        m = ev_re.match(line)
        if m:
            h, mi, s, d, kind, n, info = m.groups()
            t = int(h) * 3600 + int(mi) * 60 + float(s)
            cur = {'t': t, 'kind': kind, 'n': int(n) if n else None, 'info': (info or '').strip(), 'first': None}
            evs.append(cur); continue
        if cur is not None and cur['first'] is None and re.match(r'^[0-9a-f]{4}: ', line):
            cur['first'] = line[6:].rstrip('\n')[:60]
    return evs

def parse_strace(path):
    calls = []; socks = set(); pend = {}
    if not os.path.exists(gz(path)): return calls
    for line in opn(path):
        m = re.match(r'^(\d+) (\d\d):(\d\d):(\d\d\.\d+) (.*)$', line.rstrip('\n'))
        if not m: continue
        pid, h, mi, s, rest = m.groups(); t = int(h) * 3600 + int(mi) * 60 + float(s)
        if '<unfinished ...>' in rest:
            pend[pid] = (t, rest.replace('<unfinished ...>', '')); continue
        mr = re.match(r'^<\.\.\. (\w+) resumed>(.*)$', rest)
        if mr and pid in pend:
            t0, head = pend.pop(pid); rest = head + mr.group(2); t = t0
        mc = re.match(r'^connect\((\d+), \{sa_family=AF_INET6?', rest)
        if mc: socks.add(int(mc.group(1))); continue
        mc = re.match(r'^(sendto|write|sendmsg|writev)\((\d+), (.*)\) += (-?\d+)(.*)$', rest)
        if not mc: continue
        call, fd, args, ret, tail = mc.groups(); fd = int(fd)
        if fd not in socks: continue
        if call in ('sendto', 'write'):
            req = int(re.search(r'"(?:\.\.\.)?, (\d+)', args).group(1))
        else:
            req = sum(int(x) for x in re.findall(r'iov_len=(\d+)', args))
        calls.append({'t': t, 'call': call, 'fd': fd, 'req': req, 'ret': int(ret), 'err': tail.strip()})
    return calls

def tshark(pcap, keys):
    fields = ['frame.number', 'frame.time_epoch', 'tcp.stream', 'tcp.srcport', 'tcp.dstport', 'tcp.seq', 'tcp.ack', 'tcp.len',
              'tcp.window_size', 'tcp.flags.str', 'tcp.analysis.zero_window', 'tcp.analysis.window_full', 'tcp.analysis.retransmission',
              'tcp.options.wscale.shift', 'tls.record.content_type', 'tls.record.opaque_type', 'tls.record.length', 'tls.record.version',
              'http2.type', 'http2.length', 'http2.streamid', 'http2.flags', 'http2.window_update.window_size_increment',
              'http2.settings.id', 'http2.settings.max_frame_size', 'http2.settings.initial_window_size', 'tcp.analysis.bytes_in_flight']
    a = ['tshark', '-r', pcap, '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=a', '-E', 'aggregator=,']
    if keys and os.path.exists(keys) and os.path.getsize(keys) > 0: a += ['-o', 'tls.keylog_file:' + keys]
    for f in fields: a += ['-e', f]
    out = subprocess.run(a, capture_output=True, text=True).stdout
    pk = []
    for l in out.splitlines():
        v = dict(zip(fields, l.split('|')))
        if not v['tcp.srcport']: continue
        pk.append(v)
    return pk

def ints(s): return [int(x, 0) for x in s.split(',') if x != ''] if s else []

trace = parse_trace(os.path.join(R, 'trace.txt'))
strace_trace = parse_trace(os.path.join(R, 'strace-trace.txt'))
calls = parse_strace(os.path.join(R, 'strace.txt'))
keys = os.path.join(R, 'keys.log')
tls = os.path.exists(keys) and os.path.getsize(keys) > 0
pk = tshark(gz(os.path.join(R, 'cap.pcap')), keys)

# client->server packets / server->client
cli = [p for p in pk if int(p['tcp.dstport']) == sport]
srv = [p for p in pk if int(p['tcp.srcport']) == sport]
t0 = float(pk[0]['frame.time_epoch']) if pk else 0
segs = [{'f': int(p['frame.number']), 't': float(p['frame.time_epoch']) - t0, 'off': int(p['tcp.seq']) - 1, 'len': int(p['tcp.len']),
         'retx': p['tcp.analysis.retransmission'] != '', 'wfull': p['tcp.analysis.window_full'] != '', 'stream': int(p['tcp.stream'])}
        for p in cli if int(p['tcp.len']) > 0]
wins = [{'f': int(p['frame.number']), 't': float(p['frame.time_epoch']) - t0, 'ack': int(p['tcp.ack']) - 1 if p['tcp.ack'] else 0,
         'win': int(p['tcp.window_size']) if p['tcp.window_size'] else 0, 'zero': p['tcp.analysis.zero_window'] != '', 'len': int(p['tcp.len'])}
        for p in srv]
synack = [p for p in srv if 'S' in p['tcp.flags.str']]
wscale = synack[0]['tcp.options.wscale.shift'] if synack else ''

def seg_cover(a, b):
    return [s for s in segs if not s['retx'] and s['off'] < b and s['off'] + s['len'] > a]

def win_before(t):
    w = None
    for x in wins:
        if x['t'] <= t: w = x
        else: break
    return w

# trace events of interest
send_ev = [e for e in trace if e['kind'] in ('Send header', 'Send data')]
out = {'run': name, 'server_port': sport, 'tls': tls, 'server_wscale': wscale, 'events': [], 'strace': [], 'segments': [], 'records': [], 'h2': []}
# trace-time: first packet epoch aligned to trace clock only for display; use relative times per source
tr0 = trace[0]['t'] if trace else 0

# TLS records from client: offsets
recs = []
if tls:
    off = 0
    for p in cli:
        lens = ints(p['tls.record.length']); cts = ints(p['tls.record.content_type']); ops = ints(p['tls.record.opaque_type'])
        vers = p['tls.record.version'].split(',')
        for i, L in enumerate(lens):
            ct = cts[i] if i < len(cts) else None
            recs.append({'f': int(p['frame.number']), 't': float(p['frame.time_epoch']) - t0, 'len': L, 'ct': ct,
                         'opaque': ops[i] if i < len(ops) else None, 'off': off})
            off += 5 + L
    # TLS version: 1.3 if opaque types present
    v13 = any(r['opaque'] for r in recs)
    overhead = 17 if v13 else 24
    out['tls_version'] = '1.3' if v13 else '1.2'
    out['record_overhead'] = overhead
    # app data records with plaintext
    pt = 0
    for r in recs:
        if r['ct'] == 23 and (not v13 or r['opaque'] == 23):
            # TLS1.3: content_type after decryption = inner type; handshake Finished has inner 22
            r['pt_off'] = pt; r['pt'] = r['len'] - overhead; pt += r['pt']
    out['records'] = recs

# h2 frames (both directions)
for p in pk:
    types = ints(p['http2.type'])
    if not types: continue
    lens = ints(p['http2.length']); sids = ints(p['http2.streamid']); incs = ints(p['http2.window_update.window_size_increment'])
    d = 'C>S' if int(p['tcp.dstport']) == sport else 'S>C'
    wi = 0
    for i, ty in enumerate(types):
        fr = {'f': int(p['frame.number']), 't': float(p['frame.time_epoch']) - t0, 'dir': d, 'type': ty,
              'len': lens[i] if i < len(lens) else None, 'sid': sids[i] if i < len(sids) else None}
        if ty == 8 and wi < len(incs): fr['inc'] = incs[wi]; wi += 1
        out['h2'].append(fr)
    if p['http2.settings.id']:
        out.setdefault('settings', []).append({'f': int(p['frame.number']), 'dir': d, 'max_frame': p['http2.settings.max_frame_size'], 'init_win': p['http2.settings.initial_window_size']})

# event mapping
cum = 0
for e in send_ev:
    a, b = cum, cum + e['n']; cum = b
    x = {'t': round(e['t'] - tr0, 6), 'kind': e['kind'], 'n': e['n'], 'range': [a, b], 'first': e['first']}
    if not tls:
        cov = seg_cover(a, b)
        x['segs'] = [[s['f'], s['off'], s['len']] for s in cov]
        if cov:
            w = win_before(cov[0]['t'] - 1e-9)
            if w: x['win_before'] = {'f': w['f'], 'ack': w['ack'], 'win': w['win'], 'right_edge': w['ack'] + w['win']}
    else:
        rs = [r for r in recs if 'pt' in r and r['pt_off'] < b and r['pt_off'] + r['pt'] > a]
        x['records'] = [[r['f'], r['len'], r['pt']] for r in rs]
    out['events'].append(x)
# h2: map Send data events (body bytes) onto client DATA frames by cumulative DATA payload
if out['h2']:
    dfr = [fr for fr in out['h2'] if fr['dir'] == 'C>S' and fr['type'] == 0]
    o = 0
    for fr in dfr: fr['body_off'] = o; o += fr['len'] or 0
    out['h2_data_total'] = o
    bo = 0
    for x in out['events']:
        if x['kind'] != 'Send data': continue
        a, b = bo, bo + x['n']; bo = b
        x['data_frames'] = [[fr['f'], fr['len']] for fr in dfr if fr['body_off'] < b and fr['body_off'] + fr['len'] > a]
    # stream-1 flow-control headroom: server initial_window_size + stream WINDOW_UPDATEs seen before each client DATA frame
    iw = 65535
    for st in out.get('settings', []):
        if st['dir'] == 'S>C' and st['init_win']: iw = int(st['init_win'])
    sent = 0; credit = iw; fc = []
    for fr in out['h2']:
        if fr['dir'] == 'S>C' and fr['type'] == 8 and fr['sid'] == 1: credit += fr.get('inc', 0)
        if fr['dir'] == 'C>S' and fr['type'] == 0 and fr['sid'] == 1:
            fc.append([fr['f'], fr['len'], credit - sent]); sent += fr['len']
    out['h2_flow'] = fc
    out['h2_flow_min_headroom'] = min((h for _, _, h in fc), default=None)
    out['h2_frames_at_window_edge'] = sum(1 for _, l, h in fc if h - l < 16384)
    out['nine_byte_records'] = sum(1 for r in recs if r.get('pt') == 9)
out['trace_send_total'] = cum
out['client_payload_total'] = sum(s['len'] for s in segs if not s['retx'])
out['info'] = [[round(e['t'] - tr0, 6), e['info']] for e in trace if e['kind'] == 'Info']
out['recv_hdr'] = [[round(e['t'] - tr0, 6), e['first']] for e in trace if e['kind'] == 'Recv header' and e['first'] and e['first'].startswith('HTTP/')]
out['ssl_send'] = [[round(e['t'] - tr0, 6), e['n']] for e in trace if e['kind'] == 'Send SSL data']
# strace run
st0 = calls[0]['t'] if calls else 0
out['strace'] = [{'t': round(c['t'] - st0, 6), 'call': c['call'], 'fd': c['fd'], 'req': c['req'], 'ret': c['ret'], 'err': c['err']} for c in calls]
out['strace_send_events'] = [[round(e['t'] - (strace_trace[0]['t'] if strace_trace else 0), 6), e['kind'], e['n']] for e in strace_trace if e['kind'] in ('Send header', 'Send data')]
out['strace_partial'] = [c for c in out['strace'] if c['ret'] != c['req']]
out['segments'] = segs
out['server_windows'] = wins
out['zero_windows'] = [w['f'] for w in wins if w['zero']]
out['window_full'] = [s['f'] for s in segs if s['wfull']]
out['retx'] = [s['f'] for s in segs if s['retx']]
gaps = []; nxt = None
for s_ in sorted([x for x in segs if not x['retx']], key=lambda x: x['off']):
    if nxt is not None and s_['off'] > nxt: gaps.append([nxt, s_['off'] - nxt, s_['f']])
    nxt = max(nxt or 0, s_['off'] + s_['len'])
out['capture_gaps'] = gaps
json.dump(out, open(os.path.join(R, 'ground.json'), 'w'), indent=0)

# ---- GROUND.md
L = []
P = L.append
P(f'# GROUND — {name}\n')
P('Command: see `cmd.txt`. Result: `' + open(os.path.join(R, 'curl.out')).read().splitlines()[0] + '`; strace run: `' + open(os.path.join(R, 'curl-strace.out')).read().splitlines()[0] + '`\n')
P(f"Server port {sport}; server SYN-ACK wscale {wscale or '-'}; client payload bytes in capture {out['client_payload_total']}; Send header+data bytes in trace {cum}"
  + (f"; TLS {out['tls_version']} (record overhead {out['record_overhead']})" if tls else '') + '.')
P(f"Capture gaps in the client stream (missing bytes: offset, length, next frame): {out['capture_gaps'] or 'none'}" + (' — CAPTURE INCOMPLETE, tshark decoding after the gap is partial' if out['capture_gaps'] else '') + '.')
P(f"Zero-window packets from server: {len(out['zero_windows'])} {out['zero_windows'][:12]}; client segments flagged window_full: {len(out['window_full'])}; client retransmissions: {len(out['retx'])}.\n")
sizes = collections.Counter((e['kind'], e['n']) for e in send_ev)
P('## Trace (capture run): Send events\n')
P('Histogram: ' + ', '.join(f'{k[0]} {k[1]}×{v}' for k, v in sorted(sizes.items(), key=lambda kv: (kv[0][0], -kv[1]))) + '\n')
if tls:
    P('| # | t (s) | kind | N | stream range (plaintext) | TLS records (frame:len/plaintext) | first bytes |'); P('|---|---|---|---|---|---|---|')
    for i, x in enumerate(out['events']):
        rr = ' '.join(f'{f}:{l}/{p}' for f, l, p in x['records'][:8]) + (' …' if len(x['records']) > 8 else '')
        if 'data_frames' in x: rr += ' <br>DATA frames: ' + ' '.join(f'f{f}:{l}' for f, l in x['data_frames'][:8]) + (' …' if len(x['data_frames']) > 8 else '')
        P(f"| {i} | {x['t']:.6f} | {x['kind']} | {x['n']} | {x['range'][0]}–{x['range'][1]} | {rr} | `{(x['first'] or '')[:24]}` |")
else:
    P('| # | t (s) | kind | N | stream range | client segments (frame:off+len) | server window before (ack/win → right edge) | first bytes |'); P('|---|---|---|---|---|---|---|---|')
    for i, x in enumerate(out['events']):
        ss = ' '.join(f'{f}:{o}+{l}' for f, o, l in x['segs'][:10]) + (f" … ({len(x['segs'])} segs)" if len(x['segs']) > 10 else '')
        w = x.get('win_before'); ws = f"f{w['f']} {w['ack']}/{w['win']} → {w['right_edge']}" if w else '-'
        P(f"| {i} | {x['t']:.6f} | {x['kind']} | {x['n']} | {x['range'][0]}–{x['range'][1]} | {ss} | {ws} | `{(x['first'] or '')[:24]}` |")
P('\nInfo lines / status lines:\n')
for t, i in out['info']:
    if re.search(r'100|[Ee]xpect|upload|Done|Connected|HTTP/2|ALPN|SSL connection|wait|sent|[Ss]tream', i): P(f'- {t:.6f} Info: {i}')
for t, h in out['recv_hdr']: P(f'- {t:.6f} Recv header: `{h}`')
P('\n## strace run (separate run of the same command): socket write calls\n')
cc = collections.Counter((c['call'], c['req'], c['ret']) for c in out['strace'])
P('Histogram (call req→ret ×count): ' + ', '.join(f'{k[0]} {k[1]}→{k[2]}×{v}' for k, v in sorted(cc.items(), key=lambda kv: -kv[1])) + '\n')
P(f"Partial/failed writes: {len(out['strace_partial'])}\n")
P('Send events in the strace run\'s trace: ' + ', '.join(f'{k} {n}' for t, k, n in out['strace_send_events'][:40]) + (' …' if len(out['strace_send_events']) > 40 else '') + '\n')
P('| t (s) | call | fd | requested | returned |'); P('|---|---|---|---|---|')
lim = out['strace'] if len(out['strace']) <= 80 else out['strace'][:50] + out['strace'][-20:]
for c in lim: P(f"| {c['t']:.6f} | {c['call']} | {c['fd']} | {c['req']} | {c['ret']} {c['err']} |")
if len(out['strace']) > 80: P(f"\n({len(out['strace'])} calls; first 50 and last 20 shown; all in ground.json)")
P('\n## Capture: client→server segments\n')
sc = collections.Counter(s['len'] for s in segs)
P('Segment size histogram: ' + ', '.join(f'{k}×{v}' for k, v in sorted(sc.items(), key=lambda kv: -kv[1])[:15]) + '\n')
if len(segs) <= 120:
    P('| frame | t (s) | off | len | flags |'); P('|---|---|---|---|---|')
    for s in segs: P(f"| {s['f']} | {s['t']:.6f} | {s['off']} | {s['len']} | {'retx ' if s['retx'] else ''}{'window_full' if s['wfull'] else ''} |")
else:
    P(f'({len(segs)} segments; all in ground.json)')
P('\n## Server→client: advertised window (ack offset / window bytes)\n')
wl = wins if len(wins) <= 120 else wins[:60] + wins[-20:]
P(' '.join(f"f{w['f']}:{w['ack']}/{w['win']}{'Z' if w['zero'] else ''}{'(+'+str(w['len'])+'B)' if w['len'] else ''}" for w in wl))
if len(wins) > 120: P(f"\n({len(wins)} packets; first 60, last 20)")
if tls:
    P('\n## TLS records client→server (frame:len [inner ct])\n')
    P(' '.join(f"{r['f']}:{r['len']}[{r['ct']}]" for r in recs[:200]))
    rc = collections.Counter(r['len'] for r in recs if 'pt' in r)
    P('\nApp-data record length histogram: ' + ', '.join(f'{k}×{v}' for k, v in sorted(rc.items(), key=lambda kv: -kv[1])))
if out['h2']:
    P('\n## HTTP/2 frames (type 0 DATA, 1 HEADERS, 4 SETTINGS, 8 WINDOW_UPDATE)\n')
    for s in out.get('settings', []): P(f"- SETTINGS f{s['f']} {s['dir']}: max_frame_size={s['max_frame'] or '-'} initial_window_size={s['init_win'] or '-'}")
    dc = collections.Counter(fr['len'] for fr in out['h2'] if fr['type'] == 0 and fr['dir'] == 'C>S')
    P(f"\nDATA payload total seen by tshark: {out.get('h2_data_total')}; TLS records with 9-byte plaintext (a lone DATA frame header): {out.get('nine_byte_records')}. (For h2 the 'stream range (plaintext)' column above is the cumulative Send header+data count, NOT the TLS plaintext offset: the record column is only indicative; use the DATA frames line.)")
    P(f"Stream-1 flow control: server initial_window_size + WINDOW_UPDATE(s1) credit minus DATA already sent, just before each client DATA frame: min headroom {out.get('h2_flow_min_headroom')}; DATA frames after which < 16384 of window remained (window-limited): {out.get('h2_frames_at_window_edge')}. Per-frame [frame, len, headroom] in ground.json h2_flow.")
    P('\nClient DATA frame length histogram: ' + ', '.join(f'{k}×{v}' for k, v in sorted(dc.items(), key=lambda kv: -kv[1])) + '\n')
    P(' '.join(f"{fr['dir']}:f{fr['f']}:{ {0:'DATA',1:'HDR',3:'RST',4:'SET',6:'PING',7:'GOAWAY',8:'WU'}.get(fr['type'],fr['type'])}[s{fr['sid']}]{fr['len']}{'+'+str(fr['inc']) if 'inc' in fr else ''}" for fr in out['h2'][:400]))
open(os.path.join(R, 'GROUND.md'), 'w').write('\n'.join(L) + '\n')
print(name, 'ok', 'events', len(send_ev), 'trace', cum, 'cap', out['client_payload_total'], 'strace', len(calls), 'partial', len(out['strace_partial']))
