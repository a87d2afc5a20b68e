// VidForge player: hls.js where Media Source Extensions exist, native HLS otherwise (Safari on iOS);
// with ?format=dash, Shaka Player on the DASH manifest of the same segments.
// It shows what adaptive bitrate is doing and keeps a machine-readable record in window.vf, so an
// automated browser test can compare the player's view with the segment nodes' logs:
//   vf.switches   LEVEL_SWITCHED: the level being played changed (what the viewer sees)
//   vf.source     the master or manifest URL playback started from (with ?early=true when it started early)
//   vf.loads      the level of loaded fragments changed (what the segment node serves: SERVE lines)
//   vf.fragments  every fragment loaded: level, variant, sn, bytes, ms, X-Node-Id, X-Cache
//   vf.caps       server-side caps set from the cap control (POST /s/{session}/shape?kbps=N)
//   vf.marks      labelled moments (vf.mark('…')), e.g. a test throttling the browser's network
// Every entry has t (seconds since the page loaded) and wall (epoch milliseconds, comparable with the
// event logs' ts on the same machine).
(function () {
  'use strict';

  const params = new URLSearchParams(location.search);
  const videoId = params.get('v');
  const asked = params.get('session');
  const session = asked && /^[A-Za-z0-9_-]{1,64}$/.test(asked) ? asked : randomSession();
  // A small forward buffer makes a switch visible soon after the network changes: hls.js loads the next
  // fragment when less than this is buffered, and the played level changes once the playhead gets there.
  const bufferSeconds = Math.min(60, Math.max(4, Number(params.get('buffer')) || 10));
  const ewma = (params.get('ewma') || '').split(',').map(Number);
  if (!(ewma.length === 2 && ewma[0] > 0 && ewma[1] > 0)) { ewma.splice(0, ewma.length, 0.5, 1); }
  const $ = (id) => document.getElementById(id);
  const video = $('video');
  const started = performance.now();

  const vf = window.vf = {
    session, videoId, bufferSeconds, ewma, engine: null, ready: false, cap: 0,
    levels: [], switches: [], loads: [], fragments: [], caps: [], marks: [], errors: [],
    mark,
  };

  $('session').textContent = session;
  document.querySelectorAll('.sid').forEach((e) => { e.textContent = session; });
  // Replay at the end (handy with short clips); hls.js restarts from an empty buffer, see playWithHlsJs.
  $('loop').checked = params.get('loop') !== '0';
  video.loop = $('loop').checked;
  $('loop').addEventListener('change', (e) => { video.loop = e.target.checked && vf.engine === 'native HLS'; });
  $('cap').addEventListener('change', (e) => shape(Number(e.target.value)));

  if (!videoId || !/^[0-9a-f]{64}$/.test(videoId)) {
    fail('Add ?v=VIDEO_ID (64 hex characters) to the address.');
    return;
  }
  if (asked && asked !== session) {
    logLine('session "' + asked + '" is not 1–64 of [A-Za-z0-9_-]; using ' + session, 'down');
  }
  // ?format=dash plays the DASH manifest of the same segments with Shaka Player (loaded only then).
  const dash = params.get('format') === 'dash';
  const src = '/s/' + session + '/' + videoId + (dash ? '/manifest.mpd' : '/master.m3u8');
  let refresh = () => {};

  // A video still being processed: its live progress (Server-Sent Events, GET /videos/{id}/events)
  // until it is playable (ready, or under the chunked plan as soon as its first chunk and audio are
  // accepted: playable early), then playback starts while the rest still encodes. The stream stays open
  // until ready, so a video that fails after playback began stops with its error. No polling.
  // Early playback is an opt-in (?early=true): without it the master answers 409 until ready, as the
  // contract says, so players that cannot follow a growing playlist are never handed one.
  let playing = false;
  // DASH has no early manifest: a DASH session waits for ready.
  const play = (early) => {
    if (!playing && !(early && dash)) { playing = true; startPlayback(early ? src + '?early=true' : src); }
  };
  fetch('/videos/' + videoId).then((r) => r.ok ? r.json() : null).then((v) => {
    if (v && v.title) { $('title').textContent = v.title; }
    if (!v || v.status === 'ready') {
      play();
      return;
    }
    if (v.playable) { play(true); }
    const m = $('message');
    const events = new EventSource('/videos/' + videoId + '/events');
    vf.progressEvents = [];
    events.onmessage = (e) => {
      const p = JSON.parse(e.data);
      vf.progressEvents.push(p);
      if (p.status === 'ready') {
        events.close();
        m.hidden = true;
        play();
      } else if (p.status === 'failed' || p.status === 'deleted') {
        events.close();
        stopPlayback();
        fail('The video ' + p.status + (p.error ? ' (' + p.error.code + '): ' + p.error.message : '') + '.');
      } else if (p.playable) {
        if (!playing) { logLine('playable early: starting while the rest encodes', ''); }
        m.hidden = true;
        play(true);
      } else {
        m.textContent = 'The video is ' + p.status + ' (' + Math.round(100 * (p.progress || 0)) + ' %); it plays once playable.';
        m.hidden = false;
      }
    };
  }).catch(() => play());

  // Ends playback for good (the video failed or was deleted): no retries against playlists that say so.
  function stopPlayback() {
    vf.stopped = true;
    if (vf.hls) { vf.hls.destroy(); }
    video.pause();
  }

  // The JSON error a playback URL answered (409 VIDEO_FAILED, 410 VIDEO_DELETED), or null.
  function playbackRefusal(data) {
    const xhr = data.networkDetails;
    const code = data.response && data.response.code;
    if (!(code === 409 || code === 410) || !xhr) { return null; }
    try {
      const body = JSON.parse(xhr.responseText || (typeof xhr.response === 'string' ? xhr.response : ''));
      return body && body.error ? body.error : { code: 'HTTP_' + code, message: 'HTTP ' + code };
    } catch (e) {
      return { code: 'HTTP_' + code, message: 'HTTP ' + code };
    }
  }

  function startPlayback(url) {
    vf.source = url;
    // After the first frame: previews must not compete with the start of playback, and the session then
    // begins with the master or manifest, as the log report expects.
    video.addEventListener('loadeddata', loadStoryboard, { once: true });
    if (dash) {
      const script = document.createElement('script');
      script.src = 'vendor/shaka-player.compiled.js';
      script.onload = () => playWithShaka(url);
      script.onerror = () => fail('Shaka Player (vendor/shaka-player.compiled.js) did not load.');
      document.head.appendChild(script);
    } else if (window.Hls && Hls.isSupported()) {
      playWithHlsJs(url);
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      playNatively(url);
    } else {
      fail('This browser plays neither HLS nor Media Source Extensions.');
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Seek previews: the storyboard VTT (one cue per preview frame, "sprite#xywh=x,y,w,h") of this session,
  // shown above the seek bar for the time under the pointer. vf.storyboard holds the cues, vf.preview
  // what is shown now.

  function loadStoryboard() {
    fetch('/s/' + session + '/' + videoId + '/storyboard.vtt').then((r) => r.ok ? r.text() : null).then((text) => {
      const cues = text ? parseStoryboard(text) : [];
      if (!cues.length) { return; }
      vf.storyboard = cues;
      setUpSeekBar(cues);
    }).catch(() => {});
  }

  function parseStoryboard(text) {
    const cues = [];
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const m = /^([\d:.]+)\s+-->\s+([\d:.]+)/.exec(lines[i]);
      const ref = m && /^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec((lines[i + 1] || '').trim());
      if (ref) {
        cues.push({ start: seconds(m[1]), end: seconds(m[2]), url: ref[1],
          x: +ref[2], y: +ref[3], w: +ref[4], h: +ref[5] });
      }
    }
    return cues;
  }

  function seconds(ts) {
    return ts.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
  }

  function setUpSeekBar(cues) {
    const bar = $('seek');
    const box = $('preview');
    const frame = $('previewFrame');
    const duration = () => (isFinite(video.duration) && video.duration > 0 ? video.duration : cues[cues.length - 1].end);
    const timeAt = (e) => {
      const r = bar.getBoundingClientRect();
      return Math.max(0, Math.min(1, (e.clientX - r.left) / r.width)) * duration();
    };
    bar.hidden = false;
    bar.addEventListener('pointermove', (e) => {
      const t = timeAt(e);
      const cue = cues.find((c) => t >= c.start && t < c.end) || cues[cues.length - 1];
      frame.style.width = cue.w + 'px';
      frame.style.height = cue.h + 'px';
      frame.style.backgroundImage = 'url("' + cue.url + '")';
      frame.style.backgroundPosition = -cue.x + 'px ' + -cue.y + 'px';
      $('previewTime').textContent = clock(t);
      const r = bar.getBoundingClientRect();
      const half = cue.w / 2 + 4;
      box.style.left = Math.max(half, Math.min(r.width - half, e.clientX - r.left)) + 'px';
      box.hidden = false;
      vf.preview = { t, start: cue.start, end: cue.end, url: cue.url, x: cue.x, y: cue.y, w: cue.w, h: cue.h };
    });
    bar.addEventListener('pointerleave', () => { box.hidden = true; vf.preview = null; });
    bar.addEventListener('click', (e) => { video.currentTime = timeAt(e); });
    video.addEventListener('timeupdate', () => {
      $('seekPlayed').style.width = (100 * video.currentTime / duration()) + '%';
    });
  }

  function clock(t) {
    const s = Math.floor(t);
    return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
  }

  // ---------------------------------------------------------------------------------------------

  function playWithHlsJs(url) {
    vf.engine = 'hls.js ' + Hls.version;
    $('engine').textContent = vf.engine;
    const hls = new Hls({
      // CMCD tells the segment node which object comes next (nor), so it can read ahead exactly.
      cmcd: { sessionId: session, contentId: videoId },
      // hls.js weights each bandwidth sample by its download time, and its averages have half-lives
      // in seconds of download (defaults 3 and 9). On a fast link a low-rung segment downloads in a few
      // milliseconds, so after a slow spell the estimate climbs by about 8·ln2·bytes/half-life per
      // segment: with the defaults about 35 kb/s per 50 KB segment, some 20 segments before it may
      // leave the lowest rung. Short half-lives let the player climb back within a few segments;
      // ?ewma=3,9 restores hls.js's defaults (docs/abr.md).
      abrEwmaFastVoD: ewma[0],
      abrEwmaSlowVoD: ewma[1],
      // Both limits: hls.js otherwise grows the buffer up to maxMaxBufferLength for low bit rates.
      maxBufferLength: bufferSeconds,
      maxMaxBufferLength: bufferSeconds,
      // Drop what was played long ago.
      backBufferLength: 10,
    });
    // Looping with the element's own loop would replay the previous pass's buffered segments, whatever
    // their level: the played level would contradict what was just loaded. Start each pass empty
    // instead, so it is loaded (and logged by the segment node) at the level ABR chooses now.
    video.loop = false;
    video.addEventListener('ended', () => {
      if (!$('loop').checked) { return; }
      hls.trigger(Hls.Events.BUFFER_FLUSHING, { startOffset: 0, endOffset: Number.POSITIVE_INFINITY, type: null });
      video.currentTime = 0;
      video.play().catch(() => {});
      mark('replay from the start');
    });
    vf.hls = hls;
    hls.loadSource(url);
    hls.attachMedia(video);

    hls.on(Hls.Events.MANIFEST_PARSED, (_, data) => {
      vf.levels = data.levels.map((l, i) => ({ index: i, name: variantName(l), height: l.height, width: l.width,
        bitrate: l.bitrate }));
      const sel = $('levelSelect');
      vf.levels.forEach((l) => {
        const o = document.createElement('option');
        o.value = String(l.index);
        o.textContent = l.name + ' · ' + l.width + '×' + l.height + ' · ' + kbps(l.bitrate);
        sel.appendChild(o);
      });
      // currentLevel switches at once (the buffer is replaced); -1 hands control back to ABR.
      sel.addEventListener('change', () => {
        hls.currentLevel = Number(sel.value);
        logLine(Number(sel.value) < 0 ? 'quality: auto' : 'quality fixed at ' + vf.levels[Number(sel.value)].name, '');
      });
      vf.ready = true;
      logLine('ladder: ' + vf.levels.map((l) => l.name + ' ' + kbps(l.bitrate)).join(', '), '');
      video.play().catch(() => {});
    });

    hls.on(Hls.Events.LEVEL_SWITCHED, (_, data) => {
      const l = vf.levels[data.level];
      const entry = change(vf.switches, l);
      logLine(entry.direction === 'start' ? 'playing ' + l.name :
        arrow(entry.direction) + ' playing ' + l.name + ' (' + kbps(l.bitrate) + ')', entry.direction);
      showPlaying(l);
      refresh();
    });

    hls.on(Hls.Events.FRAG_LOADED, (_, data) => {
      const frag = data.frag;
      if (frag.type && frag.type !== 'main') { return; }
      const l = vf.levels[frag.level];
      const xhr = data.networkDetails;
      const header = (name) => (xhr && xhr.getResponseHeader ? xhr.getResponseHeader(name) : null);
      const stats = frag.stats || {};
      const loading = stats.loading || {};
      const f = { t: now(), wall: Date.now(), level: frag.level, variant: l ? l.name : null, sn: frag.sn,
        bytes: stats.loaded || stats.total || 0, ms: Math.round((loading.end || 0) - (loading.start || 0)),
        node: header('X-Node-Id'), cache: header('X-Cache') };
      vf.fragments.push(f);
      const last = vf.loads.length ? vf.loads[vf.loads.length - 1] : null;
      if (l && (!last || last.level !== frag.level)) {
        const entry = change(vf.loads, l);
        entry.sn = frag.sn;
        if (entry.direction !== 'start') {
          logLine(arrow(entry.direction) + ' loading ' + l.name + ' from segment ' + frag.sn, entry.direction);
        }
      }
      $('loading').textContent = l ? l.name + ' · ' + kbps(l.bitrate) : '–';
      $('node').textContent = '#' + frag.sn + ' ' + (f.node || '?') + (f.cache ? ' · ' + f.cache : '')
        + (f.ms > 0 ? ' · ' + kbps(f.bytes * 8000 / f.ms) : '');
    });

    hls.on(Hls.Events.ERROR, (_, data) => {
      vf.errors.push({ t: now(), wall: Date.now(), type: data.type, details: data.details, fatal: data.fatal });
      const refusal = playbackRefusal(data);
      if (refusal) {
        // The video failed or was deleted while playing: say so and stop, whatever hls.js would retry.
        stopPlayback();
        fail('Playback stopped: ' + refusal.message + ' (' + refusal.code + ')');
        return;
      }
      if (!data.fatal || vf.stopped) { return; }
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
        logLine('network error: ' + data.details + ', retrying', 'down');
        hls.startLoad();
      } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
        logLine('media error: ' + data.details + ', recovering', 'down');
        hls.recoverMediaError();
      } else {
        fail('Playback failed: ' + data.details);
      }
    });

    refresh = () => {
      const playing = vf.switches.length ? vf.switches[vf.switches.length - 1].bitrate : null;
      const loadingLevel = vf.levels[hls.loadLevel];
      $('estimate').textContent = kbps(hls.bandwidthEstimate);
      $('buffer').textContent = bufferAhead().toFixed(1) + ' s (target ' + bufferSeconds + ' s)';
      sample(playing, loadingLevel ? loadingLevel.bitrate : null, hls.bandwidthEstimate);
    };
    setInterval(refresh, 500);
  }

  // DASH with Shaka Player: the ladder from its variant tracks, the played rung from its adaptation
  // events; the same records in window.vf as with hls.js (no per-fragment details).
  function playWithShaka(url) {
    shaka.polyfill.installAll();
    if (!shaka.Player.isBrowserSupported()) {
      fail('This browser cannot play DASH (no Media Source Extensions).');
      return;
    }
    vf.engine = 'Shaka Player ' + shaka.Player.version + ' (DASH)';
    $('engine').textContent = vf.engine;
    ['loading', 'node'].forEach((id) => { $(id).textContent = 'n/a (Shaka Player)'; });
    const player = new shaka.Player();
    window.vfShaka = player; // not in vf: tests serialise vf
    player.configure({ streaming: { bufferingGoal: bufferSeconds, bufferBehind: 10 } });
    const levelOf = (t) => vf.levels.find((l) => l.height === t.height && l.bitrate === t.videoBandwidth)
      || vf.levels.find((l) => l.height === t.height);
    const showActive = () => {
      const t = player.getVariantTracks().find((x) => x.active);
      const l = t && levelOf(t);
      if (!l || (vf.switches.length && vf.switches[vf.switches.length - 1].level === l.index)) { return; }
      const entry = change(vf.switches, l);
      logLine((entry.direction === 'start' ? 'playing ' : arrow(entry.direction) + ' playing ') + l.name, entry.direction);
      showPlaying(l);
    };
    player.addEventListener('error', (e) => {
      const d = e.detail || {};
      vf.errors.push({ t: now(), wall: Date.now(), type: 'shaka', details: String(d.code), fatal: d.severity === 2 });
      if (d.severity === 2) { fail('Playback failed: Shaka error ' + d.code); }
    });
    player.addEventListener('adaptation', showActive);
    player.addEventListener('variantchanged', showActive);
    player.attach(video).then(() => player.load(url)).then(() => {
      const seen = new Map();
      player.getVariantTracks().forEach((t) => {
        if (!seen.has(t.height)) { seen.set(t.height, t); }
      });
      vf.levels = [...seen.values()].sort((a, b) => a.height - b.height).map((t, i) => ({ index: i,
        name: Math.min(t.width, t.height) + 'p', height: t.height, width: t.width, bitrate: t.videoBandwidth || t.bandwidth }));
      const sel = $('levelSelect');
      vf.levels.forEach((l) => {
        const o = document.createElement('option');
        o.value = String(l.index);
        o.textContent = l.name + ' · ' + l.width + '×' + l.height + ' · ' + kbps(l.bitrate);
        sel.appendChild(o);
      });
      sel.addEventListener('change', () => {
        const l = vf.levels[Number(sel.value)];
        player.configure({ abr: { enabled: !l } });
        if (l) {
          const t = player.getVariantTracks().find((x) => x.height === l.height);
          if (t) { player.selectVariantTrack(t, true); }
        }
      });
      vf.ready = true;
      logLine('ladder: ' + vf.levels.map((l) => l.name + ' ' + kbps(l.bitrate)).join(', '), '');
      showActive();
      video.play().catch(() => {});
    }).catch((e) => fail('Playback failed: ' + (e && e.code ? 'Shaka error ' + e.code : e)));
    refresh = () => {
      const stats = player.getStats();
      $('estimate').textContent = kbps(stats.estimatedBandwidth);
      $('buffer').textContent = bufferAhead().toFixed(1) + ' s (target ' + bufferSeconds + ' s)';
      sample(vf.switches.length ? vf.switches[vf.switches.length - 1].bitrate : null, null, stats.estimatedBandwidth);
    };
    setInterval(refresh, 500);
  }

  // Safari (and iOS) play HLS natively: no level events, but the decoded resolution tells the rung, and
  // the master playlist (fetched here too) tells its bit rate.
  function playNatively(url) {
    vf.engine = 'native HLS';
    $('engine').textContent = vf.engine;
    $('levelSelect').disabled = true;
    // The browser's own player does not say what it loads or how fast it thinks the network is.
    ['loading', 'estimate', 'node'].forEach((id) => { $(id).textContent = 'n/a (native HLS)'; });
    fetch(url).then((r) => r.text()).then((text) => {
      vf.levels = parseMaster(text);
      logLine('ladder: ' + vf.levels.map((l) => l.name + ' ' + kbps(l.bitrate)).join(', '), '');
    }).catch(() => {});
    video.src = url;
    video.addEventListener('loadedmetadata', () => { vf.ready = true; video.play().catch(() => {}); });
    let lastHeight = 0;
    video.addEventListener('resize', () => {
      if (video.videoHeight && video.videoHeight !== lastHeight) {
        const l = vf.levels.find((x) => x.height === video.videoHeight)
          || { index: -1, name: video.videoHeight + 'p', height: video.videoHeight, width: video.videoWidth, bitrate: null };
        const entry = change(vf.switches, l);
        logLine((entry.direction === 'start' ? 'playing ' : arrow(entry.direction) + ' playing ') + l.name, entry.direction);
        showPlaying(l);
        refresh();
        lastHeight = video.videoHeight;
      }
    });
    refresh = () => {
      $('buffer').textContent = bufferAhead().toFixed(1) + ' s';
      sample(vf.switches.length ? vf.switches[vf.switches.length - 1].bitrate : null, null, null);
    };
    setInterval(refresh, 500);
  }

  // Asks the segment node to cap this session's throughput: ABR in any browser, Safari included,
  // without developer tools.
  function shape(kbpsValue) {
    fetch('/s/' + session + '/shape?kbps=' + kbpsValue, { method: 'POST' })
      .then((r) => {
        const entry = { t: now(), wall: Date.now(), kbps: kbpsValue, ok: r.ok };
        vf.caps.push(entry);
        if (!r.ok) {
          logLine('cap refused: HTTP ' + r.status, 'down');
          return;
        }
        vf.cap = kbpsValue;
        $('capState').textContent = kbpsValue ? kbps(kbpsValue * 1000) : 'none';
        logLine(kbpsValue ? 'server-side cap ' + kbps(kbpsValue * 1000) : 'server-side cap removed', 'mark');
      })
      .catch((e) => logLine('cap failed: ' + e, 'down'));
  }

  /** A labelled moment on the chart and in the log (tests mark browser throttling with it). */
  function mark(label) {
    const entry = { t: now(), wall: Date.now(), label: String(label) };
    vf.marks.push(entry);
    logLine('mark: ' + entry.label, 'mark');
    return entry;
  }

  /** Appends a level change to list (switches or loads), with its direction by bit rate. */
  function change(list, l) {
    const prev = list.length ? list[list.length - 1] : null;
    const entry = { t: now(), wall: Date.now(), level: l.index, variant: l.name, height: l.height, bitrate: l.bitrate,
      direction: prev == null ? 'start' : (l.bitrate > prev.bitrate || (l.bitrate == null && l.height > prev.height)
        ? 'up' : 'down') };
    list.push(entry);
    if (list === vf.switches) {
      const downs = list.filter((s) => s.direction === 'down').length;
      const ups = list.filter((s) => s.direction === 'up').length;
      $('switches').textContent = (downs + ups) + ' (' + downs + ' ▼ / ' + ups + ' ▲)';
    }
    return entry;
  }

  // ---------------------------------------------------------------------------------------------
  // Live chart: the last two minutes of played and loading level, bandwidth estimate and cap, on one
  // logarithmic bit-rate axis, so the estimate can be compared with the rungs it chooses between.

  const WINDOW = 120;
  const points = [];
  function sample(playing, loading, estimate) {
    points.push({ t: now(), playing, loading, estimate, cap: vf.cap ? vf.cap * 1000 : null });
    while (points.length && points[0].t < now() - WINDOW) { points.shift(); }
    draw();
  }

  function draw() {
    const c = $('chart');
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth, h = c.clientHeight;
    if (!w || !h) { return; }
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const pad = { l: 44, r: 118, t: 12, b: 22 };
    const t1 = Math.max(now(), 30);
    const t0 = Math.max(0, t1 - WINDOW, points.length ? points[0].t : 0);
    const span = Math.max(30, t1 - t0);
    const x = (t) => pad.l + (w - pad.l - pad.r) * (t - t0) / span;
    const rates = vf.levels.map((l) => l.bitrate).filter((b) => b > 0);
    const lo = Math.min(100e3, ...rates.map((b) => b / 1.6));
    const hi = Math.max(10e6, ...rates.map((b) => b * 2.5));
    const y = (b) => {
      const v = Math.min(hi, Math.max(lo, b));
      return h - pad.b - (h - pad.t - pad.b) * (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo));
    };
    g.font = '11px system-ui, sans-serif';
    g.lineWidth = 1;

    // Bit-rate scale on the left, rungs as grid lines labelled on the right.
    g.fillStyle = '#6b7286';
    g.textAlign = 'right';
    [100e3, 300e3, 1e6, 3e6, 10e6, 30e6].filter((b) => b >= lo && b <= hi).forEach((b) => {
      g.fillText(b >= 1e6 ? b / 1e6 + 'M' : b / 1e3 + 'k', pad.l - 6, y(b) + 4);
    });
    g.textAlign = 'left';
    vf.levels.forEach((l) => {
      g.strokeStyle = '#2a3040';
      g.setLineDash([]);
      line(g, pad.l, y(l.bitrate), w - pad.r, y(l.bitrate));
      g.fillStyle = '#9aa1b4';
      g.fillText(l.name + ' · ' + kbps(l.bitrate), w - pad.r + 6, y(l.bitrate) + 4);
    });

    // Time axis.
    g.strokeStyle = '#3a4152';
    line(g, pad.l, h - pad.b, w - pad.r, h - pad.b);
    const tick = span > 60 ? 20 : 10;
    g.fillStyle = '#6b7286';
    g.textAlign = 'center';
    for (let t = Math.ceil(t0 / tick) * tick; t <= t0 + span; t += tick) {
      line(g, x(t), h - pad.b, x(t), h - pad.b + 4);
      g.fillText(t + ' s', x(t), h - 6);
    }

    // Marks and cap changes: vertical lines with labels.
    g.textAlign = 'left';
    const labelled = vf.marks.map((m) => ({ t: m.t, label: m.label }))
      .concat(vf.caps.filter((k) => k.ok).map((k) => ({ t: k.t, label: k.kbps ? 'cap ' + kbps(k.kbps * 1000) : 'cap off' })));
    const labels = [];
    labelled.filter((m) => m.t >= t0).sort((a, b) => a.t - b.t).forEach((m, i) => {
      g.strokeStyle = '#8a90a2';
      g.setLineDash([2, 3]);
      line(g, x(m.t), pad.t, x(m.t), h - pad.b);
      g.setLineDash([]);
      labels.push({ x: x(m.t) + 3, y: pad.t + 22 + (i % 3) * 14, text: m.label });
    });

    const visible = points.filter((p) => p.t >= t0);
    series(g, visible, 'cap', x, y, '#ff5c5c', 1.5, [6, 4], false);
    series(g, visible, 'estimate', x, y, '#ffb347', 1.5, [], false);
    series(g, visible, 'loading', x, y, '#9fc1ff', 1.5, [4, 3], true);
    series(g, visible, 'playing', x, y, '#4f8cff', 3, [], true);
    g.setLineDash([]);
    // Mark labels last, on a backing, so the lines do not run through them.
    labels.forEach((l) => {
      const width = g.measureText(l.text).width;
      g.fillStyle = 'rgba(16, 19, 26, 0.85)';
      g.fillRect(l.x - 2, l.y - 10, width + 4, 13);
      g.fillStyle = '#c8ccd8';
      g.fillText(l.text, l.x, l.y);
    });
    const lastPoint = visible[visible.length - 1];
    if (lastPoint && lastPoint.estimate > hi) {
      g.fillStyle = '#ffb347';
      g.textAlign = 'right';
      g.fillText('estimate ' + kbps(lastPoint.estimate) + ' (off scale)', w - pad.r - 4, pad.t + 10);
      g.textAlign = 'left';
    }
  }

  /** One series as a line (step line for levels); a gap where the value is missing. */
  function series(g, pts, key, x, y, color, width, dash, step) {
    g.strokeStyle = color;
    g.lineWidth = width;
    g.setLineDash(dash);
    g.beginPath();
    let prev = null;
    pts.forEach((p) => {
      const v = p[key];
      if (!(v > 0)) { prev = null; return; }
      if (prev == null) {
        g.moveTo(x(p.t), y(v));
      } else if (step) {
        g.lineTo(x(p.t), y(prev));
        g.lineTo(x(p.t), y(v));
      } else {
        g.lineTo(x(p.t), y(v));
      }
      prev = v;
    });
    g.stroke();
    g.lineWidth = 1;
  }

  function line(g, x1, y1, x2, y2) {
    g.beginPath();
    g.moveTo(x1, y1);
    g.lineTo(x2, y2);
    g.stroke();
  }

  // ---------------------------------------------------------------------------------------------

  /** The segment node's variant name (720p, …): the directory of the level's playlist URL. */
  function variantName(l) {
    const u = Array.isArray(l.url) ? l.url[0] : l.url;
    const m = /\/([A-Za-z0-9_-]+)\/index\.m3u8/.exec(u || '');
    return m ? m[1] : (l.name || l.height + 'p');
  }

  function parseMaster(text) {
    const lines = text.split(/\r?\n/);
    const out = [];
    lines.forEach((line, i) => {
      if (!line.startsWith('#EXT-X-STREAM-INF:')) { return; }
      const bw = /(?:^|[:,])BANDWIDTH=(\d+)/.exec(line);
      const res = /RESOLUTION=(\d+)x(\d+)/.exec(line);
      const uri = (lines[i + 1] || '').trim();
      out.push({ name: variantName({ url: uri }), bitrate: bw ? Number(bw[1]) : null,
        width: res ? Number(res[1]) : 0, height: res ? Number(res[2]) : 0 });
    });
    out.sort((a, b) => a.bitrate - b.bitrate);
    out.forEach((l, i) => { l.index = i; });
    return out;
  }

  function showPlaying(l) {
    $('level').textContent = l.name + (l.index >= 0 ? ' (level ' + l.index + ' of ' + vf.levels.length + ')' : '');
    $('resolution').textContent = (l.width ? l.width + '×' + l.height : '?') + ' · ' + kbps(l.bitrate);
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
    const time = document.createElement('span');
    time.className = 'time';
    time.textContent = now().toFixed(1) + ' s';
    li.appendChild(time);
    li.appendChild(document.createTextNode(text));
    if (cls) { li.className = cls; }
    $('log').prepend(li);
  }

  function fail(text) {
    const m = $('message');
    m.textContent = text;
    m.hidden = false;
    vf.errors.push({ t: now(), wall: Date.now(), fatal: true, details: text });
  }

  function arrow(direction) { return direction === 'up' ? '▲' : '▼'; }
  function now() { return (performance.now() - started) / 1000; }
  function kbps(bps) {
    if (!(bps > 0)) { return '–'; }
    return bps >= 1e6 ? (bps / 1e6).toFixed(bps >= 10e6 ? 0 : 2) + ' Mb/s' : Math.round(bps / 1e3) + ' kb/s';
  }
  function randomSession() {
    const a = new Uint8Array(12);
    crypto.getRandomValues(a);
    return Array.from(a, (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
  }
})();
