// segscope report: draws the JSON blocks of this page on canvases.
// Every string from the data goes into the page through textContent,
// never as markup.
(function () {
  'use strict';
  var S = window.segscope = { ready: false, errors: [], conns: {} };
  window.addEventListener('error', function (e) { S.errors.push(String(e.message)); });

  function block(id) {
    var e = document.getElementById(id);
    if (!e) return null;
    try { return JSON.parse(e.textContent); } catch (err) { S.errors.push(id + ': ' + err); return null; }
  }
  var A = block('segscope-analysis') || { connections: [], warnings: [], errors: [], capture: {}, files: [] };
  var X = block('segscope-explain');
  var P = block('segscope-plot') || { connections: [], notes: [], missing: [], other_connections: [] };

  // ---- colours: one table, shared by the drawings and the legends ----
  var SEG = { full: '#1f77b4', short: '#17becf', 'super': '#9467bd', retransmission: '#d62728',
    'out-of-order': '#ff7f0e', 'after-gap': '#8c564b', other: '#9a9a9a' };
  // A read's cause shares its colour with the segments it speaks of (a
  // full segment, a short one, a super-segment, lost bytes in red).
  var CAUSE = { 'full-segment': '#1f77b4', 'short-segment': '#17becf', backlog: '#ff7f0e', 'buffer-cap': '#31a354',
    'body-end': '#7f7f7f', 'after-headers': '#bcbd22', 'tls-record': '#393b79', 'h2-frames': '#e377c2',
    'super-segment': '#9467bd', 'sender-push': '#6baed6', missing: '#d62728',
    'request-header': '#8c564b', 'upload-buffer': '#2ca02c', 'partial-send': '#ff9896', 'buffer-rest': '#c49c94', 'upload-chunk': '#ffbb78' };
  var UNIT = { 'tls-record': '#b9a3d6', 'h2-frame': '#f4b6d9', 'h2-preface': '#f4b6d9', 'request-header': '#aec7e8',
    'response-header': '#aec7e8', 'interim-header': '#c6dbef', 'request-body': '#98df8a', 'response-body': '#98df8a', chunk: '#ffbb78' };
  var GAP = 'rgba(214,39,40,0.13)', WIN = '#2ca02c', ACK = '#2ca02c', WINLINE = '#bcbd22', MSSLINE = '#333';
  var KIND = { retransmission: 1, outOfOrder: 2, duplicate: 4, keepAlive: 8, zeroWindow: 16, afterGap: 32 };
  var BASE = ['ack', 'short', 'full', 'super', 'syn', 'syn-ack', 'fin', 'rst'];
  function causeColour(c) { return CAUSE[c] || '#c7c7c7'; }
  // White diagonal stripes over a read whose cause is not certain.
  var hatchP = null;
  function hatch(g) {
    if (hatchP) return hatchP;
    var c = document.createElement('canvas');
    c.width = c.height = 8;
    var x = c.getContext('2d');
    x.strokeStyle = 'rgba(255,255,255,0.85)'; x.lineWidth = 2;
    x.beginPath(); x.moveTo(-2, 10); x.lineTo(10, -2); x.stroke();
    hatchP = g.createPattern(c, 'repeat');
    return hatchP;
  }
  function segKey(base, kind) {
    if (kind & KIND.retransmission) return 'retransmission';
    if (kind & KIND.outOfOrder) return 'out-of-order';
    if (kind & KIND.afterGap) return 'after-gap';
    var b = BASE[base];
    return SEG[b] ? b : 'other';
  }

  // ---- small helpers ----
  function el(tag, props) {
    var e = document.createElement(tag);
    if (props) for (var k in props) {
      if (k === 'text') e.textContent = props[k];
      else if (k === 'cls') e.className = props[k];
      else e.setAttribute(k, props[k]);
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c == null) continue;
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return e;
  }
  function list(items) { var u = el('ul'); items.forEach(function (t) { u.appendChild(el('li', { text: t })); }); return u; }
  function box(cls, title, items) { return el('div', { cls: 'box ' + cls }, el('strong', { text: title }), list(items)); }
  function fmtUs(us) {
    var a = Math.abs(us);
    if (a >= 1e6) return (us / 1e6).toFixed(3) + ' s';
    if (a >= 1e3) return (us / 1e3).toFixed(3) + ' ms';
    return us.toFixed(0) + ' µs';
  }
  function fmtBytes(n) { return Number(n).toLocaleString('en-US'); }
  function str(v) { return typeof v === 'string' ? v : JSON.stringify(v); }
  // Microseconds since the epoch of an RFC 3339 time, keeping the digits
  // below the millisecond that Date drops.
  function timeUs(s) {
    if (!s) return NaN;
    var m = /^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(s);
    if (!m) return NaN;
    return Date.parse(m[1] + m[3]) * 1000 + (m[2] ? parseFloat('0' + m[2]) * 1e6 : 0);
  }
  var tip = el('div', { id: 'tip' });
  function showTip(ev, lines) {
    tip.textContent = lines.join('\n');
    tip.style.display = 'block';
    var x = ev.clientX + 14, y = ev.clientY + 14;
    if (x + 480 > window.innerWidth) x = Math.max(0, ev.clientX - 490);
    tip.style.left = x + 'px'; tip.style.top = y + 'px';
  }
  function hideTip() { tip.style.display = 'none'; }

  // A canvas sized for the device's pixels, with a CSS size of w x h.
  function canvas(w, h) {
    var c = el('canvas');
    var r = window.devicePixelRatio || 1;
    c.width = Math.round(w * r); c.height = Math.round(h * r);
    c.style.width = w + 'px'; c.style.height = h + 'px';
    var g = c.getContext('2d');
    g.scale(r, r);
    return { c: c, g: g, w: w, h: h };
  }
  // The drawing width, read once: reading it after each view is added
  // would make the browser lay the page out again every time.
  var pageWidth = 0;
  function width() {
    if (!pageWidth) pageWidth = Math.max(600, Math.min(1340, (document.documentElement.clientWidth || 1200) - 80));
    return pageWidth;
  }

  // Nice ticks over [a, b].
  function ticks(a, b, n) {
    var span = b - a; if (!(span > 0)) return [a];
    var step = Math.pow(10, Math.floor(Math.log10(span / n)));
    var err = span / n / step;
    if (err >= 7.5) step *= 10; else if (err >= 3.5) step *= 5; else if (err >= 1.5) step *= 2;
    var out = [];
    for (var t = Math.ceil(a / step) * step; t <= b + step * 1e-9; t += step) out.push(t);
    return out;
  }
  function axisX(g, box, x0, x1, fmt) {
    g.strokeStyle = '#999'; g.fillStyle = '#444'; g.font = '11px sans-serif'; g.textAlign = 'center'; g.textBaseline = 'top';
    g.beginPath(); g.moveTo(box.l, box.b + 0.5); g.lineTo(box.r, box.b + 0.5); g.stroke();
    ticks(x0, x1, Math.max(2, (box.r - box.l) / 110)).forEach(function (t) {
      var x = box.l + (t - x0) / (x1 - x0) * (box.r - box.l);
      g.beginPath(); g.moveTo(x + 0.5, box.b); g.lineTo(x + 0.5, box.b + 4); g.stroke();
      g.fillText(fmt(t), x, box.b + 6);
    });
  }
  function axisY(g, box, y0, y1, fmt) {
    g.strokeStyle = '#999'; g.fillStyle = '#444'; g.font = '11px sans-serif'; g.textAlign = 'right'; g.textBaseline = 'middle';
    g.beginPath(); g.moveTo(box.l - 0.5, box.t); g.lineTo(box.l - 0.5, box.b); g.stroke();
    ticks(y0, y1, Math.max(2, (box.b - box.t) / 40)).forEach(function (t) {
      var y = box.b - (t - y0) / (y1 - y0) * (box.b - box.t);
      g.beginPath(); g.moveTo(box.l - 4, y + 0.5); g.lineTo(box.l, y + 0.5); g.stroke();
      g.fillText(fmt(t), box.l - 6, y);
    });
  }

  // Zoom (wheel; with shift the y axis), pan (drag) and reset (double
  // click) of a view {x0,x1,y0,y1} inside the plot box.
  function interact(cv, box, view, home, redraw, opts) {
    var drag = null, moved = false;
    function frac(ev) {
      var r = cv.c.getBoundingClientRect();
      return { fx: (ev.clientX - r.left - box.l) / (box.r - box.l), fy: (box.b - (ev.clientY - r.top)) / (box.b - box.t) };
    }
    cv.c.addEventListener('wheel', function (ev) {
      ev.preventDefault();
      var f = frac(ev), k = ev.deltaY > 0 ? 1.25 : 0.8;
      if (ev.shiftKey && opts.zoomY) {
        var y = view.y0 + f.fy * (view.y1 - view.y0);
        view.y0 = y - (y - view.y0) * k; view.y1 = y + (view.y1 - y) * k;
      } else {
        var x = view.x0 + f.fx * (view.x1 - view.x0);
        view.x0 = x - (x - view.x0) * k; view.x1 = x + (view.x1 - x) * k;
        if (opts.zoomY && !opts.xOnly) {
          var yy = view.y0 + f.fy * (view.y1 - view.y0);
          view.y0 = yy - (yy - view.y0) * k; view.y1 = yy + (view.y1 - yy) * k;
        }
      }
      redraw();
    }, { passive: false });
    cv.c.addEventListener('mousedown', function (ev) { drag = { x: ev.clientX, y: ev.clientY, v: Object.assign({}, view) }; moved = false; });
    window.addEventListener('mouseup', function () { drag = null; });
    window.addEventListener('mousemove', function (ev) {
      if (!drag) return;
      var dx = (ev.clientX - drag.x) / (box.r - box.l) * (drag.v.x1 - drag.v.x0);
      var dy = (ev.clientY - drag.y) / (box.b - box.t) * (drag.v.y1 - drag.v.y0);
      if (Math.abs(ev.clientX - drag.x) + Math.abs(ev.clientY - drag.y) > 3) moved = true;
      view.x0 = drag.v.x0 - dx; view.x1 = drag.v.x1 - dx;
      if (opts.zoomY) { view.y0 = drag.v.y0 + dy; view.y1 = drag.v.y1 + dy; }
      redraw();
    });
    cv.c.addEventListener('dblclick', function () { Object.assign(view, home); redraw(); });
    return function () { return moved; };
  }

  // ---- the header ----
  function header(root) {
    root.appendChild(el('h1', { text: P.title || 'segscope report' }));
    var dl = el('dl', { cls: 'head' });
    function row(k, v) { dl.appendChild(el('dt', { text: k })); dl.appendChild(el('dd', { text: v })); }
    row('Capture', (P.captures && P.captures.length) ? P.captures.join(', ') : 'none');
    if (A.capture && P.captures && P.captures.length) {
      row('Packets', fmtBytes(A.capture.packets) + ' (' + fmtBytes(A.capture.tcp_packets) + ' TCP), ' +
        A.capture.connections_total + ' connection(s), ' + A.capture.duration_s + ' s from ' + (A.capture.start || '?'));
    }
    row('Trace', X ? (X.trace || 'curl\'s trace, not kept (segscope curl --keep DIR keeps it)') : 'none (give --trace to see curl\'s reads)');
    if (X) {
      var al = [];
      (X.matches || []).forEach(function (m) {
        var s = 'trace connection (line ' + m.trace_line + ') = capture connection ' + m.conn + ', ' + m.client + ' > ' + m.server;
        if (m.how) s += ', matched by ' + str(m.how);
        if (m.clock_aligned) {
          var skew = m.trace_clock_after_capture_us;
          s += '; trace clock UTC' + (m.trace_clock_utc_offset_h >= 0 ? '+' : '') + m.trace_clock_utc_offset_h + 'h, ' +
            fmtUs(Math.abs(skew)) + (skew < 0 ? ' behind' : ' ahead of') + ' the capture\'s (the quickest read or HTTP/1 request head taken as immediate)';
        } else {
          s += '; clocks not aligned: the trace has no times (--trace-time), so reads are laid out by stream offset';
        }
        al.push(s);
      });
      row('Clock alignment', al.length ? al.join('\n') : 'nothing matched');
    }
    var by = { conn: 'the connections asked for (--conn)', trace: 'the connections the trace used', largest: 'the largest connections by payload' };
    row('Drawn', (P.connections || []).length + ' connection(s): ' + (by[P.chosen_by] || P.chosen_by || ''));
    root.appendChild(dl);
    if ((P.missing || []).length) root.appendChild(box('missing', 'What is missing', P.missing));
    var errs = [].concat(A.errors || [], X ? (X.errors || []) : []);
    if (errs.length) root.appendChild(box('error', 'Errors while reading', errs.map(str)));
    if (X && (X.problems || []).length) root.appendChild(box('missing', 'Matching the trace to the capture', X.problems.map(str)));
    if ((P.notes || []).length) root.appendChild(box('note', 'Detail left out', P.notes));
    var gw = (A.warnings || []).filter(function (w) { return w.conn == null; }).map(function (w) { return w.text; });
    if (gw.length) root.appendChild(box('missing', 'Warnings', gw));
    if (X && X.summary) {
      root.appendChild(el('h3', { text: 'Explanation' }));
      root.appendChild(list((X.summary.sentences || []).map(str)));
      var lg = el('div', { cls: 'legend' });
      (X.summary.causes || []).forEach(function (c) {
        lg.appendChild(el('span', null, el('span', { cls: 'sw', 'data-colour': causeColour(c.cause) }),
          c.count + ' × ' + c.cause + (c.meaning ? ': ' + c.meaning : '')));
      });
      root.appendChild(lg);
      var cf = X.summary.confidence;
      if (cf && typeof cf === 'object') {
        var order = ['certain', 'inferred', 'cannot tell'].filter(function (k) { return k in cf; })
          .concat(Object.keys(cf).filter(function (k) { return ['certain', 'inferred', 'cannot tell'].indexOf(k) < 0; }));
        root.appendChild(el('div', { cls: 'hint', text: 'Confidence: ' + order.map(function (k) { return cf[k] + ' ' + k; }).join(', ') +
          '. Reads whose cause is inferred or cannot be told are hatched in the timeline.' }));
      }
      if ((X.summary.needs || []).length) root.appendChild(box('missing', 'What would decide more', X.summary.needs.map(function (n) {
        return n && typeof n === 'object' && n.need ? n.need + (n.events ? ' (' + n.events + ' read' + (n.events > 1 ? 's' : '') + ')' : '') + (n.how ? ': ' + n.how : '') : str(n);
      })));
    }
    var others = P.other_connections || [];
    if (others.length) {
      var d = el('details', null, el('summary', { text: others.length + (P.other_connections_not_listed ? '+' + P.other_connections_not_listed : '') +
        ' other connection(s), not drawn (choose with --conn ID)' }));
      var t = el('table', { cls: 'sum' }, el('tr', null, el('th', { text: 'conn' }), el('th', { text: 'client' }), el('th', { text: 'server' }),
        el('th', { text: 'packets' }), el('th', { text: 'payload bytes' })));
      others.forEach(function (o) {
        t.appendChild(el('tr', null, el('td', { text: String(o.id) }), el('td', { text: o.client }), el('td', { text: o.server }),
          el('td', { text: fmtBytes(o.packets) }), el('td', { text: fmtBytes(o.payload_bytes) })));
      });
      d.appendChild(t);
      root.appendChild(d);
    }
  }

  function legend(entries) {
    var lg = el('div', { cls: 'legend' });
    entries.forEach(function (e) { lg.appendChild(el('span', null, el('span', { cls: 'sw', 'data-colour': e[1] }), e[0])); });
    return lg;
  }

  // ---- one connection ----
  function decode(S0) {
    var n = S0.t_us.length, o = {
      n: n, t: new Float64Array(n), dir: new Uint8Array(n), off: new Float64Array(n), len: new Float64Array(n),
      base: new Uint8Array(n), kind: new Uint8Array(n), win: new Float64Array(n), pkt: new Float64Array(n), cnt: S0.n || null,
      aggregated: !!S0.aggregated, total: S0.total, ack: S0.ack ? new Float64Array(S0.ack) : null
    };
    var t = 0, off = 0, pk = 0;
    for (var i = 0; i < n; i++) {
      t += S0.t_us[i]; off += S0.off[i]; pk += S0.pkt[i];
      o.t[i] = t; o.off[i] = off; o.pkt[i] = pk; o.dir[i] = S0.dir[i]; o.len[i] = S0.len[i];
      o.base[i] = S0['class'][i] % 16; o.kind[i] = Math.floor(S0['class'][i] / 16); o.win[i] = S0.win[i];
    }
    return o;
  }
  function segInfo(sg, i, conn) {
    var lines = [(sg.cnt && sg.cnt[i] > 1 ? sg.cnt[i] + ' segments in one time bin, from packet ' + sg.pkt[i] : 'packet ' + sg.pkt[i]) + ', ' + (sg.dir[i] ? 'server > client' : 'client > server'),
      'stream ' + fmtBytes(sg.off[i]) + '-' + fmtBytes(sg.off[i] + sg.len[i]) + ' (' + fmtBytes(sg.len[i]) + ' bytes)',
      'at ' + fmtUs(sg.t[i]) + ' after the connection began'];
    var k = [];
    for (var name in KIND) if (sg.kind[i] & KIND[name]) k.push(name);
    lines.push('class ' + BASE[sg.base[i]] + (k.length ? ' + ' + k.join(' + ') : ''));
    return lines;
  }

  function connection(root, pc, ac) {
    var sec = el('section', { id: 'conn-' + pc.id });
    sec.appendChild(el('h2', { text: 'Connection ' + pc.id + ': ' + pc.client + ' > ' + pc.server + (pc.protocol ? ' (' + pc.protocol + ')' : '') }));
    root.appendChild(sec);
    var drawn = S.conns[pc.id] = { reads: 0, segments: 0, units: 0, stevens: 0, histogram: {} };
    if (ac) summary(sec, pc, ac);
    var map = block(pc.map_block) || { units: [] };
    var sg = decode(pc.segments);
    drawn.segments = sg.n;
    var events = readsOf(pc);
    timeline(sec, pc, ac, map, sg, events, drawn, readsOf(pc, true));
    stevens(sec, pc, ac, sg, drawn);
    histograms(sec, pc, drawn);
  }

  function summary(sec, pc, ac) {
    var d = [ac.directions.client_to_server, ac.directions.server_to_client];
    var t = el('table', { cls: 'sum' }, el('tr', null, el('th', { text: '' }), el('th', { text: 'client > server' }), el('th', { text: 'server > client' })));
    function r(name, f) { t.appendChild(el('tr', null, el('td', { text: name }), el('td', { text: f(d[0]) }), el('td', { text: f(d[1]) }))); }
    function n(k) { return function (x) { return x[k] == null ? '-' : fmtBytes(x[k]); }; }
    r('effective MSS', function (x) { return x.effective_mss_arithmetic; });
    r('packets', n('packets')); r('data segments', n('data_segments')); r('payload bytes', n('payload_bytes'));
    r('segment min / median / p95 / max', function (x) { return x.min_segment + ' / ' + x.median_segment + ' / ' + x.p95_segment + ' / ' + x.max_segment; });
    r('full / short / super', function (x) { return x.full_size_segments + ' / ' + x.short_segments + ' / ' + x.super_segments; });
    r('retransmitted / out of order', function (x) { return x.retransmitted_segments + ' / ' + x.out_of_order_segments; });
    r('missing bytes', n('missing_bytes'));
    r('window scale', function (x) { return x.window_scale == null ? '-' : String(x.window_scale); });
    sec.appendChild(t);
    var app = ac.app, info = [];
    if (app) {
      var tls = app.tls;
      if (tls && tls.client_hello) info.push('TLS client hello: SNI ' + (tls.client_hello.sni || '(none)') + ', ALPN ' + ((tls.client_hello.alpn || []).join(', ') || '(none)'));
      if (tls && tls.server_hello) info.push('TLS server hello: ' + tls.server_hello.version + ', ' + tls.server_hello.cipher + (tls.server_hello.alpn ? ', ALPN ' + tls.server_hello.alpn : ''));
      if (app.decryption) info.push('decryption: ' + app.decryption.status + (app.inner ? ', carrying ' + app.inner : ''));
      var ex = app.http || [];
      ex.slice(0, 10).forEach(function (e) {
        var q = e.request, r = e.response;
        info.push('HTTP exchange ' + e.index + ': ' + (q ? q.method + ' ' + q.target : '(request not captured)') + ' > ' +
          (r ? r.status + ', ' + fmtBytes(r.body_bytes) + ' body bytes' + (r.chunked ? ' in chunks' : '') : '(no response)'));
      });
      if (ex.length > 10) info.push((ex.length - 10) + ' more HTTP exchanges');
      (app.problems || []).forEach(function (p) { info.push('problem (' + p.direction + ' at ' + p.offset + '): ' + p.reason); });
    }
    if (info.length) sec.appendChild(list(info));
    var hs = ac.handshake || {};
    if (hs.rtt_ms != null) sec.appendChild(el('div', { cls: 'hint', text: 'handshake RTT ' + hs.rtt_ms + ' ms' }));
    var ws = (A.warnings || []).filter(function (w) { return w.conn === pc.id; }).map(function (w) { return (w.direction ? w.direction + ': ' : '') + w.text; });
    if (ws.length) sec.appendChild(box('missing', 'Warnings', ws));
  }

  // ---- the read timeline ----
  var LANES = [
    { key: 'seg', name: 'segments' },
    { key: 'rec', name: 'TLS records', kinds: ['tls-record'] },
    { key: 'frame', name: 'HTTP/2 frames', kinds: ['h2-frame', 'h2-preface'] },
    { key: 'msg', name: 'HTTP messages', kinds: ['request-header', 'response-header', 'interim-header', 'request-body', 'response-body'] },
    { key: 'chunk', name: 'chunks', kinds: ['chunk'] },
    { key: 'read', name: 'curl reads' },
    { key: 'send', name: 'curl sends' }
  ];
  // The connection's reads from the page's columns (every read drawn),
  // each with its full event from the explanation block when it is there.
  var fullByLine = null;
  function readsOf(pc, sends) {
    var R = sends ? pc.sends : pc.reads, out = [];
    if (!R) return out;
    if (!fullByLine) {
      fullByLine = {};
      (X ? X.events || [] : []).forEach(function (e) { fullByLine[e.line] = e; });
    }
    var line = 0, start = 0, t = 0, first = 0;
    for (var i = 0; i < R.line.length; i++) {
      line += R.line[i]; start += R.start[i];
      var e = { line: line, size: R.size[i], start: start, end: start + R.len[i], t: null, first: null,
        cause: (P.causes || [])[R.cause[i]] || '?', confidence: (P.confidences || [])[R.confidence[i]] || '',
        pkt0: R.first_packet[i], pkt1: R.last_packet[i], send: !!sends };
      if (R.t_us[i] != null) { t += R.t_us[i]; first += R.first_us[i]; e.t = t; e.first = first; }
      var f = fullByLine[line];
      e.full = f && f.conn === pc.id ? f : null;
      out.push(e);
    }
    return out;
  }

  function timeline(sec, pc, ac, map, sg, events, drawn, sendEvents) {
    var v = el('div', { cls: 'view', id: 'view-timeline-' + pc.id });
    var withSends = sendEvents.some(function (e) { return e.t != null; });
    sec.appendChild(el('h3', { text: (events.length ? 'Read timeline' : 'Segments, records, frames and messages') + ' (server > client)' + (withSends ? ', with curl\'s sends' : '') }));
    sec.appendChild(v);
    if (!events.length) {
      v.appendChild(el('div', { cls: 'hint', text: X ? 'No Recv data event of the trace was placed on this connection: its units are drawn without reads.' :
        'No trace (--trace): curl\'s reads are not drawn, only what carried the bytes.' }));
    }
    var t0 = timeUs(pc.start);
    var hasTime = !events.length || events.some(function (e) { return e.t != null; });
    var mode = hasTime && events.length ? 'time' : 'offset';
    var reads = events.map(function (e) {
      var rt = e.t != null ? e.t : NaN;
      return { e: e, x0: e.start, x1: e.end, t0: e.first != null ? e.first : rt, t1: rt };
    });
    // Sends sit on the client's stream: drawn on the time line only.
    var sends = sendEvents.filter(function (e) { return e.t != null; }).map(function (e) {
      return { e: e, x0: 0, x1: 0, t0: e.first != null ? e.first : e.t, t1: e.t };
    });
    var units = (map.units || []).filter(function (u) { return u.direction === 'server_to_client'; }).map(function (u) {
      var ft = timeUs(u.first_time) - t0, lt = timeUs(u.last_time) - t0;
      return { u: u, x0: u.start, x1: u.end, t0: ft, t1: isNaN(lt) ? ft : lt };
    });
    var lanes = LANES.filter(function (l) {
      if (l.key === 'read') return events.length > 0;
      if (l.key === 'send') return sends.length > 0;
      if (!l.kinds) return true;
      return units.some(function (u) { return l.kinds.indexOf(u.u.kind) >= 0; });
    });
    var segIdx = [];
    var maxLen = 1;
    for (var i = 0; i < sg.n; i++) if (sg.dir[i] === 1 && sg.len[i] > 0) { segIdx.push(i); maxLen = Math.max(maxLen, sg.len[i]); }
    var ctl = el('div', { cls: 'controls' });
    v.appendChild(ctl);
    var modeNote = el('span', { cls: 'hint' });
    if (hasTime) {
      var bt = el('button', { text: mode === 'time' ? 'lay out by stream offset' : 'lay out by time' });
      bt.addEventListener('click', function () { mode = mode === 'time' ? 'offset' : 'time'; bt.textContent = mode === 'time' ? 'lay out by stream offset' : 'lay out by time'; home(); draw(); });
      ctl.appendChild(bt);
    } else {
      modeNote.textContent = 'The trace has no times (curl --trace-time): the reads are laid out by stream offset, not time. ';
      ctl.appendChild(el('strong', { text: 'By stream offset.' }));
    }
    ctl.appendChild(modeNote);
    ctl.appendChild(el('span', { cls: 'hint', text: events.length ? 'Hover for details, click a read to highlight what carried it; wheel zooms, drag pans, double click resets.' :
      'Hover for details; wheel zooms, drag pans, double click resets.' }));
    var H = 44 * lanes.length + 50, W = width();
    var cv = canvas(W, H);
    cv.c.setAttribute('role', 'img'); cv.c.setAttribute('aria-label', 'Read timeline of connection ' + pc.id + ': ' + events.length + ' reads over ' + segIdx.length + ' server segments');
    v.appendChild(cv.c);
    var detail = el('div', { cls: 'detail', text: 'Click a read to see its explanation.' });
    if (events.length) v.appendChild(detail);
    var bx = { l: 110, r: W - 12, t: 8, b: H - 30 };
    var laneH = (bx.b - bx.t) / lanes.length;
    function laneY(key) { for (var i = 0; i < lanes.length; i++) if (lanes[i].key === key) return bx.b - (i + 1) * laneH; return -1; }
    var view = {}, homeV = {};
    function extent() {
      var lo = Infinity, hi = -Infinity;
      function add(a, b) { if (isFinite(a)) lo = Math.min(lo, a); if (isFinite(b)) hi = Math.max(hi, b); }
      if (mode === 'offset') {
        reads.forEach(function (r) { add(r.x0, r.x1); });
        units.forEach(function (u) { add(u.x0, u.x1); });
      } else {
        reads.forEach(function (r) { add(r.t0, r.t1); });
        sends.forEach(function (r) { add(r.t0, r.t1); });
      }
      if (!reads.length) segIdx.forEach(function (i) { add(mode === 'offset' ? sg.off[i] : sg.t[i], mode === 'offset' ? sg.off[i] + sg.len[i] : sg.t[i]); });
      if (!isFinite(lo)) { lo = 0; hi = 1; }
      var pad = (hi - lo) * 0.02 || 1;
      return { x0: lo - pad, x1: hi + pad };
    }
    function home() { Object.assign(homeV, extent()); Object.assign(view, homeV); }
    home();
    var sel = null, hits = [];
    function X_(x) { return bx.l + (x - view.x0) / (view.x1 - view.x0) * (bx.r - bx.l); }
    function rect(x0, x1, y, h, fill, item, dim, hatched) {
      var a = X_(x0), b = X_(x1);
      if (b < bx.l || a > bx.r) return;
      var minW = item.read ? 4 : 2;
      if (b - a < minW) { var m = (a + b) / 2; a = m - minW / 2; b = m + minW / 2; }
      a = Math.max(a, bx.l - 2); b = Math.min(b, bx.r + 2);
      cv.g.globalAlpha = dim ? 0.22 : 1;
      cv.g.fillStyle = fill; cv.g.fillRect(a, y, b - a, h);
      if (hatched) { cv.g.fillStyle = hatch(cv.g); cv.g.fillRect(a, y, b - a, h); }
      if (b - a > 5) { cv.g.strokeStyle = 'rgba(255,255,255,0.9)'; cv.g.strokeRect(a + 0.5, y + 0.5, b - a - 1, h - 1); }
      cv.g.globalAlpha = 1;
      hits.push({ a: a, b: b, y: y, h: h, item: item });
    }
    function outline(h) { cv.g.strokeStyle = '#000'; cv.g.lineWidth = 2; cv.g.strokeRect(h.a - 1, h.y - 1, h.b - h.a + 2, h.h + 2); cv.g.lineWidth = 1; }
    function draw() {
      var g = cv.g; hits = [];
      g.clearRect(0, 0, cv.w, cv.h);
      g.font = '12px sans-serif'; g.textAlign = 'right'; g.textBaseline = 'middle'; g.fillStyle = '#333';
      lanes.forEach(function (l, i) {
        var y = bx.b - (i + 1) * laneH;
        if (i % 2 === 0) { g.fillStyle = '#f7f7f7'; g.fillRect(bx.l, y, bx.r - bx.l, laneH); }
        g.fillStyle = '#333'; g.fillText(l.name, bx.l - 8, y + laneH / 2);
      });
      g.save(); g.beginPath(); g.rect(bx.l, bx.t - 4, bx.r - bx.l, bx.b - bx.t + 8); g.clip();
      var selPk = null, selLo = 0, selHi = 0;
      if (sel) {
        selPk = {}; ((sel.e.full || {}).segments || []).forEach(function (s) { selPk[s.packet] = true; });
        if (!sel.e.send) { selLo = sel.x0; selHi = sel.x1; } // a send's range is on the client's stream
      }
      var lit = [];
      // segments
      var sy = laneY('seg');
      segIdx.forEach(function (i) {
        // What carried the read: the segments its stream range overlaps
        // (the explanation's own list may be cut to its first and last).
        var on = !sel || selPk[sg.pkt[i]] || (sg.off[i] < selHi && sg.off[i] + sg.len[i] > selLo);
        var h = laneH - 8, y = sy + 4;
        var x0, x1;
        if (mode === 'offset') { x0 = sg.off[i]; x1 = sg.off[i] + sg.len[i]; }
        else { x0 = x1 = sg.t[i]; var hh = Math.max(3, h * sg.len[i] / maxLen); y = y + h - hh; h = hh; }
        rect(x0, x1, y, h, SEG[segKey(sg.base[i], sg.kind[i])], { seg: i }, !on);
        if (sel && on) lit.push(hits[hits.length - 1]);
      });
      // units
      units.forEach(function (u) {
        var lane = null;
        lanes.forEach(function (l) { if (l.kinds && l.kinds.indexOf(u.u.kind) >= 0) lane = l; });
        if (!lane) return;
        var y = laneY(lane.key) + 5, on = !sel || (u.x0 < selHi && u.x1 > selLo);
        var fill = UNIT[u.u.kind] || '#ccc';
        if (u.u.kind === 'h2-frame' && u.u.label !== 'DATA') fill = '#fbe1ef';
        if (mode === 'offset') rect(u.x0, u.x1, y, laneH - 10, fill, { unit: u }, !on);
        else rect(u.t0, u.t1, y, laneH - 10, fill, { unit: u }, !on);
        if (sel && on && hits.length) lit.push(hits[hits.length - 1]);
      });
      // reads
      var ry = laneY('read') + 4, nReads = 0;
      reads.forEach(function (r) {
        var col = causeColour(r.e.cause), before = hits.length, hz = !!r.e.confidence && r.e.confidence !== 'certain';
        if (mode === 'offset') rect(r.x0, r.x1, ry, laneH - 8, col, { read: r }, sel && sel !== r, hz);
        else if (isFinite(r.t1)) {
          if (sel === r && isFinite(r.t0)) rect(r.t0, r.t1, ry + (laneH - 8) / 3, (laneH - 8) / 3, col, { read: r }, false);
          rect(r.t1, r.t1, ry, laneH - 8, col, { read: r }, sel && sel !== r, hz);
        }
        nReads += 1;
        if (sel === r && hits.length > before) lit.push(hits[hits.length - 1]);
      });
      // sends, by time (their offsets are on the client's stream)
      var sy2 = laneY('send') + 4;
      if (mode === 'time') sends.forEach(function (r) {
        var col = causeColour(r.e.cause), before = hits.length, hz = !!r.e.confidence && r.e.confidence !== 'certain';
        if (sel === r && isFinite(r.t0)) rect(r.t0, r.t1, sy2 + (laneH - 8) / 3, (laneH - 8) / 3, col, { read: r }, false);
        rect(r.t1, r.t1, sy2, laneH - 8, col, { read: r }, sel && sel !== r, hz);
        if (sel === r && hits.length > before) lit.push(hits[hits.length - 1]);
      });
      drawn.sends = mode === 'time' ? sends.length : 0;
      lit.forEach(outline);
      g.restore();
      drawn.reads = nReads;
      drawn.lit = lit.length;
      if (mode === 'offset') axisX(g, bx, view.x0, view.x1, function (t) { return fmtBytes(Math.round(t) || 0); });
      else axisX(g, bx, view.x0, view.x1, fmtUs);
      g.fillStyle = '#555'; g.textAlign = 'left'; g.textBaseline = 'bottom';
      g.fillText(mode === 'offset' ? 'stream offset (bytes, server > client)' : 'time since the connection began', bx.l, cv.h - 1);
    }
    function hitAt(ev) {
      var r = cv.c.getBoundingClientRect(), x = ev.clientX - r.left, y = ev.clientY - r.top;
      for (var i = hits.length - 1; i >= 0; i--) {
        var h = hits[i];
        if (x >= h.a - 1 && x <= h.b + 1 && y >= h.y && y <= h.y + h.h) return h.item;
      }
      return null;
    }
    function readLines(r, full) {
      var c = r.e, e = c.full || {}, l = [(c.send ? 'send at trace line ' + c.line + ': ' + (e.kind || 'Send') + ', ' : 'read at trace line ' + c.line + ': Recv data, ') + c.size + ' bytes', 'cause: ' + c.cause + (c.confidence ? ' (' + c.confidence + ')' : ''),
        'stream ' + fmtBytes(c.start) + '-' + fmtBytes(c.end) + (e.plain_start != null ? ' (decrypted ' + fmtBytes(e.plain_start) + '-' + fmtBytes(e.plain_end) + ')' : '')];
      var pk = (e.segments || []).map(function (s) { return s.packet; });
      if (pk.length) l.push('packets ' + (pk.length > 12 ? pk.slice(0, 6).join(', ') + ' ... ' + pk.slice(-3).join(', ') + ' (' + pk.length + ')' : pk.join(', ')));
      else if (c.pkt0) l.push('packets ' + c.pkt0 + (c.pkt1 !== c.pkt0 ? ' to ' + c.pkt1 : ''));
      if (c.t != null) l.push((c.send ? 'logged at ' : 'read at ') + fmtUs(r.t1) + ' after the connection began');
      if (!c.full) l.push('(its facts are not in this file: the explanation here holds the first ' + P.explain_events + ' reads)');
      if (e.why) l.push(str(e.why));
      ['inference', 'needs', 'notes'].forEach(function (k) {
        var v = e[k];
        if (v == null || v === '' || v === 'none' || (Array.isArray(v) && !v.length)) return;
        l.push(k + ': ' + (Array.isArray(v) ? v.map(str).join('; ') : str(v)));
      });
      if (full && e.facts) l.push.apply(l, factLines(e.facts));
      return l;
    }
    // The evidence, one line per fact with its source: the values that
    // say something (no false, zero or empty ones).
    function factLines(f) {
      var out = ['facts:'];
      Object.keys(f).forEach(function (k) {
        var v = f[k];
        if (v == null) return;
        if (typeof v !== 'object') { out.push('  ' + k + ': ' + v); return; }
        var src = v.source ? ' [' + v.source + ']' : '', kv = [];
        Object.keys(v).forEach(function (kk) {
          var x = v[kk];
          if (kk === 'source' || x === false || x === 0 || x === '' || x == null || (Array.isArray(x) && !x.length)) return;
          if (Array.isArray(x)) x = x.length + ' (' + x.slice(0, 4).map(function (y) { return typeof y === 'object' ? Object.keys(y).filter(function (z) { return y[z]; }).map(function (z) { return z + ' ' + y[z]; }).join(' ') : y; }).join('; ') + (x.length > 4 ? '; ...' : '') + ')';
          else if (typeof x === 'object') x = JSON.stringify(x);
          kv.push(kk.replace(/_/g, ' ') + ' ' + x);
        });
        out.push('  ' + k + src + ': ' + kv.join(', '));
      });
      return out;
    }
    function unitLines(u) {
      var x = u.u, l = [x.kind + ' ' + x.label + (x.exchange >= 0 ? ' (exchange/stream ' + x.exchange + ')' : ''),
        'stream ' + fmtBytes(x.start) + '-' + fmtBytes(x.end) + ', ' + fmtBytes(x.size) + ' bytes of payload'];
      if (x.plain_start != null) l.push('decrypted ' + fmtBytes(x.plain_start) + '-' + fmtBytes(x.plain_end));
      if ((x.segments || []).length) l.push('packets ' + x.segments.join(', '));
      if (x.truncated) l.push('cut by the end of the capture or a gap');
      return l;
    }
    cv.c.addEventListener('mousemove', function (ev) {
      var it = hitAt(ev);
      if (!it) return hideTip();
      showTip(ev, it.read ? readLines(it.read) : it.unit ? unitLines(it.unit) : segInfo(sg, it.seg, pc));
    });
    cv.c.addEventListener('mouseleave', hideTip);
    var dragged = interact(cv, bx, view, homeV, draw, { zoomY: false });
    cv.c.addEventListener('click', function (ev) {
      if (dragged()) return;
      var it = hitAt(ev);
      sel = it && it.read ? (sel === it.read ? null : it.read) : null;
      detail.textContent = sel ? readLines(sel, true).join('\n') : 'Click a read to see its explanation.';
      draw();
    });
    // For tests: the middle of read k's mark, in client coordinates.
    S.readAt = S.readAt || {};
    S.readAt[pc.id] = function (k) {
      var r = cv.c.getBoundingClientRect();
      for (var i = hits.length - 1; i >= 0; i--) {
        var h = hits[i];
        if (h.item.read === reads[k]) return { x: r.left + (h.a + h.b) / 2, y: r.top + h.y + h.h / 2 };
      }
      return null;
    };
    S.select = S.select || {};
    S.select[pc.id] = function (k) { sel = k == null ? null : reads[k]; detail.textContent = sel ? readLines(sel, true).join('\n') : ''; draw(); return drawn.lit; };
    draw();
    var causes = {}, sendCauses = {};
    events.forEach(function (e) { causes[e.cause] = true; });
    sends.forEach(function (r) { sendCauses[r.e.cause] = true; });
    v.appendChild(legend(Object.keys(causes).map(function (c) { return ['read: ' + c, causeColour(c)]; })
      .concat(Object.keys(sendCauses).map(function (c) { return ['send: ' + c, causeColour(c)]; }))
      .concat([['segment full', SEG.full], ['short', SEG['short']], ['super', SEG['super']], ['retransmitted', SEG.retransmission]])
      .concat(lanes.filter(function (l) { return l.kinds; }).map(function (l) { return [l.name, UNIT[l.kinds[l.kinds.length - 1]]]; }))));
  }

  // ---- the time-sequence graph ----
  function stevens(sec, pc, ac, sg, drawn) {
    sec.appendChild(el('h3', { text: 'Time-sequence graph' }));
    var v = el('div', { cls: 'view', id: 'view-stevens-' + pc.id });
    sec.appendChild(v);
    var bytes = [0, 0];
    for (var i = 0; i < sg.n; i++) bytes[sg.dir[i]] += sg.len[i];
    var dir = bytes[1] >= bytes[0] ? 1 : 0;
    var ctl = el('div', { cls: 'controls' });
    v.appendChild(ctl);
    var bt = el('button', { text: '' });
    ctl.appendChild(bt);
    ctl.appendChild(el('span', { cls: 'hint', text: 'Each bar is a segment from seq to seq+len at its time. Wheel zooms both axes (shift: sequence only), drag pans, double click resets.' }));
    var notes = el('div', { cls: 'hint' });
    v.appendChild(notes);
    var W = width(), H = 380;
    var cv = canvas(W, H);
    cv.c.setAttribute('role', 'img'); cv.c.setAttribute('aria-label', 'Time-sequence graph of connection ' + pc.id);
    v.appendChild(cv.c);
    var bx = { l: 90, r: W - 12, t: 10, b: H - 110 };
    var wb = { l: 90, r: W - 12, t: H - 64, b: H - 22 };
    var view = {}, homeV = {}, groups = {}, hitIdx = [];
    function gaps() {
      var st = ac && ac.app && ac.app.streams ? ac.app.streams[dir ? 'server_to_client' : 'client_to_server'] : null;
      return st && st.gap_list ? st.gap_list : [];
    }
    function setup() {
      bt.textContent = 'show ' + (dir ? 'client > server' : 'server > client');
      groups = {}; hitIdx = [];
      var t0 = Infinity, t1 = -Infinity, y0 = Infinity, y1 = -Infinity;
      for (var i = 0; i < sg.n; i++) {
        if (sg.dir[i] !== dir || sg.len[i] === 0) continue;
        var k = segKey(sg.base[i], sg.kind[i]);
        (groups[k] = groups[k] || []).push(i);
        hitIdx.push(i);
        t0 = Math.min(t0, sg.t[i]); t1 = Math.max(t1, sg.t[i]);
        y0 = Math.min(y0, sg.off[i]); y1 = Math.max(y1, sg.off[i] + sg.len[i]);
      }
      if (!isFinite(t0)) { t0 = 0; t1 = 1; y0 = 0; y1 = 1; }
      var px = (t1 - t0) * 0.02 || 1, py = (y1 - y0) * 0.03 || 1;
      Object.assign(homeV, { x0: t0 - px, x1: t1 + px, y0: Math.max(y0 - py, -py), y1: y1 + py });
      Object.assign(view, homeV);
      var n = [];
      n.push((dir ? 'server > client' : 'client > server') + ': ' + hitIdx.length + (sg.aggregated ? ' time bins of data segments (' + sg.total + ' segments in the connection)' : ' data segments'));
      if (gaps().length) {
        var why = {};
        gaps().forEach(function (gp) { if (gp.reason) why[gp.reason] = (why[gp.reason] || 0) + 1; });
        n.push(gaps().length + ' gap(s) in the capture shaded red' + (Object.keys(why).length ? ' (' + Object.keys(why).map(function (k) { return why[k] + ' ' + k; }).join(', ') + ')' : ''));
      }
      n.push(pc.has_ack ? 'The receiver\'s ACKs are the green step line, the window they open (ACK + advertised window) the olive one' :
        'No ACK or advertised-window line in sequence space: the analysis keeps no acknowledgment number per segment. The receiver\'s advertised window is drawn below, in bytes.');
      notes.textContent = n.filter(Boolean).join('. ');
    }
    bt.addEventListener('click', function () { dir = 1 - dir; setup(); draw(); });
    function draw() {
      var g = cv.g;
      g.clearRect(0, 0, cv.w, cv.h);
      var sx = (bx.r - bx.l) / (view.x1 - view.x0), sy = (bx.b - bx.t) / (view.y1 - view.y0);
      function X_(t) { return bx.l + (t - view.x0) * sx; }
      function Y_(o) { return bx.b - (o - view.y0) * sy; }
      g.save(); g.beginPath(); g.rect(bx.l, bx.t, bx.r - bx.l, bx.b - bx.t); g.clip();
      g.fillStyle = GAP;
      gaps().forEach(function (gp) { var a = Y_(gp.end), b = Y_(gp.start); g.fillRect(bx.l, a, bx.r - bx.l, Math.max(2, b - a)); });
      // The receiver's ACKs, and the window they open (ACK + advertised
      // window), as step lines in sequence space, under the segments.
      drawn.ackLine = 0;
      if (sg.ack) {
        var scA = Math.pow(2, Math.max(0, pc.window_scale[1 - dir]));
        [[ACK, 0], [WINLINE, 1]].forEach(function (ln) {
          g.strokeStyle = ln[0]; g.lineWidth = 1.5; g.beginPath();
          var on = false, py = 0;
          for (var i = 0; i < sg.n; i++) {
            if (sg.dir[i] !== 1 - dir || sg.ack[i] < 0) continue;
            var x = X_(sg.t[i]), y = Y_(sg.ack[i] + (ln[1] ? sg.win[i] * scA : 0));
            if (!on) { g.moveTo(x, y); on = true; } else { g.lineTo(x, py); g.lineTo(x, y); }
            py = y;
            drawn.ackLine++;
          }
          g.stroke(); g.lineWidth = 1;
        });
      }
      var count = 0;
      ['other', 'short', 'full', 'super', 'after-gap', 'out-of-order', 'retransmission'].forEach(function (k) {
        var idx = groups[k]; if (!idx) return;
        g.fillStyle = SEG[k];
        for (var j = 0; j < idx.length; j++) {
          var i = idx[j], x = X_(sg.t[i]);
          if (x < bx.l - 2 || x > bx.r + 2) continue;
          var a = Y_(sg.off[i] + sg.len[i]), b = Y_(sg.off[i]);
          if (b < bx.t || a > bx.b) continue;
          g.fillRect(x - 1, a, 2.5, Math.max(1.5, b - a));
          count++;
        }
      });
      g.restore();
      drawn.stevens = count;
      axisX(g, bx, view.x0, view.x1, fmtUs);
      axisY(g, bx, view.y0, view.y1, function (o) { return fmtBytes(Math.round(o) || 0); });
      // The receiver's advertised window, in bytes (scaled when the SYNs showed the shift).
      var sc = pc.window_scale[1 - dir];
      g.fillStyle = '#555'; g.font = '11px sans-serif'; g.textAlign = 'left'; g.textBaseline = 'bottom';
      g.fillText('window advertised by the ' + (dir ? 'client' : 'server') + (sc >= 0 ? ' (shift ' + sc + ')' : ' (no scale seen: raw values)'), wb.l, wb.t - 2);
      var pts = [], wmax = 1;
      for (var i = 0; i < sg.n; i++) {
        if (sg.dir[i] !== 1 - dir || sg.base[i] >= 4) continue;
        var wv = sg.win[i] * Math.pow(2, Math.max(0, sc));
        pts.push([sg.t[i], wv]); wmax = Math.max(wmax, wv);
      }
      g.save(); g.beginPath(); g.rect(wb.l, wb.t, wb.r - wb.l, wb.b - wb.t); g.clip();
      g.strokeStyle = sg.ack ? WINLINE : WIN; g.lineWidth = 1.5; g.beginPath();
      var started = false;
      pts.forEach(function (p) {
        var x = X_(p[0]), y = wb.b - p[1] / wmax * (wb.b - wb.t - 4);
        if (!started) { g.moveTo(x, y); started = true; } else g.lineTo(x, y);
      });
      g.stroke(); g.lineWidth = 1; g.restore();
      axisY(g, wb, 0, wmax, function (o) { return o >= 1024 ? Math.round(o / 1024) + 'K' : String(Math.round(o)); });
      g.fillStyle = '#555'; g.textAlign = 'left'; g.textBaseline = 'bottom';
      g.fillText('time since the connection began', bx.l + 120, bx.b + 30);
      g.save(); g.translate(12, (bx.t + bx.b) / 2); g.rotate(-Math.PI / 2); g.textAlign = 'center'; g.textBaseline = 'top';
      g.fillText('stream offset (bytes)', 0, 0); g.restore();
    }
    cv.c.addEventListener('mousemove', function (ev) {
      var r = cv.c.getBoundingClientRect(), x = ev.clientX - r.left, y = ev.clientY - r.top;
      var sx = (bx.r - bx.l) / (view.x1 - view.x0), sy = (bx.b - bx.t) / (view.y1 - view.y0), best = -1, bd = 6;
      for (var j = 0; j < hitIdx.length; j++) {
        var i = hitIdx[j], px = bx.l + (sg.t[i] - view.x0) * sx;
        if (Math.abs(px - x) > bd) continue;
        var a = bx.b - (sg.off[i] + sg.len[i] - view.y0) * sy, b = bx.b - (sg.off[i] - view.y0) * sy;
        if (y < a - 4 || y > b + 4) continue;
        bd = Math.abs(px - x); best = i;
      }
      if (best < 0) return hideTip();
      showTip(ev, segInfo(sg, best, pc));
    });
    cv.c.addEventListener('mouseleave', hideTip);
    setup();
    interact(cv, bx, view, homeV, draw, { zoomY: true });
    draw();
    v.appendChild(legend([['full', SEG.full], ['short', SEG['short']], ['super-segment', SEG['super']], ['retransmission', SEG.retransmission],
      ['out of order', SEG['out-of-order']], ['after a gap', SEG['after-gap']], ['gap (bytes never captured)', 'rgba(214,39,40,0.35)']]
      .concat(sg.ack ? [['ACK', ACK], ['ACK + advertised window', WINLINE]] : [['advertised window (bytes)', WIN]])));
  }

  // ---- the segment-size histograms ----
  function histograms(sec, pc, drawn) {
    sec.appendChild(el('h3', { text: 'Segment sizes' }));
    var wrap = el('div', { cls: 'view hists', id: 'view-hist-' + pc.id });
    sec.appendChild(wrap);
    ['client_to_server', 'server_to_client'].forEach(function (name, d) {
      var sizes = pc.sizes[d] || [], mss = pc.effective_mss[d];
      var W = Math.floor((width() - 40) / 2), H = 240;
      var box0 = el('div');
      box0.appendChild(el('div', { cls: 'controls', text: (d ? 'server > client' : 'client > server') + ': ' + sizes.length + ' distinct sizes' + (mss ? ', effective MSS ' + mss : ', effective MSS unknown') }));
      var cv = canvas(W, H);
      cv.c.setAttribute('role', 'img'); cv.c.setAttribute('aria-label', 'Segment sizes, ' + (d ? 'server to client' : 'client to server') + ', connection ' + pc.id);
      box0.appendChild(cv.c);
      wrap.appendChild(box0);
      var bx = { l: 50, r: W - 10, t: 30, b: H - 30 };
      var xmax = Math.max(mss || 0, sizes.length ? sizes[sizes.length - 1][0] : 1) * 1.06 + 1, cmax = 1;
      sizes.forEach(function (s) { cmax = Math.max(cmax, s[1]); });
      var g = cv.g, bars = [];
      function X_(x) { return bx.l + x / xmax * (bx.r - bx.l); }
      var logY = cmax > 9;
      function Hh(c) { return Math.max(2, (logY ? Math.log(1 + c) / Math.log(1 + cmax) : c / cmax) * (bx.b - bx.t)); }
      var bw = Math.max(2, Math.min(10, (bx.r - bx.l) / Math.max(1, sizes.length) / 3));
      if (mss) {
        var mx = Math.round(X_(mss)) + 0.5;
        g.strokeStyle = MSSLINE; g.setLineDash([4, 3]); g.beginPath(); g.moveTo(mx, bx.t - 6); g.lineTo(mx, bx.b); g.stroke(); g.setLineDash([]);
        g.fillStyle = MSSLINE; g.font = '11px sans-serif'; g.textAlign = mx > bx.r - 120 ? 'right' : 'left'; g.textBaseline = 'top';
        g.fillText('effective MSS ' + mss, mx + (mx > bx.r - 120 ? -6 : 6), 1);
        g.beginPath(); g.moveTo(mx, bx.t - 8); g.lineTo(mx - 5, bx.t - 16); g.lineTo(mx + 5, bx.t - 16); g.closePath(); g.fill();
      }
      g.font = '10px sans-serif'; g.textAlign = 'center'; g.textBaseline = 'bottom';
      var lastLab = -Infinity;
      sizes.forEach(function (s) {
        var col = !mss ? SEG['short'] : s[0] > mss ? SEG['super'] : s[0] === mss ? SEG.full : SEG['short'];
        var x = X_(s[0]) - bw / 2, h = Hh(s[1]);
        g.fillStyle = col; g.fillRect(x, bx.b - h, bw, h);
        var lab = s[0] + ' ×' + s[1], lw = g.measureText(lab).width;
        if (sizes.length <= 24 && x + bw / 2 - lw / 2 > lastLab + 3) {
          g.fillStyle = '#333'; g.fillText(lab, x + bw / 2, bx.b - h - 2); lastLab = x + bw / 2 + lw / 2;
        }
        bars.push({ x: x, w: bw, h: h, size: s[0], count: s[1] });
      });
      axisX(g, bx, 0, xmax, function (t) { return String(Math.round(t)); });
      g.fillStyle = '#555'; g.textAlign = 'right'; g.textBaseline = 'middle'; g.font = '11px sans-serif';
      g.fillText(String(cmax), bx.l - 4, bx.t); g.fillText(logY ? '1' : '0', bx.l - 4, bx.b - 2);
      g.textAlign = 'left'; g.textBaseline = 'bottom'; g.fillText('payload bytes; count' + (logY ? ' on a log scale' : ''), bx.l, H - 1);
      drawn.histogram[name] = bars.map(function (b) { return [b.size, b.count]; });
      cv.c.addEventListener('mousemove', function (ev) {
        var r = cv.c.getBoundingClientRect(), x = ev.clientX - r.left, best = null, bd = 5;
        bars.forEach(function (b) { var dd = Math.abs(b.x + b.w / 2 - x); if (dd < bd) { bd = dd; best = b; } });
        if (!best) return hideTip();
        showTip(ev, [best.size + ' bytes: ' + best.count + ' segment(s)', !mss ? '' : best.size > mss ? 'super-segment: ' + (best.size / mss).toFixed(2) + ' × the MSS' : best.size === mss ? 'full-size' : 'short']);
      });
      cv.c.addEventListener('mouseleave', hideTip);
    });
    wrap.appendChild(legend([['short', SEG['short']], ['full-size (the effective MSS)', SEG.full], ['super-segment (above the MSS)', SEG['super']]]));
  }

  function main() {
    var root = document.getElementById('report');
    document.body.appendChild(tip);
    header(root);
    var byID = {};
    (A.connections || []).forEach(function (c) { byID[c.id] = c; });
    (P.connections || []).forEach(function (pc) {
      try { connection(root, pc, byID[pc.id]); } catch (err) { S.errors.push('connection ' + pc.id + ': ' + err); throw err; }
    });
    if (!(P.connections || []).length) root.appendChild(el('p', { text: 'No connection to draw.' }));
    // Swatches take their colour from data-colour: set it from script, the
    // only way style may be set under the page's Content-Security-Policy.
    Array.prototype.forEach.call(document.querySelectorAll('[data-colour]'), function (e) { e.style.background = e.getAttribute('data-colour'); });
    S.readyMs = Math.round(performance.now());
    S.ready = true;
    document.body.setAttribute('data-ready', '1');
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main); else main();
})();
