// zcrecd's page: cameras with live view, a zoomable 24-hour timeline per camera (footage, gaps, events) that
// plays from any moment through clip.mp4, event stepping, speed, and range download with progress.
// Plain modern JavaScript with no dependencies: the box may be offline, so nothing comes from a CDN.
'use strict';

const $ = (id) => document.getElementById(id);
const HOUR = 3600e3;
const DAY = 24 * HOUR;
// Any H.265 Main profile string: Chromium on Linux answers per codec family, not per level.
const HEVC_TYPE = 'video/mp4; codecs="hvc1.1.6.L93.B0"';

const state = {
  page: null,          // 'grid', 'review' or 'camera' (null until the cameras are known)
  cameras: [],
  retired: [],         // renamed or removed cameras whose footage is still kept: {name, last_ms, ...}
  camera: null,        // selected camera name
  retiredEnd: null,    // the selected camera's last footage (ms) when it is retired: no live view
  codec: null,         // its stream's codec ("h264", "h265") when known
  view: { from: 0, to: 0 },  // visible span of the timeline, ms since the epoch
  timeline: { recordings: [], gaps: [], events: [], jumps: [] },
  clip: null,          // {from, to} (ms) of the clip in the player
  selection: null,     // {from, to} (ms)
  drag: null,
};

// ---- HTTP ---------------------------------------------------------------------------------------------------

class Unauthorized extends Error {}

async function api(path, options = {}) {
  const res = await fetch(path, { credentials: 'same-origin', ...options });
  if (res.status === 401) throw new Unauthorized('the API needs a token');
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try { message = (await res.json()).error.message; } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  return res.status === 204 ? null : res.json();
}

const cameraPath = (name) => `/api/v1/cameras/${encodeURIComponent(name)}`;
const iso = (ms) => new Date(ms).toISOString();
const clipUrl = (name, from, to, download) =>
  `${cameraPath(name)}/clip.mp4?from=${encodeURIComponent(iso(from))}&to=${encodeURIComponent(iso(to))}` +
  (download ? '&download=1' : '');

function say(text) { $('status').textContent = text; }

// ---- the timeline route's document ------------------------------------------------------------------------

// Times come as RFC 3339 and as integer ms (`start_ms`); an open span (a recording being written, an event not
// ended) has no end and reaches "now".
function span(o, now) {
  return { ...o, from: o.start_ms, to: o.end_ms ?? now };
}

// Footage comes as spans of segments merged where one follows another: each span is one bar, and what the
// page counts as a recording.
function normalizeTimeline(j, now) {
  return {
    recordings: (j.recordings || []).map((r) => span(r, now)),
    gaps: (j.gaps || []).map((g) => span(g, now)),
    events: (j.events || []).map((e) => span(e, now)).sort((a, b) => a.from - b.from),
    jumps: (j.clock_jumps || []).map((c) => ({ ...c, at: c.at_ms })),
  };
}

// ---- cameras and live view -------------------------------------------------------------------------------

function cameraButton(name, stateText, retiredEnd) {
  const b = document.createElement('button');
  b.type = 'button';
  b.dataset.camera = name;
  b.className = name === state.camera ? 'selected' : '';
  b.append(name);
  const s = document.createElement('span');
  s.className = 'state';
  s.textContent = stateText;
  b.append(s);
  b.addEventListener('click', () => selectCamera(name, retiredEnd));
  return b;
}

async function loadCameras() {
  const j = await api('/api/v1/cameras');
  state.cameras = j.items;
  state.retired = j.retired || [];
  const nav = $('cameras');
  const children = state.cameras.map((c) => {
    const b = cameraButton(c.name, `${c.ingest_state} · ${c.recording_state}`, null);
    // The states' meanings and which of them are trouble come with the answer (camera_state.h, the one list).
    const ingest = (j.states?.ingest || []).find((x) => x.name === c.ingest_state);
    const recording = (j.states?.recording || []).find((x) => x.name === c.recording_state);
    const s = b.querySelector('.state');
    if (ingest?.trouble || recording?.trouble) s.classList.add('trouble');
    s.title = [ingest?.meaning, recording?.meaning, c.last_error ? `last error: ${c.last_error}` : '']
      .filter(Boolean).join('\n');
    return b;
  });
  if (state.retired.length > 0) {
    // Renamed or removed cameras: their footage plays by the name it was recorded under until retention
    // deletes it.
    const h = document.createElement('h2');
    h.className = 'retired';
    h.textContent = 'Retired';
    children.push(h);
    for (const r of state.retired) {
      const b = cameraButton(r.name, `footage until ${new Date(r.last_ms).toLocaleString()}`, r.last_ms);
      b.classList.add('retired');
      children.push(b);
    }
  }
  nav.replaceChildren(...children);
  if (state.page === 'grid') renderGrid(j.states);
  // The landing view: every camera at once when there are several, the one camera's view when there is one.
  if (state.page === null && state.cameras.length > 1) showView('grid');
  else if (state.page === null && state.cameras.length > 0) await selectCamera(state.cameras[0].name, null);
}

// Which of the page's views shows: the grid of all cameras, the event review, or one camera's live view and
// timeline. Leaving the camera view stops its live stream: a hidden <video> would still hold a connection.
function showView(page) {
  state.page = page;
  $('grid').hidden = page !== 'grid';
  $('review').hidden = page !== 'review';
  $('health').hidden = page !== 'health';
  $('viewer').hidden = page !== 'camera';
  for (const b of $('views').querySelectorAll('button')) b.classList.toggle('selected', b.dataset.view === page);
  if (page !== 'camera') {
    clearTimeout(liveRetry);
    $('live').removeAttribute('src');
    $('live').load();
    stopPlayer();
    state.camera = null;
    for (const b of $('cameras').querySelectorAll('button')) b.classList.remove('selected');
  }
  if (page === 'grid') startGrid(); else stopGrid();
  if (page === 'review') startReview(); else stopReview();
  if (page === 'health') startHealth(); else stopHealth();
}

function hevcPlayable() {
  const ms = window.MediaSource && MediaSource.isTypeSupported(HEVC_TYPE);
  return ms || document.createElement('video').canPlayType(HEVC_TYPE) !== '';
}

function cannotPlay() { return state.codec === 'h265' && !hevcPlayable(); }

function showCodecNote(text) {
  const note = $('codec-note');
  note.textContent = text;
  note.hidden = !text;
}

async function selectCamera(name, retiredEnd) {
  if (state.page !== 'camera') showView('camera');
  state.camera = name;
  state.retiredEnd = retiredEnd ?? null;
  for (const b of $('cameras').querySelectorAll('button')) b.classList.toggle('selected', b.dataset.camera === name);
  $('live-name').textContent = state.retiredEnd === null ? name : `${name} (retired: no live view)`;
  state.codec = null;
  try {
    if (state.retiredEnd === null) state.codec = (await api(`${cameraPath(name)}/stream`)).codec;
  } catch (e) {
    if (e instanceof Unauthorized) throw e;
  }
  if (state.retiredEnd !== null) {
    clearTimeout(liveRetry);
    $('live').removeAttribute('src');
    $('live').load();  // drops the previous camera's last frame
    showCodecNote('This camera is retired (renamed or removed): its recorded footage plays until retention deletes it.');
  } else if (cannotPlay()) {
    showCodecNote('This camera sends H.265, which this browser cannot decode (Chromium on Linux plays H.265 only ' +
                  'with a hardware decoder). Select a range on the timeline and download it to watch it in a player.');
    $('live').removeAttribute('src');
  } else {
    showCodecNote('');
    startLive();
  }
  stopPlayer();
  const end = state.retiredEnd ?? Date.now();
  state.view = { from: end - DAY, to: end + 5 * 60e3 };
  try {
    await loadTimeline();
    fitToFootage(end);
  } catch (e) {
    if (e instanceof Unauthorized) throw e;
    say('timeline: ' + e.message);  // the live view still works
  }
}

// A day that is mostly empty (a new system, an event-only camera) shows only the span that has footage, from its
// oldest recording to now: a sliver at the right edge of 24 hours is nothing to click on.
function fitToFootage(end) {
  const rs = state.timeline.recordings;
  if (rs.length === 0) return;
  const dayFrom = end - DAY;
  const covered = rs.reduce((sum, r) => sum + Math.max(0, Math.min(r.to, end) - Math.max(r.from, dayFrom)), 0);
  if (covered > DAY / 4) return;
  const first = Math.max(dayFrom, Math.min(...rs.map((r) => r.from)));
  const span = Math.max(end - first, 10 * 60e3);
  state.view = { from: end - span * 1.05, to: end + span * 0.05 };
  draw();
}

let liveRetry = null;
function startLive() {
  clearTimeout(liveRetry);
  // A late call (a retry or an event of the video being torn down) after the camera view was left: no camera.
  if (!state.camera) return;
  const v = $('live');
  // Safari and iPhones play HLS natively and cannot play the progressive live.mp4 (docs/web.md, "HLS");
  // Chromium and Firefox answer '' here and keep live.mp4, whose latency is lower.
  const hls = v.canPlayType('application/vnd.apple.mpegurl') !== '';
  v.src = `${cameraPath(state.camera)}/${hls ? 'live.m3u8' : 'live.mp4'}`;  // assigning src again reloads it
  v.play().catch(() => { /* replaced by a newer src, or autoplay refused: the controls stay */ });
}

function onLiveEnded() {
  // The stream ends when the camera's parameters change or its ingest is gone: start again shortly.
  clearTimeout(liveRetry);
  if (state.camera && state.retiredEnd === null && !cannotPlay()) liveRetry = setTimeout(startLive, 2000);
}

// ---- timeline ------------------------------------------------------------------------------------------------

async function loadTimeline() {
  if (!state.camera) return;
  // A retired camera's day ends with its last footage.
  const now = state.retiredEnd ?? Date.now();
  const from = now - DAY;
  const j = await api(`${cameraPath(state.camera)}/timeline?from=${encodeURIComponent(iso(from))}&to=${encodeURIComponent(iso(now))}`);
  state.timeline = normalizeTimeline(j, now);
  const el = $('timeline');
  el.dataset.recordings = String(state.timeline.recordings.length);
  el.dataset.events = String(state.timeline.events.length);
  el.dataset.gaps = String(state.timeline.gaps.length);
  el.dataset.loaded = 'true';
  draw();
}

const canvas = () => $('timeline-canvas');
function xOf(ms) {
  const c = canvas();
  return ((ms - state.view.from) / (state.view.to - state.view.from)) * c.clientWidth;
}
function timeAt(x) { return state.view.from + (x / canvas().clientWidth) * (state.view.to - state.view.from); }

function draw() {
  const c = canvas();
  const dpr = window.devicePixelRatio || 1;
  if (c.width !== Math.round(c.clientWidth * dpr)) c.width = Math.round(c.clientWidth * dpr);
  c.height = Math.round(c.clientHeight * dpr);
  const g = c.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  const w = c.clientWidth;
  const h = c.clientHeight;
  const css = getComputedStyle(document.documentElement);
  const color = (name) => css.getPropertyValue(name).trim();
  g.clearRect(0, 0, w, h);

  // Hour ticks, every 1/2/3/6 h as the zoom allows.
  const span = state.view.to - state.view.from;
  const stepMs = [60e3, 5 * 60e3, 15 * 60e3, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR].find((s) => (w * s) / span >= 60) || 6 * HOUR;
  g.fillStyle = color('--dim');
  g.font = '11px system-ui';
  for (let t = Math.ceil(state.view.from / stepMs) * stepMs; t < state.view.to; t += stepMs) {
    const x = xOf(t);
    g.fillRect(x, h - 14, 1, 4);
    const d = new Date(t);
    g.fillText(`${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`, x + 2, h - 2);
  }

  const bar = (from, to, y, height, fill) => {
    const x0 = Math.max(0, xOf(from));
    const x1 = Math.min(w, xOf(to));
    if (x1 < 0 || x0 > w) return;
    g.fillStyle = fill;
    g.fillRect(x0, y, Math.max(1, x1 - x0), height);
  };
  for (const r of state.timeline.recordings) bar(r.from, r.to, 22, 30, color('--footage'));
  for (const gp of state.timeline.gaps) bar(gp.from, gp.to, 22, 30, color('--gap'));
  for (const e of state.timeline.events) bar(e.from, Math.max(e.to, e.from + span / w), 6, 12, color('--event'));
  // A clock jump: the camera's or the box's wall clock stepped; footage around it may look shifted.
  for (const j of state.timeline.jumps) bar(j.at, j.at + span / w, 0, 56, color('--gap'));
  if (state.selection) bar(state.selection.from, state.selection.to, 0, h - 16, color('--sel'));
  const at = playheadMs();
  if (at !== null) bar(at, at + (2 * span) / w, 0, h - 16, color('--accent'));
}

function playheadMs() {
  if (!state.clip) return null;
  return state.clip.from + $('player').currentTime * 1000;
}

function recordingAtOrAfter(ms) {
  const rs = state.timeline.recordings;
  return rs.find((r) => r.from <= ms && ms < r.to) || rs.filter((r) => r.from > ms).sort((a, b) => a.from - b.from)[0];
}

// ---- playback ------------------------------------------------------------------------------------------------

function stopPlayer() {
  const p = $('player');
  p.removeAttribute('src');
  p.load();
  state.clip = null;
  $('play-at').textContent = '';
}

function playFrom(ms) {
  const r = recordingAtOrAfter(ms);
  if (!r) { say('no footage at or after ' + new Date(ms).toLocaleString()); return; }
  const from = Math.max(ms, r.from);
  if (cannotPlay()) {
    setSelection(from, r.to);
    say('H.265: download the selection to watch it');
    return;
  }
  state.clip = { from, to: r.to };
  const p = $('player');
  p.src = clipUrl(state.camera, from, r.to, false);
  p.playbackRate = Number($('speed').value);
  p.play().catch(() => { /* a newer src replaced this one */ });
  $('play-at').textContent = new Date(from).toLocaleString();
  draw();
}

function stepEvent(direction) {
  const at = playheadMs() ?? (state.view.from + state.view.to) / 2;
  const events = state.timeline.events;
  const e = direction < 0 ? events.filter((x) => x.from < at - 1000).pop() : events.find((x) => x.from > at + 1000);
  if (!e) { say(direction < 0 ? 'no earlier event' : 'no later event'); return; }
  const width = state.view.to - state.view.from;
  if (e.from < state.view.from || e.from > state.view.to) state.view = { from: e.from - width / 2, to: e.from + width / 2 };
  playFrom(e.from);
}

// ---- selection and download ----------------------------------------------------------------------------------

function setSelection(a, b) {
  state.selection = a === b ? null : { from: Math.min(a, b), to: Math.max(a, b) };
  $('download').disabled = !state.selection;
  draw();
}

async function downloadSelection() {
  const sel = state.selection;
  if (!sel || !state.camera) return;
  const bar = $('download-progress');
  const note = $('download-note');
  bar.hidden = false;
  bar.removeAttribute('value');  // indeterminate until the length is known
  try {
    const res = await fetch(clipUrl(state.camera, sel.from, sel.to, true), { credentials: 'same-origin' });
    if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
    const total = Number(res.headers.get('Content-Length')) || 0;
    const reader = res.body.getReader();
    const parts = [];
    let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      received += value.length;
      if (total) bar.value = received / total;
      note.textContent = `${(received / 1048576).toFixed(1)} MiB` + (total ? ` of ${(total / 1048576).toFixed(1)} MiB` : '');
    }
    const disposition = res.headers.get('Content-Disposition') || '';
    const name = (/filename="?([^";]+)"?/.exec(disposition) || [])[1] || `${state.camera}.mp4`;
    const url = URL.createObjectURL(new Blob(parts, { type: 'video/mp4' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 60e3);
    note.textContent = `${name}: ${(received / 1048576).toFixed(1)} MiB`;
  } catch (e) {
    note.textContent = 'download failed: ' + e.message;
  } finally {
    bar.hidden = true;
  }
}

// ---- timeline interaction ------------------------------------------------------------------------------------

function zoom(factor, centerMs) {
  const { from, to } = state.view;
  const c = centerMs ?? (from + to) / 2;
  const span = Math.min(Math.max((to - from) * factor, 60e3), 7 * DAY);
  const k = (c - from) / (to - from);
  state.view = { from: c - k * span, to: c + (1 - k) * span };
  draw();
}

function wireTimeline() {
  const c = canvas();
  c.addEventListener('mousedown', (e) => {
    state.drag = { x: e.offsetX, shift: e.shiftKey, moved: false, view: { ...state.view } };
  });
  c.addEventListener('mousemove', (e) => {
    const d = state.drag;
    if (!d) { showEventTip(e.offsetX, e.offsetY); return; }
    if (Math.abs(e.offsetX - d.x) > 3) d.moved = true;
    if (!d.moved) return;
    if (d.shift) {
      setSelection(timeAt(d.x), timeAt(e.offsetX));
    } else {
      const dt = ((e.offsetX - d.x) / c.clientWidth) * (d.view.to - d.view.from);
      state.view = { from: d.view.from - dt, to: d.view.to - dt };
      draw();
    }
  });
  window.addEventListener('mouseup', (e) => {
    const d = state.drag;
    state.drag = null;
    if (d && !d.moved && e.target === c) playFrom(timeAt(e.offsetX));
  });
  c.addEventListener('wheel', (e) => {
    e.preventDefault();
    zoom(e.deltaY > 0 ? 1.25 : 0.8, timeAt(e.offsetX));
  }, { passive: false });
  c.addEventListener('mouseleave', () => { $('timeline-tip').hidden = true; });
  window.addEventListener('resize', draw);
}

// An event mark under the pointer shows its thumbnail, label and time above the timeline.
function showEventTip(x, y) {
  const tip = $('timeline-tip');
  const near = (ev) => x >= xOf(ev.from) - 5 && x <= Math.max(xOf(ev.to), xOf(ev.from) + 5);
  const ev = y <= 22 ? state.timeline.events.find(near) : undefined;
  if (!ev) { tip.hidden = true; return; }
  if (tip.dataset.eventId !== String(ev.id)) {
    tip.dataset.eventId = String(ev.id);
    tip.querySelector('img').src = `/api/v1/events/${ev.id}/thumbnail.jpg`;
    tip.querySelector('span').textContent = `${ev.label || 'event'} · ${new Date(ev.from).toLocaleTimeString()}`;
  }
  tip.style.left = `${Math.max(0, Math.min(x - 80, canvas().clientWidth - 170))}px`;
  tip.hidden = false;
}

// ---- start ---------------------------------------------------------------------------------------------------

async function login(e) {
  e.preventDefault();
  $('login-error').textContent = '';
  try {
    await api('/api/v1/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: $('token').value }),
    });
    $('token').value = '';
    await start();
  } catch (err) {
    $('login-error').textContent = err instanceof Unauthorized ? 'wrong token' : err.message;
  }
}

async function start() {
  try {
    const login = await api('/api/v1/login');
    if (!login.authenticated) throw new Unauthorized('the API needs a token');
    $('login').hidden = true;
    $('app').hidden = false;
    await loadCameras();
    say(`${state.cameras.length} camera(s)`);
    draw();
  } catch (e) {
    if (e instanceof Unauthorized) {
      $('app').hidden = true;
      $('login').hidden = false;
      say('log in with the API token');
    } else {
      say('cannot reach the API: ' + e.message);
    }
  }
}

function wire() {
  $('login').addEventListener('submit', login);
  $('prev-event').addEventListener('click', () => stepEvent(-1));
  $('next-event').addEventListener('click', () => stepEvent(1));
  $('speed').addEventListener('change', () => { $('player').playbackRate = Number($('speed').value); });
  $('zoom-in').addEventListener('click', () => zoom(0.5, playheadMs() ?? undefined));
  $('zoom-out').addEventListener('click', () => zoom(2, playheadMs() ?? undefined));
  $('zoom-day').addEventListener('click', () => { state.view = { from: Date.now() - DAY, to: Date.now() + 5 * 60e3 }; draw(); });
  $('download').addEventListener('click', downloadSelection);
  const player = $('player');
  player.addEventListener('timeupdate', draw);
  player.addEventListener('error', () => {
    if (!player.getAttribute('src')) return;
    const what = player.error ? player.error.message || `media error ${player.error.code}` : 'media error';
    showCodecNote(`This clip cannot be played here (${what}). Select a range on the timeline and download it.`);
  });
  $('live').addEventListener('ended', onLiveEnded);
  $('live').addEventListener('error', () => { if ($('live').getAttribute('src')) onLiveEnded(); });
  wireTimeline();
  for (const b of $('views').querySelectorAll('button')) b.addEventListener('click', () => showView(b.dataset.view));
  // The catalog grows while the page is open: refresh what the timeline and the camera list show.
  setInterval(() => { if (!$('app').hidden) loadTimeline().catch((e) => say(e.message)); }, 10e3);
  setInterval(() => { if (!$('app').hidden) loadCameras().catch((e) => say(e.message)); }, 5e3);
}

// For tests and the curious: where a wall time sits on the canvas, and what the timeline holds.
window.zcPage = { xOf, timeAt, state, playFrom };
// wire() and start() run at the end of overview.js, the page's last script: the grid and the review must exist
// before the first answer arrives.
