// VidForge player: hls.js where Media Source Extensions exist, native HLS otherwise (Safari on iOS).
// It shows what adaptive bitrate is doing and keeps a machine-readable record in window.vf so an
// automated browser test can compare the player's view with the segment nodes' logs.
(function () {
  'use strict';

  const params = new URLSearchParams(location.search);
  const videoId = params.get('v');
  const session = params.get('session') || randomSession();
  const $ = (id) => document.getElementById(id);
  const video = $('video');
  const started = performance.now();

  // What the test harness reads: level switches, fragments loaded (with the node that served them).
  const vf = window.vf = { session, videoId, engine: null, levels: [], switches: [], fragments: [], errors: [], ready: false };

  $('session').textContent = session;

  if (!videoId || !/^[0-9a-f]{64}$/.test(videoId)) {
    return fail('Add ?v=VIDEO_ID (64 hex characters) to the address.');
  }
  fetch('/videos/' + videoId).then((r) => r.ok ? r.json() : null).then((v) => {
    if (v && v.title) { $('title').textContent = v.title; }
  }).catch(() => {});

  const src = '/s/' + session + '/' + videoId + '/master.m3u8';

  if (window.Hls && Hls.isSupported()) {
    playWithHlsJs(src);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    playNatively(src);
  } else {
    fail('This browser plays neither HLS nor Media Source Extensions.');
  }

  $('cap').addEventListener('change', (e) => shape(Number(e.target.value)));

  // ---------------------------------------------------------------------------------------------

  function playWithHlsJs(url) {
    vf.engine = 'hls.js ' + Hls.version;
    $('engine').textContent = vf.engine;
    const hls = new Hls({
      // CMCD tells the segment node which object comes next (nor), so it can read ahead exactly.
      cmcd: { sessionId: session, contentId: videoId },
      // Start from the bandwidth estimate, not a fixed level, and react quickly in demos.
      abrEwmaFastVoD: 2,
      abrEwmaSlowVoD: 6,
      maxBufferLength: 12,
      maxMaxBufferLength: 20,
    });
    vf.hls = hls;
    hls.loadSource(url);
    hls.attachMedia(video);

    hls.on(Hls.Events.MANIFEST_PARSED, (_, data) => {
      vf.levels = data.levels.map((l, i) => ({ index: i, height: l.height, width: l.width, bitrate: l.bitrate, name: l.name || (l.height + 'p') }));
      const sel = $('levelSelect');
      vf.levels.forEach((l) => {
        const o = document.createElement('option');
        o.value = String(l.index);
        o.textContent = l.height + 'p · ' + kbps(l.bitrate);
        sel.appendChild(o);
      });
      sel.addEventListener('change', () => { hls.currentLevel = Number(sel.value); });
      vf.ready = true;
      video.play().catch(() => {});
    });

    hls.on(Hls.Events.LEVEL_SWITCHED, (_, data) => {
      const l = hls.levels[data.level];
      const prev = vf.switches.length ? vf.switches[vf.switches.length - 1] : null;
      const entry = { t: now(), level: data.level, height: l.height, bitrate: l.bitrate,
        direction: prev == null ? 'start' : (l.bitrate > prev.bitrate ? 'up' : 'down') };
      vf.switches.push(entry);
      logLine(entry.direction === 'start' ? 'start at ' + l.height + 'p' :
        (entry.direction === 'up' ? '▲ ' : '▼ ') + l.height + 'p (' + kbps(l.bitrate) + ')', entry.direction);
      $('switches').textContent = String(Math.max(0, vf.switches.length - 1));
      showLevel(l, data.level);
    });

    hls.on(Hls.Events.FRAG_LOADED, (_, data) => {
      const xhr = data.networkDetails;
      const node = xhr && xhr.getResponseHeader ? xhr.getResponseHeader('X-Node-Id') : null;
      const cache = xhr && xhr.getResponseHeader ? xhr.getResponseHeader('X-Cache') : null;
      vf.fragments.push({ t: now(), level: data.frag.level, sn: data.frag.sn, node, cache,
        bytes: data.payload ? data.payload.byteLength : 0 });
      if (node) { $('node').textContent = node + (cache ? ' · ' + cache : ''); }
    });

    hls.on(Hls.Events.ERROR, (_, data) => {
      vf.errors.push({ t: now(), type: data.type, details: data.details, fatal: data.fatal });
      if (!data.fatal) { return; }
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
        logLine('network error: ' + data.details + ', retrying', 'down');
        hls.startLoad();
      } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError();
      } else {
        fail('Playback failed: ' + data.details);
      }
    });

    setInterval(() => {
      $('estimate').textContent = kbps(hls.bandwidthEstimate);
      $('buffer').textContent = bufferAhead().toFixed(1) + ' s';
      sample(hls.currentLevel >= 0 ? hls.currentLevel : hls.loadLevel, hls.bandwidthEstimate);
    }, 500);
  }

  // Safari (and iOS) play HLS natively: no level events, but the rendered resolution tells the rung.
  function playNatively(url) {
    vf.engine = 'native HLS';
    $('engine').textContent = vf.engine;
    video.src = url;
    video.addEventListener('loadedmetadata', () => { vf.ready = true; video.play().catch(() => {}); });
    let lastHeight = 0;
    video.addEventListener('resize', () => {
      if (video.videoHeight && video.videoHeight !== lastHeight) {
        const direction = lastHeight === 0 ? 'start' : (video.videoHeight > lastHeight ? 'up' : 'down');
        vf.switches.push({ t: now(), height: video.videoHeight, direction });
        logLine((direction === 'up' ? '▲ ' : direction === 'down' ? '▼ ' : 'start at ') + video.videoHeight + 'p', direction);
        $('switches').textContent = String(Math.max(0, vf.switches.length - 1));
        lastHeight = video.videoHeight;
      }
      $('resolution').textContent = video.videoWidth + '×' + video.videoHeight;
    });
    setInterval(() => {
      $('buffer').textContent = bufferAhead().toFixed(1) + ' s';
      sample(null, null);
    }, 500);
  }

  // Asks the segment service to cap this session's throughput: ABR in any browser, Safari included,
  // without developer tools.
  function shape(kbpsValue) {
    fetch('/s/' + session + '/shape?kbps=' + kbpsValue, { method: 'POST' })
      .then((r) => logLine(kbpsValue ? 'server cap ' + kbpsValue + ' kb/s' : 'server cap removed', r.ok ? '' : 'down'))
      .catch((e) => logLine('cap failed: ' + e, 'down'));
  }

  // ---------------------------------------------------------------------------------------------
  // Live chart: level (step line) and bandwidth estimate over the last two minutes.

  const points = [];
  function sample(level, estimate) {
    points.push({ t: now(), level, estimate });
    while (points.length && points[0].t < now() - 120) { points.shift(); }
    draw();
  }

  function draw() {
    const c = $('chart');
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth, h = c.clientHeight;
    if (c.width !== w * dpr) { c.width = w * dpr; c.height = h * dpr; }
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    if (!points.length) { return; }
    const t0 = points[0].t, t1 = Math.max(points[points.length - 1].t, t0 + 10);
    const x = (t) => 8 + (w - 16) * (t - t0) / (t1 - t0);
    const levels = Math.max(1, vf.levels.length);
    const yLevel = (l) => h - 12 - (h - 24) * (l + 0.5) / levels;
    const maxBw = Math.max(1, ...points.map((p) => p.estimate || 0), ...vf.levels.map((l) => l.bitrate));
    const yBw = (b) => h - 12 - (h - 24) * b / maxBw;

    g.strokeStyle = '#252a35';
    g.lineWidth = 1;
    vf.levels.forEach((l) => { g.beginPath(); g.moveTo(8, yLevel(l.index)); g.lineTo(w - 8, yLevel(l.index)); g.stroke(); });
    g.fillStyle = '#8a90a2';
    g.font = '10px system-ui';
    vf.levels.forEach((l) => g.fillText(l.height + 'p', w - 40, yLevel(l.index) - 2));

    g.strokeStyle = '#ffb347';
    g.beginPath();
    points.filter((p) => p.estimate).forEach((p, i) => (i ? g.lineTo(x(p.t), yBw(p.estimate)) : g.moveTo(x(p.t), yBw(p.estimate))));
    g.stroke();

    g.strokeStyle = '#4f8cff';
    g.lineWidth = 2.5;
    g.beginPath();
    let prev = null;
    points.filter((p) => p.level != null && p.level >= 0).forEach((p) => {
      if (prev == null) { g.moveTo(x(p.t), yLevel(p.level)); } else { g.lineTo(x(p.t), yLevel(prev)); g.lineTo(x(p.t), yLevel(p.level)); }
      prev = p.level;
    });
    g.stroke();
  }

  // ---------------------------------------------------------------------------------------------

  function showLevel(l, index) {
    $('level').textContent = String(index) + ' (' + (l.name || l.height + 'p') + ')';
    $('resolution').textContent = l.width + '×' + l.height;
    $('bitrate').textContent = kbps(l.bitrate);
  }

  function bufferAhead() {
    const b = video.buffered;
    for (let i = 0; i < b.length; i++) {
      if (b.start(i) <= video.currentTime + 0.1 && b.end(i) >= video.currentTime) { return b.end(i) - video.currentTime; }
    }
    return 0;
  }

  function logLine(text, cls) {
    const li = document.createElement('li');
    li.textContent = now().toFixed(1) + ' s  ' + text;
    if (cls) { li.className = cls; }
    $('log').prepend(li);
  }

  function fail(text) {
    const m = $('message');
    m.textContent = text;
    m.hidden = false;
    vf.errors.push({ t: now(), fatal: true, details: text });
  }

  function now() { return (performance.now() - started) / 1000; }
  function kbps(bps) { return bps ? (bps >= 1e6 ? (bps / 1e6).toFixed(2) + ' Mb/s' : Math.round(bps / 1e3) + ' kb/s') : '–'; }
  function randomSession() {
    const a = new Uint8Array(9);
    crypto.getRandomValues(a);
    return Array.from(a, (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
  }
})();
