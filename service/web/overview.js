// zcrecd's page, the overviews: the grid of every camera (the landing view with more than one camera) and the
// event review. Uses app.js's globals ($, api, state, cameraPath, selectCamera, playFrom, say).
//
// The grid shows each camera as its snapshot.jpg, refreshed about once a second, not as a live.mp4 each: a
// browser opens at most 6 HTTP/1.1 connections per host, and 9 or 16 endless streams would hold them all (and
// zcrecd serves 4 live viewers at most). A snapshot request is short (one keyframe decoded per camera per
// keyframe, shared by every viewer: docs/web.md, "Pictures"), so 16 tiles take turns on a few connections.
// A click on a tile opens the camera's own view with its live video.
'use strict';

const GRID_WIDTH = 480;          // the snapshot box for a tile, pixels
const GRID_PERIOD_MS = 1000;     // each tile asks again this long after its last answer
const GRID_CONNECTIONS = 4;      // tiles fetching at once: leaves the browser's other 2 connections to the page
const REVIEW_PERIOD_MS = 2000;   // new events appear within this

// ---- the grid ---------------------------------------------------------------------------------------------------

const grid = { timer: null, running: false, urls: new Map() };

function tileFor(name) {
  const root = $('grid');
  let t = root.querySelector(`figure[data-camera="${CSS.escape(name)}"]`);
  if (t) return t;
  t = document.createElement('figure');
  t.className = 'tile';
  t.dataset.camera = name;
  const img = document.createElement('img');
  img.alt = `${name}: no picture yet`;
  const cap = document.createElement('figcaption');
  const n = document.createElement('span');
  n.className = 'name';
  n.textContent = name;
  const s = document.createElement('span');
  s.className = 'state';
  cap.append(n, s);
  t.append(img, cap);
  t.addEventListener('click', () => selectCamera(name, null));
  root.append(t);
  return t;
}

// Tiles for the cameras in state.cameras, in its order, with their states.
function renderGrid(states) {
  const names = new Set(state.cameras.map((c) => c.name));
  for (const t of [...$('grid').querySelectorAll('figure.tile')]) {
    if (!names.has(t.dataset.camera)) {
      URL.revokeObjectURL(grid.urls.get(t.dataset.camera) || '');
      grid.urls.delete(t.dataset.camera);
      t.remove();
    }
  }
  for (const c of state.cameras) {
    const t = tileFor(c.name);
    $('grid').append(t);  // keeps the cameras' order
    const s = t.querySelector('.state');
    const ingest = (states?.ingest || []).find((x) => x.name === c.ingest_state);
    const recording = (states?.recording || []).find((x) => x.name === c.recording_state);
    s.textContent = c.recording_state && c.recording_state !== 'idle'
      ? `${c.ingest_state} · ${c.recording_state}` : c.ingest_state;
    s.classList.toggle('trouble', Boolean(ingest?.trouble || recording?.trouble));
    s.title = c.last_error ? `last error: ${c.last_error}` : (ingest?.meaning || '');
  }
  $('grid').dataset.tiles = String(state.cameras.length);
}

// One tile's picture: kept as it is on any failure (a camera reconnecting shows its last picture and its state).
async function refreshTile(name) {
  try {
    const res = await fetch(`${cameraPath(name)}/snapshot.jpg?width=${GRID_WIDTH}`,
                            { credentials: 'same-origin', cache: 'no-store' });
    if (!res.ok) return;
    const blob = await res.blob();
    const t = tileFor(name);
    const img = t.querySelector('img');
    const url = URL.createObjectURL(blob);
    const old = grid.urls.get(name);
    img.src = url;
    img.alt = name;
    grid.urls.set(name, url);
    if (old) URL.revokeObjectURL(old);
    t.dataset.pictureTime = res.headers.get('X-Picture-Time') || '';
    t.dataset.refreshes = String(Number(t.dataset.refreshes || 0) + 1);
  } catch (_) { /* offline for a moment: the next round tries again */ }
}

// A round over every tile with at most GRID_CONNECTIONS requests in flight, then a pause, while the grid shows.
async function gridRound() {
  if (!grid.running) return;
  const queue = state.cameras.map((c) => c.name);
  const worker = async () => { while (grid.running && queue.length > 0) await refreshTile(queue.shift()); };
  await Promise.all(Array.from({ length: GRID_CONNECTIONS }, worker));
  if (grid.running) grid.timer = setTimeout(gridRound, GRID_PERIOD_MS);
}

function startGrid() {
  renderGrid(null);
  if (grid.running) return;
  grid.running = true;
  gridRound();
  loadCameras().catch((e) => say(e.message));  // the tiles' states at once, not at the next 5 s refresh
}

function stopGrid() {
  grid.running = false;
  clearTimeout(grid.timer);
}

// ---- the event review -----------------------------------------------------------------------------------------

const review = { timer: null, running: false, shown: '' };

function fmtLength(e) {
  if (!e.end) return 'open';
  const s = (Date.parse(e.end) - Date.parse(e.start)) / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

function eventItem(e) {
  const li = document.createElement('li');
  li.dataset.eventId = String(e.id);
  // An event whose footage was deleted has no picture and nothing to play or download: it says so instead of
  // showing a broken picture (its recording_id is null like an event's over continuous footage: footage tells).
  const gone = e.footage === false;
  const img = document.createElement(gone ? 'span' : 'img');
  if (gone) {
    img.className = 'no-footage';
    img.textContent = 'footage deleted';
  } else {
    img.loading = 'lazy';
    img.alt = `${e.label || 'event'} on ${e.camera}`;
    img.src = e.thumbnail;
  }
  const what = document.createElement('div');
  what.className = 'what';
  const title = document.createElement('strong');
  title.textContent = `${e.label || 'event'} · ${e.camera}`;
  const when = document.createElement('span');
  when.className = 'when';
  when.textContent = `${new Date(e.start).toLocaleString()} · ${fmtLength(e)}` +
    (e.score !== null && e.score !== undefined ? ` · score ${e.score}` : '');
  what.append(title, when);
  const actions = document.createElement('span');
  actions.className = 'actions';
  if (!gone) {
    const dl = document.createElement('a');
    dl.href = `${e.clip}?download=1`;
    dl.textContent = 'Download';
    actions.append(dl);
  }
  // An event that made its own recording can lock it (retention keeps it) or delete it; one over continuous
  // footage owns none (recording_locked is null) and shows neither.
  if (e.recording_locked !== null && e.recording_locked !== undefined) {
    const lock = document.createElement('button');
    lock.type = 'button';
    lock.className = 'lock';
    lock.textContent = e.recording_locked ? 'Unlock' : 'Lock';
    lock.addEventListener('click', () => act(lock, `/api/v1/events/${e.id}/${e.recording_locked ? 'unlock' : 'lock'}`, 'POST'));
    const del = document.createElement('button');
    del.type = 'button';
    del.className = 'delete';
    del.textContent = 'Delete';
    del.disabled = Boolean(e.recording_locked);
    del.title = e.recording_locked ? 'unlock it first' : 'delete this event\'s recording';
    // Two clicks: the first asks, the second deletes (no modal dialog to get in the way).
    del.addEventListener('click', () => {
      if (del.dataset.armed !== 'true') { del.dataset.armed = 'true'; del.textContent = 'Really delete?'; return; }
      act(del, `/api/v1/events/${e.id}/footage`, 'DELETE');
    });
    actions.append(lock, del);
  }
  for (const a of actions.children) a.addEventListener('click', (ev) => ev.stopPropagation());
  li.append(img, what, actions);
  // Plays the event's span from its pre-roll in the camera's view.
  if (!gone) li.addEventListener('click', async () => {
    const cam = state.cameras.find((c) => c.name === e.camera);
    const retired = state.retired.find((r) => r.name === e.camera);
    await selectCamera(e.camera, cam ? null : retired?.last_ms ?? null);
    playFrom(Date.parse(e.start) - (e.preroll_s || 0) * 1000);
  });
  return li;
}

// A lock, unlock or delete from the review; the list is read again so that it shows the result (or says why not).
async function act(button, path, method) {
  button.disabled = true;
  try {
    await api(path, { method });
    say(method === 'DELETE' ? 'deleted' : 'done');
  } catch (err) {
    say(err.message);
  }
  review.shown = '';
  await loadReview().catch((err) => say(err.message));
}

// The newest events first: the list route pages oldest first, so the last page (and the one before when it is
// short) is what is read.
async function loadReview() {
  const q = new URLSearchParams({ per_page: '100' });
  const camera = $('review-camera').value;
  if (camera) q.set('camera', camera);
  const day = $('review-day').value;
  if (day) {
    const from = new Date(`${day}T00:00:00`);
    q.set('from', from.toISOString());
    q.set('to', new Date(from.getTime() + DAY).toISOString());
  }
  const first = await api(`/api/v1/events?${q}`);
  let items = first.items;
  if (first.pages > 1) {
    q.set('page', String(first.pages));
    const last = await api(`/api/v1/events?${q}`);
    q.set('page', String(first.pages - 1));
    const before = first.pages > 2 ? (await api(`/api/v1/events?${q}`)).items : first.items;
    items = before.concat(last.items);
  }
  const label = $('review-label').value.trim().toLowerCase();
  if (label) items = items.filter((e) => (e.label || '').toLowerCase().includes(label));
  items.sort((a, b) => Date.parse(b.start) - Date.parse(a.start) || b.id - a.id);
  // Rebuilt only when something changed, so a thumbnail being looked at does not flicker every 2 s.
  const key = JSON.stringify(items.map((e) => [e.id, e.end, e.state, e.recording_locked]));
  if (key !== review.shown) {
    review.shown = key;
    $('review-list').replaceChildren(...items.map(eventItem));
  }
  $('review-list').dataset.events = String(items.length);
}

async function reviewRound() {
  if (!review.running) return;
  try { await loadReview(); } catch (e) { say('events: ' + e.message); }
  if (review.running) review.timer = setTimeout(reviewRound, REVIEW_PERIOD_MS);
}

function startReview() {
  const sel = $('review-camera');
  const chosen = sel.value;
  const names = state.cameras.map((c) => c.name).concat(state.retired.map((r) => r.name));
  sel.replaceChildren(new Option('all', ''), ...names.map((n) => new Option(n, n)));
  sel.value = names.includes(chosen) ? chosen : '';
  if (review.running) return;
  review.running = true;
  reviewRound();
}

function stopReview() {
  review.running = false;
  clearTimeout(review.timer);
}

for (const id of ['review-camera', 'review-label', 'review-day'])
  $(id).addEventListener(id === 'review-label' ? 'input' : 'change', () => loadReview().catch((e) => say(e.message)));

// ---- health at a glance --------------------------------------------------------------------------------------

const health = { timer: null, running: false };
const HEALTH_PERIOD_MS = 5000;

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function bytes(n) {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  for (; n >= 1024 && i < units.length - 1; ++i) n /= 1024;
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

// The same data as /metrics: the cameras' states and counters, and each camera's disk use and days kept.
async function loadHealth() {
  const [cams, storage] = await Promise.all([api('/api/v1/cameras'), api('/api/v1/storage')]);
  const trouble = (kind, name) => (cams.states?.[kind] || []).find((x) => x.name === name)?.trouble;
  const disk = new Map((storage.cameras || []).map((c) => [c.camera, c]));
  const rows = cams.items.map((c) => {
    const tr = document.createElement('tr');
    tr.dataset.camera = c.name;
    const d = disk.get(c.name) || {};
    tr.append(cell(c.name), cell(c.ingest_state, trouble('ingest', c.ingest_state) ? 'trouble' : ''),
              cell(c.recording_state, trouble('recording', c.recording_state) ? 'trouble' : ''),
              cell(c.fps.toFixed(1), 'num'), cell((c.bitrate_bps / 1e6).toFixed(2), 'num'), cell(String(c.reconnects), 'num'),
              cell(String(c.ingest_restarts), 'num'), cell(String(c.frames_lost), 'num'), cell(bytes(d.size_bytes), 'num'),
              cell(d.days_kept !== undefined ? d.days_kept.toFixed(2) : '–', 'num'), cell(leaseText(c.lease)),
              cell(c.last_error || '', 'error'));
    return tr;
  });
  $('health-table').querySelector('tbody').replaceChildren(...rows);
  await loadCluster();
  const fs = storage.filesystem || {};
  $('health-storage').textContent = `Storage ${storage.dir}: ${bytes(fs.free_bytes)} free of ${bytes(fs.total_bytes)}`;
  $('health').dataset.loaded = 'true';
}

// A cluster camera's lease (docs/cluster.md): recorded here, by another host, or by nobody right now.
function leaseText(lease) {
  if (!lease) return '';
  if (lease.held) return `held here (epoch ${lease.epoch})`;
  return lease.holder ? `on ${lease.holder} (epoch ${lease.epoch})` : 'nobody now';
}

// Every host's cameras from the cluster catalog, each with a clip of its last 5 minutes from whichever host (or S3)
// holds them. Only on a zcrecd with a cluster: block (its health says so): the section stays hidden otherwise.
async function loadCluster() {
  if (!(await api('/api/v1/health')).cluster) { $('cluster').hidden = true; return; }
  const rows = (await api('/api/v1/cluster/cameras')).items.map((c) => {
    const tr = document.createElement('tr');
    tr.dataset.camera = c.camera;
    const play = document.createElement('a');
    play.textContent = 'last 5 min';
    play.href = `/api/v1/cluster/cameras/${encodeURIComponent(c.camera)}/clip.mp4?from=-5m&to=now`;
    const td = document.createElement('td');
    td.append(play);
    tr.append(cell(c.camera), cell(c.host), cell(new Date(c.newest_end_ms).toLocaleString()), td);
    return tr;
  });
  $('cluster-table').querySelector('tbody').replaceChildren(...rows);
  $('cluster').hidden = false;
  $('cluster').dataset.loaded = 'true';
}

async function healthRound() {
  if (!health.running) return;
  try { await loadHealth(); } catch (e) { say('health: ' + e.message); }
  if (health.running) health.timer = setTimeout(healthRound, HEALTH_PERIOD_MS);
}

function startHealth() {
  if (health.running) return;
  health.running = true;
  healthRound();
}

function stopHealth() {
  health.running = false;
  clearTimeout(health.timer);
}

window.zcOverview = { grid, review, health, showView };

wire();
start();
