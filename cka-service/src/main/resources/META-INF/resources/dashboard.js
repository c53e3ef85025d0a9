/*
 * ckastream live dashboard: renders the score record (README, "Score JSON") of every event of
 * /scores/stream. Plain DOM + SVG, no dependencies, works offline.
 *
 * What a test (or a person with devtools) can rely on:
 *   <body data-updates="N">       events received and rendered so far
 *   <body data-connection="...">  connecting | live | reconnecting | offline
 *   [data-value]                  the full-precision value behind a displayed number ("null" when undefined)
 *   #layers-body tr[data-layer]   one row per layer; td[data-col] cka, ckaDebiased, probeFirst, probeSecond,
 *                                 probeDelta, status; in a number cell .val is the value, .ci its interval:
 *                                 .ci[data-value="null"] and no text when undefined, else .lo and .hi (each
 *                                 with data-value) shown as "[lo, hi]"
 *   td[data-col=probeFirst|probeSecond][data-converged]  true | false | null; false adds a "†" (.unconverged)
 *   td[data-col=probeDelta][data-verdict]  better | worse | no-clear-change | null; classes up/down only for
 *                                 better/worse
 *   #settle[data-settled][data-value]  settled, reviewsToSettle; #settle-text the sentence
 *   #level[data-value]            the intervals' confidence level
 *   #diagonal-chart .point        data-layer, data-value, data-lo, data-hi; .band one shaded interval run
 *   #heatmap rect.cell            one per (row, column) layer pair, data-row, data-col, data-value
 *   <body data-pair="a~b">        the pair the views above show (the chooser's value; the only pair when one)
 *   #pair-select                  the pair chooser, one option per pair (value a~b) in configured order; hidden
 *                                 with one pair
 *   #trajectory                   shown when there are several pairs and all share their first checkpoint:
 *     #trajectory-cka g.column    one per later checkpoint, data-checkpoint, data-pair, data-updated-at (that
 *                                 pair's record); rect.cell data-layer, data-value (debiased diagonal CKA),
 *                                 data-lo, data-hi, and a <title> "<first> vs <ckpt>, layer i: debiased CKA v
 *                                 [lo, hi] (L % interval)" (4 decimals; "no interval yet" when undefined)
 *     #trajectory-probe-body tr[data-layer] td[data-checkpoint]  data-pair (the record it is read from),
 *                                 data-value, data-lo, data-hi (Wilson interval), title "<ckpt>, layer i: probe
 *                                 accuracy v [lo, hi] (L % Wilson interval, n test reviews)" (3 decimals)
 * Numbers are shown with fixed decimals (CKA 4, accuracy 3, rate 1; intervals 3) rounded half-up on the
 * exact binary value (Number#toFixed), "−" (U+2212) for negatives, and "—" for null.
 */
'use strict';

(() => {
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const STREAM_URL = 'scores/stream';
  const DASH = '\u2014';
  const MINUS = '\u2212';

  let updates = 0;
  let latest = null; // the chosen pair's latest record
  const reports = new Map(); // pair key "a~b" -> latest record of that pair
  const names = new Map(); // pair key -> [first, second]
  const arrival = []; // pair keys in the order their first record came
  let configured = null; // from /scores/pairs: { checkpoints: [...], order: [pair keys] }
  let chosen = null;
  let userChose = false;
  let source = null;
  let retryMs = 1000;
  let retryTimer = null;

  // ---- formatting -------------------------------------------------------------------------------

  function isNumber(x) {
    return typeof x === 'number' && Number.isFinite(x);
  }

  /** Fixed decimals, typographic minus, "—" for null. */
  function fixed(x, digits) {
    if (!isNumber(x)) return DASH;
    const s = Math.abs(x).toFixed(digits);
    return x < 0 && /[1-9]/.test(s) ? MINUS + s : s;
  }

  /** As fixed, with an explicit "+" on positive values (differences). */
  function signed(x, digits) {
    if (!isNumber(x)) return DASH;
    const s = fixed(x, digits);
    return x > 0 && /[1-9]/.test(s) ? '+' + s : s;
  }

  function count(n) {
    return isNumber(n) ? n.toLocaleString('en-US') : DASH;
  }

  /** The value behind a displayed number, as JSON would write it. */
  function raw(x) {
    return x === null || x === undefined ? 'null' : String(x);
  }

  /** An interval [lo, hi] from the JSON, or null unless both ends are numbers. */
  function interval(list, i) {
    const v = Array.isArray(list) ? list[i] : null;
    return Array.isArray(v) && v.length === 2 && isNumber(v[0]) && isNumber(v[1]) ? v : null;
  }

  /** The sentence of the settle line. */
  function settleText(r) {
    if (r.settled === true) return 'settled';
    if (isNumber(r.reviewsToSettle)) return `about ${count(r.reviewsToSettle)} more reviews to settle`;
    return 'not settled yet (no estimate)';
  }

  function clock(iso) {
    return typeof iso === 'string' && iso.length >= 19 ? iso.slice(11, 19) + ' UTC' : DASH;
  }

  // ---- DOM helpers ------------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    return fill(node, attrs, children);
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    return fill(node, attrs, children);
  }

  function fill(node, attrs, children) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined) node.setAttribute(k, String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function setValue(id, value, text) {
    const node = document.getElementById(id);
    node.dataset.value = raw(value);
    node.textContent = text;
  }

  // ---- connection -------------------------------------------------------------------------------

  function setConnection(state, text) {
    document.body.dataset.connection = state;
    const p = document.getElementById('connection');
    p.dataset.state = state;
    document.getElementById('connection-text').textContent = text || state;
  }

  function connect() {
    clearTimeout(retryTimer);
    if (source) source.close();
    setConnection(updates === 0 ? 'connecting' : 'reconnecting');
    source = new EventSource(STREAM_URL);
    source.onopen = () => {
      retryMs = 1000;
      setConnection('live');
      loadConfiguredPairs();
    };
    source.onmessage = (event) => {
      let report;
      try {
        report = JSON.parse(event.data);
      } catch (e) {
        console.error('score event is not JSON', e, event.data);
        return;
      }
      receive(report);
      updates += 1;
      document.body.dataset.updates = String(updates);
      setConnection('live');
    };
    source.onerror = () => {
      if (source.readyState === EventSource.CONNECTING) {
        setConnection('reconnecting'); // the browser retries by itself
      } else {
        // Closed for good (e.g. an HTTP error): retry ourselves, backing off up to 30 s.
        setConnection('offline', `offline, retrying in ${Math.round(retryMs / 1000)} s`);
        retryTimer = setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, 30000);
      }
    };
  }

  // ---- pairs ------------------------------------------------------------------------------------

  function pairOf(r) {
    return Array.isArray(r.pair) && r.pair.length === 2 ? r.pair.map(String) : null;
  }

  function keyOf(pair) {
    return pair ? `${pair[0]}~${pair[1]}` : '';
  }

  /** One record of any pair: kept as that pair's latest; rendered when it is the chosen pair's. */
  function receive(report) {
    const pair = pairOf(report);
    const key = keyOf(pair);
    reports.set(key, report);
    if (!names.has(key)) names.set(key, pair || ['first', 'second']);
    if (!arrival.includes(key)) arrival.push(key);
    const before = chosen;
    refreshPairs();
    if (key === chosen && chosen === before) {
      latest = report;
      render(report);
    }
    renderTrajectory();
  }

  /** The configured order from /scores/pairs (pairs the stream has not named yet are not invented). */
  function loadConfiguredPairs() {
    fetch('scores/pairs', { headers: { Accept: 'application/json' } })
      .then((response) => (response.ok ? response.json() : null))
      .then((body) => {
        if (!body || !Array.isArray(body.pairs)) return;
        const order = [];
        for (const r of body.pairs) {
          const pair = pairOf(r || {});
          if (!pair) continue;
          names.set(keyOf(pair), pair);
          order.push(keyOf(pair));
        }
        configured = { checkpoints: Array.isArray(body.checkpoints) ? body.checkpoints.map(String) : [], order };
        refreshPairs();
        renderTrajectory();
      })
      .catch((e) => console.warn('no /scores/pairs (the stream\'s order is used)', e));
  }

  /** Pair keys in configured order, then any the stream brought that the configuration did not list. */
  function pairOrder() {
    const known = configured ? configured.order.filter((k) => reports.has(k)) : [];
    return known.concat(arrival.filter((k) => !known.includes(k)));
  }

  /** The chooser's options and the chosen pair; re-renders the views when the choice changes. */
  function refreshPairs() {
    const order = pairOrder();
    const select = document.getElementById('pair-select');
    const values = [...select.options].map((o) => o.value);
    if (values.join('\n') !== order.join('\n')) {
      select.replaceChildren(...order.map((k) => {
        const [a, b] = names.get(k);
        return el('option', { value: k }, `${a} vs ${b}`);
      }));
    }
    document.getElementById('pair-chooser').hidden = order.length <= 1;
    document.getElementById('pair-count').textContent = order.length > 1 ? `${order.length} pairs` : '';
    const next = userChose && order.includes(chosen) ? chosen : order[0] || null;
    select.value = next || '';
    if (next !== chosen) choose(next);
  }

  function choose(key) {
    chosen = key;
    document.body.dataset.pair = key || '';
    latest = key !== null ? reports.get(key) || null : null;
    if (latest) render(latest);
  }

  /** The links that name the shown pair: with several pairs the plain /scores and /scores.csv answer 400. */
  function renderLinks(key) {
    const several = pairOrder().length > 1;
    const query = several ? `?pair=${encodeURIComponent(key)}` : '';
    document.getElementById('csv-link').setAttribute('href', `scores.csv${query}`);
    document.getElementById('footer-csv-link').setAttribute('href', `/scores.csv${query}`);
    document.getElementById('json-link').setAttribute('href', `/scores${query}`);
  }

  // ---- rendering --------------------------------------------------------------------------------

  function render(r) {
    const [first, second] = Array.isArray(r.pair) && r.pair.length === 2 ? r.pair : ['first', 'second'];
    document.getElementById('first').textContent = first;
    document.getElementById('second').textContent = second;
    document.querySelectorAll('.name-a').forEach((n) => { n.textContent = first; });
    document.querySelectorAll('.name-b').forEach((n) => { n.textContent = second; });
    document.title = `CKA ${first} vs ${second} · ${count(r.reviews)} reviews`;

    renderLinks(`${first}~${second}`);
    renderSummary(r);
    const layers = layerRows(r, first, second);
    renderDiagonal(layers, first, second);
    renderHeatmap(r, first, second);
    renderTable(layers, first, second);
  }

  function renderSummary(r) {
    const probe = r.probe || {};
    setValue('reviews', r.reviews, count(r.reviews));
    setValue('labeled', r.labeled, count(r.labeled));
    setValue('rate', r.reviewsPerSecond, fixed(r.reviewsPerSecond, 1));
    setValue('pending', r.pending, count(r.pending));
    setValue('dead-letters', r.deadLetters, count(r.deadLetters));
    setValue('train-reviews', probe.trainReviews, count(probe.trainReviews));
    setValue('test-reviews', probe.testReviews, count(probe.testReviews));
    const time = document.getElementById('updated-at');
    time.dataset.value = raw(r.updatedAt);
    time.textContent = clock(r.updatedAt);
    if (typeof r.updatedAt === 'string') {
      time.setAttribute('datetime', r.updatedAt);
      time.title = r.updatedAt;
    }
    document.getElementById('dead-letters').closest('.stat').classList.toggle('alert', r.deadLetters > 0);

    const settle = document.getElementById('settle');
    settle.dataset.settled = raw(typeof r.settled === 'boolean' ? r.settled : null);
    settle.dataset.value = raw(isNumber(r.reviewsToSettle) ? r.reviewsToSettle : null);
    settle.dataset.state = r.settled === true ? 'settled' : 'settling';
    document.getElementById('settle-text').textContent = settleText(r);

    const intervals = r.intervals || null;
    const level = intervals && isNumber(intervals.level) ? intervals.level : null;
    document.getElementById('level').dataset.value = raw(level);
    document.querySelectorAll('.level-text').forEach((n) => {
      n.textContent = level === null ? '95 %' : `${+(level * 100).toFixed(2)} %`;
    });
    const at = intervals && isNumber(intervals.reviews) ? intervals.reviews : null;
    const since = document.getElementById('interval-reviews');
    since.dataset.value = raw(at);
    since.textContent = intervals === null ? ' (none yet)'
      : at !== null && at !== r.reviews ? ` (CKA intervals last computed exactly at ${count(at)} reviews)` : '';
    tickAge();
  }

  function tickAge() {
    const age = document.getElementById('age');
    const at = latest && Date.parse(latest.updatedAt);
    if (!isNumber(at)) {
      age.textContent = '';
      return;
    }
    const s = Math.max(0, Math.round((Date.now() - at) / 1000));
    age.textContent = s < 2 ? 'just now' : s < 120 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
  }

  /** One entry per layer: the diagonal of both matrices, both probes, Δ, status, and their intervals. */
  function layerRows(r, first, second) {
    const cka = r.cka || [];
    const deb = r.ckaDebiased || [];
    const probe = r.probe || {};
    const pa = Array.isArray(probe[first]) ? probe[first] : [];
    const pb = Array.isArray(probe[second]) ? probe[second] : [];
    const status = r.status || [];
    const ci = r.intervals || {};
    const ciProbe = ci.probe || {};
    const verdict = Array.isArray(r.probeVerdict) ? r.probeVerdict : [];
    const converged = r.probeConverged || {};
    const flag = (list, i) => (Array.isArray(list) && typeof list[i] === 'boolean' ? list[i] : null);
    const n = Math.max(Math.min(cka.length, cka.length ? cka[0].length : 0), pa.length, pb.length, status.length);
    const rows = [];
    for (let i = 0; i < n; i++) {
      const a = isNumber(pa[i]) ? pa[i] : null;
      const b = isNumber(pb[i]) ? pb[i] : null;
      rows.push({
        layer: i,
        cka: cell(cka, i, i),
        ckaDebiased: cell(deb, i, i),
        probeFirst: a,
        probeSecond: b,
        probeDelta: a !== null && b !== null ? b - a : null,
        status: typeof status[i] === 'string' ? status[i] : 'unknown',
        ckaCi: interval(ci.ckaDiagonal, i),
        ckaDebiasedCi: interval(ci.ckaDebiasedDiagonal, i),
        probeFirstCi: interval(ciProbe[first], i),
        probeSecondCi: interval(ciProbe[second], i),
        probeDeltaCi: interval(ci.probeDelta, i),
        verdict: typeof verdict[i] === 'string' ? verdict[i] : null,
        convergedFirst: flag(converged[first], i),
        convergedSecond: flag(converged[second], i),
      });
    }
    return rows;
  }

  function cell(matrix, i, j) {
    const row = matrix[i];
    return row && isNumber(row[j]) ? row[j] : null;
  }

  function emptyFigure(figure, text) {
    figure.replaceChildren(el('p', { class: 'empty' }, text));
  }

  // Diagonal CKA line chart: x = layer, y = CKA, plain and debiased, each with its interval as a shaded band
  // (and a whisker per layer, so a lone defined interval still shows). The y range follows values and
  // intervals but is capped to [-1, 1.5]; what lies beyond is clipped, the exact ends are in the titles.
  function renderDiagonal(rows, first, second) {
    const figure = document.getElementById('diagonal-chart');
    if (rows.length === 0) {
      emptyFigure(figure, 'Waiting for the first reviews…');
      return;
    }
    const W = 640, H = 360;
    const m = { top: 34, right: 20, bottom: 46, left: 56 };
    const w = W - m.left - m.right, h = H - m.top - m.bottom;
    const values = rows.flatMap((r) => [r.cka, r.ckaDebiased, ...(r.ckaCi || []), ...(r.ckaDebiasedCi || [])])
      .filter(isNumber);
    const lo = Math.max(-1, Math.min(0, ...values.map((v) => Math.floor(v * 10) / 10)));
    const hi = Math.min(1.5, Math.max(1, ...values.map((v) => Math.ceil(v * 10) / 10)));
    const n = rows.length;
    const x = (i) => m.left + (n === 1 ? w / 2 : (i * w) / (n - 1));
    const y = (v) => m.top + h - ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * h;

    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'line-chart', 'aria-hidden': 'true' });
    // grid and y axis
    const step = hi - lo > 1.5 ? 0.5 : 0.2;
    for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + 1e-9; t += step) {
      const v = Math.round(t * 10) / 10;
      root.append(
        svg('line', { x1: m.left, x2: m.left + w, y1: y(v), y2: y(v), class: v === 0 ? 'axis' : 'grid' }),
        svg('text', { x: m.left - 8, y: y(v), class: 'tick', 'text-anchor': 'end', 'dominant-baseline': 'middle' },
          v.toFixed(1)));
    }
    // x axis
    const every = Math.max(1, Math.ceil(n / 16));
    root.append(svg('line', { x1: m.left, x2: m.left + w, y1: m.top + h, y2: m.top + h, class: 'axis' }));
    for (let i = 0; i < n; i += every) {
      root.append(
        svg('line', { x1: x(i), x2: x(i), y1: m.top + h, y2: m.top + h + 5, class: 'axis' }),
        svg('text', { x: x(i), y: m.top + h + 18, class: 'tick', 'text-anchor': 'middle' }, i));
    }
    root.append(
      svg('text', { x: m.left + w / 2, y: H - 6, class: 'axis-label', 'text-anchor': 'middle' }, 'Layer'),
      svg('text', { x: 14, y: m.top + h / 2, class: 'axis-label', 'text-anchor': 'middle',
        transform: `rotate(-90 14 ${m.top + h / 2})` }, 'CKA'));

    const series = [
      { key: 'cka', ci: 'ckaCi', name: 'CKA', cls: 'series-plain' },
      { key: 'ckaDebiased', ci: 'ckaDebiasedCi', name: 'debiased CKA', cls: 'series-debiased' },
    ];
    // bands first, under both lines
    for (const s of series) {
      const g = svg('g', { class: `bands ${s.cls}` });
      let run = [];
      const flush = () => {
        if (run.length > 1) {
          const top = run.map((i) => `${x(i).toFixed(1)},${y(rows[i][s.ci][1]).toFixed(1)}`);
          const bottom = run.slice().reverse().map((i) => `${x(i).toFixed(1)},${y(rows[i][s.ci][0]).toFixed(1)}`);
          g.append(svg('path', { d: `M${top.join('L')}L${bottom.join('L')}Z`, class: 'band' }));
        }
        run = [];
      };
      rows.forEach((r, i) => {
        if (r[s.ci]) {
          run.push(i);
          g.append(svg('line', { x1: x(i), x2: x(i), y1: y(r[s.ci][0]), y2: y(r[s.ci][1]), class: 'whisker' }));
        } else {
          flush();
        }
      });
      flush();
      root.append(g);
    }
    for (const s of series) {
      let d = '';
      let pen = false;
      rows.forEach((r, i) => {
        const v = r[s.key];
        if (isNumber(v)) {
          d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
          pen = true;
        } else {
          pen = false;
        }
      });
      const g = svg('g', { class: `series ${s.cls}` });
      if (d) g.append(svg('path', { d, class: 'line' }));
      rows.forEach((r, i) => {
        const v = r[s.key];
        const ci = r[s.ci];
        if (isNumber(v)) {
          g.append(svg('circle', {
            cx: x(i), cy: y(v), r: 4, class: 'point', 'data-series': s.key, 'data-layer': i, 'data-value': raw(v),
            'data-lo': raw(ci ? ci[0] : null), 'data-hi': raw(ci ? ci[1] : null),
          }, svg('title', {}, `Layer ${i} (${first} vs ${second}): ${s.name} ${fixed(v, 4)}`
            + (ci ? ` [${fixed(ci[0], 4)}, ${fixed(ci[1], 4)}]` : ''))));
        }
      });
      root.append(g);
    }
    // legend
    const legend = svg('g', { class: 'legend', transform: `translate(${m.left + w - 250}, 10)` });
    series.forEach((s, k) => {
      const lx = k * 120;
      legend.append(
        svg('rect', { x: lx, y: 2, width: 26, height: 12, rx: 2, class: `band ${s.cls}` }),
        svg('line', { x1: lx, x2: lx + 26, y1: 8, y2: 8, class: `line ${s.cls}` }),
        svg('circle', { cx: lx + 13, cy: 8, r: 3.5, class: `point ${s.cls}` }),
        svg('text', { x: lx + 32, y: 8, class: 'legend-text', 'dominant-baseline': 'middle' }, s.name));
    });
    root.append(legend);
    const described = (v, ci) => fixed(v, 4) + (ci ? ` [${fixed(ci[0], 4)}, ${fixed(ci[1], 4)}]` : '');
    figure.replaceChildren(root, el('figcaption', { class: 'sr-only' }, rows.map((r) =>
      `layer ${r.layer}: CKA ${described(r.cka, r.ckaCi)}, debiased ${described(r.ckaDebiased, r.ckaDebiasedCi)}`)
      .join('; ')));
  }

  // Viridis, sampled: perceptually uniform and readable in both colour schemes.
  const VIRIDIS = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58',
    '#b5de2b', '#fde725'];

  function colour(v) {
    const t = Math.min(1, Math.max(0, v)) * (VIRIDIS.length - 1);
    const k = Math.min(VIRIDIS.length - 2, Math.floor(t));
    const f = t - k;
    const a = hex(VIRIDIS[k]), b = hex(VIRIDIS[k + 1]);
    const c = a.map((x, i) => Math.round(x + (b[i] - x) * f));
    return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
  }

  function hex(s) {
    return [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16));
  }

  /** The 0..1 colour scale of a heatmap at (x, y), h high; gradient ids must differ between heatmaps of a page. */
  function colourLegend(root, id, x, y, h, name) {
    const grad = svg('linearGradient', { id, x1: 0, y1: 1, x2: 0, y2: 0 });
    VIRIDIS.forEach((c, k) => grad.append(svg('stop', { offset: `${(k * 100) / (VIRIDIS.length - 1)}%`, 'stop-color': c })));
    root.append(svg('defs', {}, grad),
      svg('rect', { x, y, width: 14, height: h, fill: `url(#${id})`, class: 'legend-bar' }));
    for (const t of [0, 0.25, 0.5, 0.75, 1]) {
      const ty = y + h - t * h;
      root.append(svg('line', { x1: x + 14, x2: x + 18, y1: ty, y2: ty, class: 'axis' }),
        svg('text', { x: x + 21, y: ty, class: 'tick', 'dominant-baseline': 'middle' }, t.toFixed(2)));
    }
    root.append(svg('text', { x, y: y - 10, class: 'tick' }, name));
  }

  function heatmapKind() {
    const checked = document.querySelector('input[name="heatmap-kind"]:checked');
    return checked ? checked.value : 'cka';
  }

  // Cross-layer heatmap: rows = first checkpoint's layers, columns = second's.
  function renderHeatmap(r, first, second) {
    const figure = document.getElementById('heatmap');
    const kind = heatmapKind();
    const matrix = r[kind] || [];
    const rows = matrix.length;
    const cols = rows ? Math.max(...matrix.map((row) => (row ? row.length : 0))) : 0;
    if (rows === 0 || cols === 0) {
      emptyFigure(figure, kind === 'ckaDebiased' && (r.cka || []).length
        ? 'Debiased CKA needs at least 4 reviews…' : 'Waiting for the first reviews…');
      return;
    }
    const other = kind === 'cka' ? r.ckaDebiased : r.cka;
    const name = kind === 'cka' ? 'CKA' : 'debiased CKA';
    const otherName = kind === 'cka' ? 'debiased' : 'plain';
    const m = { top: 34, left: 56, bottom: 14, legend: 86 };
    const size = Math.max(6, Math.min(80, Math.floor(Math.min(470 / cols, 440 / rows))));
    const W = m.left + cols * size + m.legend, H = m.top + rows * size + m.bottom;
    const showValues = size >= 34;
    const font = Math.max(9, Math.min(14, size * 0.27));
    const labelEvery = Math.max(1, Math.ceil(14 / size));

    const root = svg('svg', { viewBox: `0 0 ${W} ${Math.max(H, 200)}`, class: 'heatmap', 'aria-hidden': 'true' });
    root.style.maxWidth = `${W}px`; // never scaled up: text stays the size of the line chart's
    root.append(
      svg('text', { x: m.left + (cols * size) / 2, y: 12, class: 'axis-label', 'text-anchor': 'middle' },
        `${second} layer`),
      svg('text', { x: 12, y: m.top + (rows * size) / 2, class: 'axis-label', 'text-anchor': 'middle',
        transform: `rotate(-90 12 ${m.top + (rows * size) / 2})` }, `${first} layer`));
    for (let j = 0; j < cols; j += labelEvery) {
      root.append(svg('text', { x: m.left + j * size + size / 2, y: m.top - 7, class: 'tick', 'text-anchor': 'middle' }, j));
    }
    for (let i = 0; i < rows; i += labelEvery) {
      root.append(svg('text', { x: m.left - 7, y: m.top + i * size + size / 2, class: 'tick', 'text-anchor': 'end',
        'dominant-baseline': 'middle' }, i));
    }
    const cells = svg('g', { class: 'cells' });
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const v = cell(matrix, i, j);
        const o = cell(other || [], i, j);
        const cx = m.left + j * size, cy = m.top + i * size;
        const g = svg('g', {});
        g.append(svg('rect', {
          x: cx, y: cy, width: size, height: size, class: v === null ? 'cell undefined' : 'cell',
          fill: v === null ? null : colour(v), 'data-row': i, 'data-col': j, 'data-value': raw(v),
        }, svg('title', {}, `${first} layer ${i} × ${second} layer ${j}: ${name} ${fixed(v, 4)} (${otherName} ${fixed(o, 4)})`)));
        if (showValues) {
          g.append(svg('text', {
            x: cx + size / 2, y: cy + size / 2, class: `value ${v !== null && v > 0.62 ? 'on-light' : 'on-dark'}`,
            'text-anchor': 'middle', 'dominant-baseline': 'central', 'font-size': font.toFixed(1),
          }, v === null ? DASH : fixed(v, 2)));
        }
        cells.append(g);
      }
    }
    root.append(cells);
    colourLegend(root, 'heat-gradient', m.left + cols * size + 22, m.top, Math.max(120, Math.min(rows * size, 300)), name);
    figure.replaceChildren(root);
  }

  /** "[lo, hi]" of an interval, each end with its data-value; empty with data-value="null" when undefined. */
  function intervalSpan(ci, format) {
    if (!ci) return el('span', { class: 'ci', 'data-value': 'null' });
    return el('span', { class: 'ci' }, '[', el('span', { class: 'lo', 'data-value': raw(ci[0]) }, format(ci[0])), ', ',
      el('span', { class: 'hi', 'data-value': raw(ci[1]) }, format(ci[1])), ']');
  }

  const VERDICT_TEXT = {
    better: 'better: the paired interval lies above 0',
    worse: 'worse: the paired interval lies below 0',
    'no-clear-change': 'no clear change: the paired interval contains 0',
  };

  function renderTable(rows, first, second) {
    const body = document.getElementById('layers-body');
    if (rows.length === 0) {
      body.replaceChildren(el('tr', { class: 'empty-row' }, el('td', { colspan: 7 }, 'Waiting for the first reviews…')));
      return;
    }
    const bar = (v) => el('span', { class: 'bar', style: `--v: ${isNumber(v) ? Math.min(1, Math.max(0, v)) : 0}`, 'aria-hidden': 'true' });
    const ckaCell = (col, v, ci) => el('td', { class: 'num', 'data-col': col, 'data-value': raw(v) }, bar(v),
      el('span', { class: 'val' }, fixed(v, 4)), ' ', intervalSpan(ci, (e) => fixed(e, 3)));
    const probeCell = (col, v, ci, converged, name, layer) => el('td', {
      class: 'num', 'data-col': col, 'data-value': raw(v), 'data-converged': raw(converged),
      title: `${name}, layer ${layer}` + (converged === false ? ': the probe\'s fit did not converge' : ''),
    }, el('span', { class: 'val' }, fixed(v, 3)),
    converged === false ? el('span', { class: 'unconverged', title: 'the probe\'s fit did not converge' }, '\u2020') : null,
    ' ', intervalSpan(ci, (e) => fixed(e, 3)));
    body.replaceChildren(...rows.map((r) => el('tr', { 'data-layer': r.layer },
      el('th', { scope: 'row', 'data-value': r.layer }, String(r.layer),
        r.layer === 0 ? el('span', { class: 'sub', title: 'layer 0 is the embedding output' }, ' emb') : null),
      ckaCell('cka', r.cka, r.ckaCi),
      ckaCell('ckaDebiased', r.ckaDebiased, r.ckaDebiasedCi),
      probeCell('probeFirst', r.probeFirst, r.probeFirstCi, r.convergedFirst, first, r.layer),
      probeCell('probeSecond', r.probeSecond, r.probeSecondCi, r.convergedSecond, second, r.layer),
      el('td', {
        class: `num delta ${r.verdict === 'better' ? 'up' : r.verdict === 'worse' ? 'down' : ''}`,
        'data-col': 'probeDelta', 'data-value': raw(r.probeDelta), 'data-verdict': raw(r.verdict),
        title: VERDICT_TEXT[r.verdict] || 'no verdict yet',
      }, el('span', { class: 'val' }, signed(r.probeDelta, 3)), ' ', intervalSpan(r.probeDeltaCi, (e) => signed(e, 3))),
      el('td', { 'data-col': 'status', 'data-value': r.status },
        el('span', { class: `chip status-${/^[a-z]+$/.test(r.status) ? r.status : 'unknown'}` }, r.status)))));
  }

  // ---- trajectory -------------------------------------------------------------------------------

  /** The pairs of a trajectory: several, all with one first checkpoint; columns in configured checkpoint order. */
  function trajectoryPairs() {
    const order = pairOrder();
    if (order.length < 2) return null;
    const base = names.get(order[0])[0];
    if (!order.every((k) => names.get(k)[0] === base)) return null;
    const rank = (k) => {
      const i = configured ? configured.checkpoints.indexOf(names.get(k)[1]) : -1;
      return i < 0 ? Number.MAX_SAFE_INTEGER : i;
    };
    const columns = order.map((k, i) => ({ key: k, checkpoint: names.get(k)[1], at: i }))
      .sort((a, b) => rank(a.key) - rank(b.key) || a.at - b.at)
      .map((c) => ({ key: c.key, checkpoint: c.checkpoint, report: reports.get(c.key) }));
    return { base, baseKey: order[0], columns };
  }

  function renderTrajectory() {
    const t = trajectoryPairs();
    const section = document.getElementById('trajectory');
    section.hidden = t === null;
    if (t === null) return;
    document.querySelectorAll('.name-base').forEach((n) => { n.textContent = t.base; });
    const layers = Math.max(0, ...t.columns.map((c) => {
      const deb = c.report.ckaDebiased || [];
      const probe = c.report.probe || {};
      return Math.max(deb.length, Array.isArray(probe[c.checkpoint]) ? probe[c.checkpoint].length : 0);
    }));
    const level = levelOf(t.columns.map((c) => c.report.intervals).find((ci) => ci && isNumber(ci.level)));
    renderTrajectoryCka(t, layers, level);
    renderTrajectoryProbe(t, layers, level);
  }

  function levelOf(intervals) {
    return intervals ? `${+(intervals.level * 100).toFixed(2)} %` : '95 %';
  }

  function ellipsis(text, chars) {
    return text.length <= chars ? text : `${text.slice(0, Math.max(1, chars - 1))}\u2026`;
  }

  // Layer x checkpoint heatmap of the debiased diagonal CKA, coloured like the cross-layer heatmap.
  function renderTrajectoryCka(t, layers, level) {
    const figure = document.getElementById('trajectory-cka');
    if (layers === 0) {
      emptyFigure(figure, 'Waiting for the first reviews…');
      return;
    }
    const cols = t.columns.length;
    const m = { top: 40, left: 56, bottom: 14, legend: 86 };
    const cw = Math.max(40, Math.min(120, Math.floor(520 / cols)));
    const ch = Math.max(10, Math.min(44, Math.floor(440 / layers)));
    const W = m.left + cols * cw + m.legend, H = m.top + layers * ch + m.bottom;
    const showValues = ch >= 16;
    const font = Math.max(9, Math.min(13, ch * 0.36));
    const labelEvery = Math.max(1, Math.ceil(14 / ch));
    const root = svg('svg', { viewBox: `0 0 ${W} ${Math.max(H, 200)}`, class: 'heatmap trajectory-map', 'aria-hidden': 'true' });
    root.style.maxWidth = `${W}px`;
    root.append(
      svg('text', { x: m.left + (cols * cw) / 2, y: 12, class: 'axis-label', 'text-anchor': 'middle' }, 'checkpoint'),
      svg('text', { x: 12, y: m.top + (layers * ch) / 2, class: 'axis-label', 'text-anchor': 'middle',
        transform: `rotate(-90 12 ${m.top + (layers * ch) / 2})` }, 'layer'));
    for (let i = 0; i < layers; i += labelEvery) {
      root.append(svg('text', { x: m.left - 7, y: m.top + i * ch + ch / 2, class: 'tick', 'text-anchor': 'end',
        'dominant-baseline': 'middle' }, i));
    }
    const described = [];
    t.columns.forEach((c, j) => {
      const r = c.report;
      const deb = r.ckaDebiased || [];
      const ci = (r.intervals || {}).ckaDebiasedDiagonal;
      const x = m.left + j * cw;
      const g = svg('g', { class: 'column', 'data-checkpoint': c.checkpoint, 'data-pair': c.key,
        'data-updated-at': raw(r.updatedAt) });
      g.append(svg('text', { x: x + cw / 2, y: m.top - 8, class: 'tick', 'text-anchor': 'middle' },
        ellipsis(c.checkpoint, Math.floor(cw / 7)), svg('title', {}, c.checkpoint)));
      const parts = [];
      for (let i = 0; i < layers; i++) {
        const v = cell(deb, i, i);
        const band = interval(ci, i);
        const y = m.top + i * ch;
        const text = `${t.base} vs ${c.checkpoint}, layer ${i}: debiased CKA ${fixed(v, 4)} `
          + (band ? `[${fixed(band[0], 4)}, ${fixed(band[1], 4)}] (${level} interval)` : '(no interval yet)');
        parts.push(`layer ${i} ${fixed(v, 4)}` + (band ? ` [${fixed(band[0], 4)}, ${fixed(band[1], 4)}]` : ''));
        g.append(svg('rect', {
          x, y, width: cw, height: ch, class: v === null ? 'cell undefined' : 'cell', fill: v === null ? null : colour(v),
          'data-layer': i, 'data-value': raw(v), 'data-lo': raw(band ? band[0] : null), 'data-hi': raw(band ? band[1] : null),
        }, svg('title', {}, text)));
        if (showValues) {
          g.append(svg('text', {
            x: x + cw / 2, y: y + ch / 2, class: `value ${v === null ? 'undefined' : v > 0.62 ? 'on-light' : 'on-dark'}`,
            'text-anchor': 'middle', 'dominant-baseline': 'central', 'font-size': font.toFixed(1),
          }, v === null ? DASH : fixed(v, 2)));
        }
      }
      described.push(`${c.checkpoint}: ${parts.join(', ')}`);
      root.append(g);
    });
    colourLegend(root, 'trajectory-gradient', m.left + cols * cw + 22, m.top,
      Math.max(120, Math.min(layers * ch, 300)), 'debiased');
    figure.replaceChildren(root, el('figcaption', { class: 'sr-only' },
      `debiased diagonal CKA against ${t.base} with ${level} intervals; ${described.join('; ')}`));
  }

  // Per-layer probe accuracy across checkpoints: the first checkpoint from the first pair, each later one from its pair.
  function renderTrajectoryProbe(t, layers, level) {
    const sources = [{ checkpoint: t.base, key: t.baseKey, report: reports.get(t.baseKey) }].concat(t.columns);
    const head = document.getElementById('trajectory-probe-head');
    head.replaceChildren(el('th', { scope: 'col' }, 'Layer'),
      ...sources.map((s) => el('th', { scope: 'col', class: 'num', 'data-checkpoint': s.checkpoint }, s.checkpoint)));
    const body = document.getElementById('trajectory-probe-body');
    if (layers === 0) {
      body.replaceChildren(el('tr', { class: 'empty-row' },
        el('td', { colspan: sources.length + 1 }, 'Waiting for the first reviews…')));
      return;
    }
    const rows = [];
    for (let i = 0; i < layers; i++) {
      rows.push(el('tr', { 'data-layer': i },
        el('th', { scope: 'row', 'data-value': i }, String(i)),
        ...sources.map((s) => {
          const probe = s.report.probe || {};
          const list = Array.isArray(probe[s.checkpoint]) ? probe[s.checkpoint] : [];
          const v = isNumber(list[i]) ? list[i] : null;
          const band = interval(((s.report.intervals || {}).probe || {})[s.checkpoint], i);
          const tests = isNumber(probe.testReviews) ? `, ${count(probe.testReviews)} test reviews` : '';
          return el('td', {
            class: 'num', 'data-checkpoint': s.checkpoint, 'data-pair': s.key, 'data-value': raw(v),
            'data-lo': raw(band ? band[0] : null), 'data-hi': raw(band ? band[1] : null),
            title: `${s.checkpoint}, layer ${i}: probe accuracy ${fixed(v, 3)} `
              + (band ? `[${fixed(band[0], 3)}, ${fixed(band[1], 3)}] (${level} Wilson interval${tests})` : '(no interval yet)'),
          }, el('span', { class: 'bar', style: `--v: ${v === null ? 0 : Math.min(1, Math.max(0, v))}`, 'aria-hidden': 'true' }),
          el('span', { class: 'val' }, fixed(v, 3)));
        })));
    }
    body.replaceChildren(...rows);
  }

  // ---- start --------------------------------------------------------------------------------------

  document.querySelectorAll('input[name="heatmap-kind"]').forEach((input) => {
    input.addEventListener('change', () => {
      if (latest) {
        const [first, second] = latest.pair || ['first', 'second'];
        renderHeatmap(latest, first, second);
      }
    });
  });
  document.getElementById('pair-select').addEventListener('change', (event) => {
    userChose = true;
    choose(event.target.value);
  });
  setInterval(tickAge, 1000);
  connect();
})();
