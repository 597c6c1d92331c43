// f2f room page: the join form, tiles, chat, files, the room's graph.
// Copyright (C) 2026 the f2f authors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Everything from the network (names, chat, file names) goes into the page as
// text (textContent, attributes), never as markup.

import { F2fRoom, defaultServerUrl } from './f2f.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

let room = null;
let camera = null;        // the stream from the devices
let screen = null;        // the screen-share stream while sharing
let joinClickedAt = 0;    // performance.now() of the last join, for measurements
const tiles = new Map();  // peer id (or 'self') → { el, video, frames, name }

function setStatus (text) {
  $('status').textContent = text;
}

function el (tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

// ---- devices ----

async function fillDeviceLists () {
  let devices = [];
  try {
    devices = await navigator.mediaDevices.enumerateDevices();
  } catch (e) {
    return;
  }
  for (const [kind, ids] of [['videoinput', ['camera', 'camera-live']], ['audioinput', ['microphone', 'microphone-live']]]) {
    for (const id of ids) {
      const select = $(id);
      const keep = select.value;
      for (const o of [...select.options]) if (o.value !== '' && o.value !== 'off') o.remove();
      devices.filter((d) => d.kind === kind && d.deviceId).forEach((d, i) => {
        select.append(el('option', { value: d.deviceId, text: d.label || `${kind === 'videoinput' ? 'camera' : 'microphone'} ${i + 1}` }));
      });
      select.value = keep;
    }
  }
}

async function openDevices (cameraId, micId) {
  const want = {
    video: cameraId === 'off' ? false : (cameraId ? { deviceId: { exact: cameraId } } : { width: 640, height: 480 }),
    audio: micId === 'off' ? false : (micId ? { deviceId: { exact: micId } } : true)
  };
  if (!want.video && !want.audio) return new MediaStream();
  try {
    return await navigator.mediaDevices.getUserMedia(want);
  } catch (e) {
    setStatus(`no camera/microphone: ${e.message}`);
    return new MediaStream();
  }
}

function currentStream () {
  if (!screen) return camera;
  const mixed = new MediaStream(screen.getVideoTracks());
  for (const t of camera?.getAudioTracks() || []) mixed.addTrack(t);
  return mixed;
}

// ---- tiles ----

function ensureTile (id, name) {
  let tile = tiles.get(id);
  if (tile) {
    if (name) {
      tile.name = name;
      tile.label.textContent = labelFor(id);
    }
    return tile;
  }
  const video = el('video', { autoplay: '', playsinline: '' });
  const label = el('span', { class: 'name', text: name || id });
  const quality = el('span', { class: 'quality' });
  const div = el('div', { class: id === 'self' ? 'tile self' : 'tile', 'data-peer': id }, video, label, quality);
  tile = { el: div, video, label, quality, frames: 0, name: name || id };
  if (id === 'self') video.muted = true;
  tiles.set(id, tile);
  $('tiles').append(div);
  countFrames(tile);
  if (room) showRoutes(room.describeRoutes());
  return tile;
}

// ---- the room's topology plan ----

function peerName (id) {
  return room?.peers.get(id)?.name || id;
}

function labelFor (id) {
  const tile = tiles.get(id);
  const name = tile?.name || peerName(id);
  return room && id === room.role.mixer ? `${name} — the room (mixer)` : name;
}

// Under a plan that makes us a client, the mixer's tile shows and plays the
// whole room (its composite and our mix-minus); the others' tiles keep
// their names but show and play nothing: they are in the mixer's picture.
function showRoutes (routes) {
  const badge = $('topology-role');
  badge.hidden = false;
  badge.className = routes.role;
  if (routes.role === 'client') badge.textContent = `client of ${peerName(routes.mixer)} (mixer)`;
  else if (routes.role === 'mixer') badge.textContent = 'mixer';
  else badge.textContent = 'mesh';
  badge.title = routes.description;
  for (const [id, tile] of tiles) {
    if (id === 'self') continue;
    const r = routes.peers[id];
    const shown = !r || r.shown;
    tile.el.classList.toggle('via-mixer', !shown);
    tile.el.classList.toggle('mixer', id === routes.mixer);
    tile.video.muted = !shown;
    tile.label.textContent = labelFor(id);
  }
}

// Decoded frames shown, per tile (requestVideoFrameCallback where there is one).
function countFrames (tile) {
  const v = tile.video;
  if (v.requestVideoFrameCallback) {
    const step = () => {
      if (tile.frames === 0) tile.firstFrameAt = performance.now();
      tile.frames++;
      tile.el.dataset.frames = tile.frames;
      v.requestVideoFrameCallback(step);
    };
    v.requestVideoFrameCallback(step);
  }
}

function removeTile (id) {
  const tile = tiles.get(id);
  if (!tile) return;
  tile.video.srcObject = null;
  tile.el.remove();
  tiles.delete(id);
}

// ---- chat ----

function showChat ({ name, text, time, self }) {
  const when = new Date(time || Date.now()).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const li = el('li', { class: self ? 'mine' : 'theirs', title: when },
    el('span', { class: 'who', text: self ? 'you' : name }),
    el('span', { class: 'text', text }));
  $('chat-log').append(li);
  li.scrollIntoView({ block: 'end' });
}

// ---- files ----

function fileRow (id, manifest) {
  let li = document.querySelector(`#file-list li[data-file="${CSS.escape(id)}"]`);
  if (li) return li;
  const get = el('button', { type: 'button', text: 'Get' });
  get.onclick = () => room.fetchFile(id) || setStatus('no holder of that file is connected');
  li = el('li', { 'data-file': id },
    el('span', { class: 'fname', text: `${manifest.name} (${formatBytes(manifest.size)}) from ${manifest['sharer-name'] || manifest.sharer}` }),
    el('progress', { max: String(manifest.size || 1), value: '0' }),
    el('span', { class: 'fstate', text: 'offered' }));
  li.append(get);
  $('file-list').append(li);
  return li;
}

function formatBytes (n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

// ---- the room's graph and link quality ----

function drawTopology () {
  const svg = $('topology');
  const ns = 'http://www.w3.org/2000/svg';
  const { nodes, edges } = room.topology();
  while (svg.firstChild) svg.firstChild.remove();
  const pos = new Map();
  nodes.forEach((n, i) => {
    const a = (2 * Math.PI * i) / nodes.length - Math.PI / 2;
    pos.set(n.id, { x: 150 + 85 * Math.cos(a), y: 110 + 80 * Math.sin(a) });
  });
  const drawn = new Set();
  for (const e of edges) {
    const key = [e.from, e.to].sort().join('|');
    if (drawn.has(key) || !pos.has(e.from) || !pos.has(e.to)) continue;
    drawn.add(key);
    const line = document.createElementNS(ns, 'line');
    const a = pos.get(e.from); const b = pos.get(e.to);
    line.setAttribute('x1', a.x); line.setAttribute('y1', a.y);
    line.setAttribute('x2', b.x); line.setAttribute('y2', b.y);
    line.setAttribute('class', e.state);
    const title = document.createElementNS(ns, 'title');
    title.textContent = `${e.state}${e.rtt >= 0 ? `, rtt ${Math.round(e.rtt)} ms` : ''}`;
    line.append(title);
    svg.append(line);
  }
  for (const n of nodes) {
    const p = pos.get(n.id);
    const c = document.createElementNS(ns, 'circle');
    c.setAttribute('cx', p.x); c.setAttribute('cy', p.y); c.setAttribute('r', 16);
    const classes = [];
    if (n.id === room.id) classes.push('me');
    if (room.plan?.mixers.includes(n.id) && room.role.role !== 'mesh') classes.push('mixer');
    if (classes.length) c.setAttribute('class', classes.join(' '));
    const t = document.createElementNS(ns, 'text');
    t.setAttribute('x', p.x); t.setAttribute('y', p.y + 30);
    t.textContent = n.id === room.id ? `${n.name} (you)` : n.name;
    svg.append(c, t);
  }
}

function drawQuality () {
  const body = $('quality').tBodies[0];
  body.replaceChildren();
  const stats = room.linkStats();
  let loudest = null; let level = 0.02;
  for (const [id, s] of Object.entries(stats)) {
    const kbps = (b) => `${Math.round(b / 1000)} kb/s`;
    body.append(el('tr', { 'data-peer': id },
      el('td', { text: s.name }), el('td', { text: s.state }),
      el('td', { text: s.rtt >= 0 ? `${Math.round(s.rtt)} ms` : '–' }),
      el('td', { text: String(Math.round(s.videoFps)) }),
      el('td', { text: kbps(s.receivedBps) }), el('td', { text: kbps(s.sentBps) })));
    const tile = tiles.get(id);
    if (tile) tile.quality.textContent = s.state === 'connected' ? `${s.rtt >= 0 ? Math.round(s.rtt) + ' ms' : ''}` : s.state;
    if (s.audioLevel > level) {
      level = s.audioLevel;
      loudest = id;
    }
  }
  for (const [id, tile] of tiles) tile.el.classList.toggle('speaking', id === loudest);
}

// ---- joining and leaving ----

async function join (e) {
  e.preventDefault();
  $('join-error').textContent = '';
  $('join').disabled = true;
  joinClickedAt = performance.now();
  const roomId = $('room').value.trim();
  const name = $('name').value.trim();
  camera = await openDevices($('camera').value, $('microphone').value);
  room = new F2fRoom({ url: params.get('server') || defaultServerUrl(), room: roomId, name, password: $('password').value, stream: camera });
  wire(room);
  try {
    setStatus('joining…');
    await room.join();
  } catch (err) {
    // The server's own sentence (wrong password, room full…).
    $('join-error').textContent = err.message;
    setStatus('');
    camera?.getTracks().forEach((t) => t.stop());
    room = null;
    $('join').disabled = false;
    return;
  }
  $('join-form').hidden = true;
  $('call').hidden = false;
  $('room-title').textContent = roomId;
  const link = new URL(location.href);
  link.search = new URLSearchParams({ room: roomId }).toString();
  $('share-link').value = link.href;
  history.replaceState(null, '', link.href);
  const self = ensureTile('self', `${name} (you)`);
  self.video.srcObject = camera;
  await fillDeviceLists();
  $('camera-live').value = $('camera').value || camera.getVideoTracks()[0]?.getSettings().deviceId || '';
  $('microphone-live').value = $('microphone').value || camera.getAudioTracks()[0]?.getSettings().deviceId || '';
  room.refresh = setInterval(() => { drawQuality(); drawTopology(); }, 1000);
  drawTopology();
}

function wire (r) {
  r.addEventListener('joined', (e) => {
    setStatus(`in the room as ${r.name}`);
    for (const p of e.detail.peers) ensureTile(p.id, p.name);
  });
  r.addEventListener('peer-joined', (e) => ensureTile(e.detail.peer.id, e.detail.peer.name));
  r.addEventListener('peer-left', (e) => removeTile(e.detail.id));
  r.addEventListener('track', (e) => {
    const tile = ensureTile(e.detail.peer, e.detail.name);
    if (tile.video.srcObject !== e.detail.stream) tile.video.srcObject = e.detail.stream;
    tile.video.play().catch(() => {});
  });
  r.addEventListener('chat', (e) => showChat(e.detail));
  r.addEventListener('routes', (e) => showRoutes(e.detail));
  r.addEventListener('plan-declined', () => {
    setStatus('the room named this browser as a mixer; a browser cannot mix, so it asked the room for another plan');
  });
  r.addEventListener('file-offered', (e) => fileRow(e.detail.id, e.detail.manifest));
  r.addEventListener('file-shared', (e) => {
    const li = fileRow(e.detail.id, e.detail.manifest);
    li.querySelector('.fstate').textContent = 'shared by you';
    li.querySelector('progress').value = e.detail.manifest.size;
    li.querySelector('button')?.remove();
  });
  r.addEventListener('file-progress', (e) => {
    const li = document.querySelector(`#file-list li[data-file="${CSS.escape(e.detail.id)}"]`);
    if (!li) return;
    li.querySelector('progress').value = e.detail.bytes;
    li.querySelector('.fstate').textContent = `${Math.floor((100 * e.detail.bytes) / Math.max(1, e.detail.total))} %`;
    li.querySelector('button')?.remove();
  });
  r.addEventListener('file-received', (e) => {
    const li = document.querySelector(`#file-list li[data-file="${CSS.escape(e.detail.id)}"]`);
    if (!li) return;
    const state = li.querySelector('.fstate');
    state.textContent = `complete, SHA-256 verified (${e.detail.sha256.slice(0, 12)}…)`;
    state.className = 'fstate ok';
    const a = el('a', { href: URL.createObjectURL(e.detail.blob), download: e.detail.name, text: 'Save' });
    li.append(a);
  });
  r.addEventListener('file-failed', (e) => {
    const li = document.querySelector(`#file-list li[data-file="${CSS.escape(e.detail.id)}"]`);
    if (li) {
      li.querySelector('.fstate').textContent = e.detail.reason;
      li.querySelector('.fstate').className = 'fstate bad';
    }
  });
  r.addEventListener('log', (e) => console.debug(`f2f: ${e.detail.text}`));
  r.addEventListener('disconnected', (e) => setStatus(`disconnected from the server (${e.detail.code})`));
  r.addEventListener('error', (e) => setStatus(e.detail.message || e.detail.code));
}

function leave () {
  if (!room) return;
  clearInterval(room.refresh);
  room.leave();
  room = null;
  for (const id of [...tiles.keys()]) removeTile(id);
  for (const s of [camera, screen]) s?.getTracks().forEach((t) => t.stop());
  camera = screen = null;
  $('call').hidden = true;
  $('topology-role').hidden = true;
  $('join-form').hidden = false;
  $('join').disabled = false;
  $('chat-log').replaceChildren();
  $('file-list').replaceChildren();
  setStatus('left the room');
}

async function switchDevice () {
  const fresh = await openDevices($('camera-live').value, $('microphone-live').value);
  camera?.getTracks().forEach((t) => t.stop());
  camera = fresh;
  tiles.get('self').video.srcObject = screen || camera;
  room.setStream(currentStream());
}

async function toggleScreen () {
  const button = $('screen');
  if (screen) {
    screen.getTracks().forEach((t) => t.stop());
    screen = null;
  } else {
    try {
      screen = await navigator.mediaDevices.getDisplayMedia({ video: true });
    } catch (e) {
      setStatus(`no screen share: ${e.message}`);
      return;
    }
    screen.getVideoTracks()[0].addEventListener('ended', () => { if (screen) toggleScreen(); });
  }
  button.setAttribute('aria-pressed', String(!!screen));
  button.textContent = screen ? 'Stop sharing' : 'Share screen';
  tiles.get('self').video.srcObject = screen || camera;
  room.setStream(currentStream());
}

function toggleTracks (kind, button, on, off) {
  const tracks = kind === 'audio' ? camera?.getAudioTracks() : camera?.getVideoTracks();
  if (!tracks?.length) return;
  const enabled = !tracks[0].enabled;
  tracks.forEach((t) => { t.enabled = enabled; });
  button.textContent = enabled ? on : off;
  button.setAttribute('aria-pressed', String(!enabled));
}

// ---- the page ----

$('room').value = params.get('room') || '';
$('name').value = localStorage.getItem('f2f-name') || '';
$('name').addEventListener('change', () => localStorage.setItem('f2f-name', $('name').value));
$('join-form').addEventListener('submit', join);
$('leave').addEventListener('click', leave);
$('screen').addEventListener('click', toggleScreen);
$('camera-live').addEventListener('change', switchDevice);
$('microphone-live').addEventListener('change', switchDevice);
$('mute-audio').addEventListener('click', (e) => toggleTracks('audio', e.target, 'Mute', 'Unmute'));
$('mute-video').addEventListener('click', (e) => toggleTracks('video', e.target, 'Camera off', 'Camera on'));
$('copy-link').addEventListener('click', () => navigator.clipboard?.writeText($('share-link').value));
$('chat-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('chat-input').value;
  if (!text || !room) return;
  try {
    room.sendChat(text);
    $('chat-input').value = '';
  } catch (err) {
    setStatus(err.message);
  }
});
$('file-input').addEventListener('change', async (e) => {
  for (const f of e.target.files) await room?.shareFile(f);
  e.target.value = '';
});
window.addEventListener('pagehide', () => room?.leave());
if (!window.isSecureContext) setStatus('camera and microphone need https:// or localhost');
if (!params.get('room')) $('room').focus();
else $('name').focus();

// A tile's current frame, scaled to @w × @h, as RGBA bytes; null before one.
function pixels (id, w = 32, h = 24) {
  const v = tiles.get(id)?.video;
  if (!v || !v.videoWidth) return null;
  const c = document.createElement('canvas');
  c.width = w; c.height = h;
  const g = c.getContext('2d', { willReadFrequently: true });
  g.drawImage(v, 0, 0, w, h);
  return g.getImageData(0, 0, w, h).data;
}

// For tests and the curious: the room, the tiles, and measurements of what
// a tile shows (its colours) and plays (its frequencies).
window.f2fApp = {
  get room () { return room; },
  tiles,
  frames (id) { return tiles.get(id)?.frames || 0; },
  // ms from the page's navigation start, and from the join, to the first
  // frame of @id's tile; null before it.
  firstFrame (id) {
    const t = tiles.get(id)?.firstFrameAt;
    return t === undefined ? null : { sinceLoad: t, sinceJoin: t - joinClickedAt };
  },
  meanColour (id) {
    const d = pixels(id);
    if (!d) return null;
    const sum = [0, 0, 0];
    for (let i = 0; i < d.length; i += 4) { sum[0] += d[i]; sum[1] += d[i + 1]; sum[2] += d[i + 2]; }
    const n = d.length / 4;
    return sum.map((s) => Math.round(s / n));
  },
  // The share of a tile's pixels near each of @colours ([r, g, b] each,
  // within 60 per channel): which senders a composite picture shows.
  colourShares (id, colours) {
    const d = pixels(id, 64, 48);
    if (!d) return null;
    const counts = colours.map(() => 0);
    for (let i = 0; i < d.length; i += 4) {
      colours.forEach(([r, g, b], k) => {
        if (Math.abs(d[i] - r) < 60 && Math.abs(d[i + 1] - g) < 60 && Math.abs(d[i + 2] - b) < 60) counts[k]++;
      });
    }
    return counts.map((c) => c / (d.length / 4));
  },
  // The level (dB, the analyser's scale) at each of @freqs in what a tile
  // plays: which voices a mix carries.
  async toneLevels (id, freqs, ms = 600) {
    const stream = tiles.get(id)?.video.srcObject;
    if (!stream?.getAudioTracks().length) return null;
    const ctx = new AudioContext();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 8192;
    ctx.createMediaStreamSource(stream).connect(analyser);
    await ctx.resume();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const bins = new Float32Array(analyser.frequencyBinCount);
    analyser.getFloatFrequencyData(bins);
    const hz = ctx.sampleRate / analyser.fftSize;
    await ctx.close();
    return freqs.map((f) => {
      const at = Math.round(f / hz);
      return Math.max(...bins.slice(Math.max(0, at - 2), at + 3));
    });
  },
  async dominantFrequency (id, ms = 600) {
    const stream = tiles.get(id)?.video.srcObject;
    if (!stream?.getAudioTracks().length) return 0;
    const ctx = new AudioContext();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 8192;
    ctx.createMediaStreamSource(stream).connect(analyser);
    await ctx.resume();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const bins = new Float32Array(analyser.frequencyBinCount);
    analyser.getFloatFrequencyData(bins);
    let best = 0;
    for (let i = 1; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
    await ctx.close();
    return bins[best] > -100 ? (best * ctx.sampleRate) / analyser.fftSize : 0;
  }
};
