// f2f browser tests: processes (server, gst peers, browsers) with deadlines.
// Copyright (C) 2026 the f2f authors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Every wait is a condition with a deadline; every child is killed at exit,
// also when a check fails.

import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const children = new Set();
const started = Date.now();

export const SKIP = 77;

export function log (...args) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s]`, ...args);
}

export class CheckFailed extends Error {}

export function check (cond, what) {
  if (!cond) throw new CheckFailed(what);
  log(`ok: ${what}`);
}

export function killAll () {
  for (const c of children) {
    try { process.kill(-c.pid, 'SIGKILL'); } catch (e) { /* gone */ }
    try { c.kill('SIGKILL'); } catch (e) { /* gone */ }
  }
  children.clear();
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { killAll(); process.exit(1); });

/* Runs a test's main (which returns 0, or SKIP) and exits with its status: a failed check or an exception prints
 * FAIL and exits 1; the browsers are closed, every child killed and @cleanup run either way. */
export async function runMain (main, browsers, cleanup = () => {}) {
  let status = 1;
  try {
    status = await main();
  } catch (e) {
    if (e instanceof CheckFailed) console.log(`FAIL: ${e.message}`);
    else console.log(`FAIL: ${e.stack || e}`);
    status = 1;
  }
  for (const br of browsers) await br.close().catch(() => {});
  killAll();
  cleanup();
  process.exit(status);
}

export function sleep (ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until @cond() (sync or async) is truthy; false at the deadline. */
export async function waitFor (cond, ms, stepMs = 100) {
  const end = Date.now() + ms;
  for (;;) {
    let v;
    try { v = await cond(); } catch (e) { v = false; }
    if (v) return v;
    if (Date.now() > end) return false;
    await sleep(stepMs);
  }
}

/** Runs the test inside a private network namespace with only loopback,
 * re-executing itself there; skips when that cannot be done. */
export function enterPrivateNetns () {
  if (process.env.F2F_IN_PRIVATE_NETNS) return;
  if (process.getuid && process.getuid() !== 0) {
    console.log('SKIP: needs root for a private network namespace (no packet may leave the machine)');
    process.exit(SKIP);
  }
  // Firefox gathers no ICE candidate on loopback alone (whatever its
  // media.peerconnection.ice.loopback says): a veth pair whose both ends
  // stay in the namespace gives it an address, 10.99.0.1, and a default
  // route to nowhere. Packets still never leave the namespace.
  const setup = 'ip link set lo up && ' +
    '{ ip link add f2fv0 type veth peer name f2fv1 && ip addr add 10.99.0.1/24 dev f2fv0 && ' +
    'ip link set f2fv0 up && ip link set f2fv1 up && ip route add default via 10.99.0.2; } ; exec "$0" "$@"';
  const r = spawnSync('unshare', ['-n', 'sh', '-c', setup, process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, F2F_IN_PRIVATE_NETNS: '1' }
  });
  if (r.error) {
    console.log(`SKIP: cannot make a private network namespace: ${r.error.message}`);
    process.exit(SKIP);
  }
  process.exit(r.status ?? 1);
}

/** puppeteer-core from tests/browser/node_modules (scripts/install-node-deps.sh). */
export async function loadPuppeteer () {
  const dir = process.env.F2F_NODE_MODULES || path.join(here, 'node_modules');
  const req = createRequire(path.join(dir, 'noop.js'));
  let resolved;
  try {
    resolved = req.resolve('puppeteer-core');
  } catch (e) {
    console.log(`SKIP: puppeteer-core is not installed in ${dir} (bash scripts/install-node-deps.sh)`);
    process.exit(SKIP);
  }
  const mod = await import(resolved);
  return mod.default || mod;
}

function track (child) {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** The signaling server on an OS-chosen port; resolves { uri, port, http }. */
export async function startServer (extra = []) {
  const bin = process.env.F2F_SIGNALING_SERVER;
  if (!bin) throw new CheckFailed('F2F_SIGNALING_SERVER is not set');
  const child = track(spawn(bin, ['--port=0', '--db=:memory:', '--log-level=warning', ...extra], { stdio: ['ignore', 'pipe', 'inherit'], detached: true }));
  const rl = createInterface({ input: child.stdout });
  const line = await new Promise((resolve) => {
    rl.once('line', resolve);
    child.once('exit', () => resolve(''));
  });
  const m = /listening on (ws:\/\/[^\s]+)/.exec(line);
  if (!m) throw new CheckFailed(`the server did not start: ${line}`);
  const uri = m[1];
  const port = Number(uri.split(':').pop().split('/')[0]);
  return { uri, port, http: `http://127.0.0.1:${port}`, child };
}

const unescape = (s) => s.replace(/^"|"$/g, '').replace(/\\(.)/g, '$1');

/** A gst-launch style f2fsignal peer (tests/tools/f2f-peer-tool) with a
 * test pattern and a tone; counts what it decodes from each peer. With
 * @probe ({ tones: [Hz…], colours: ['rrggbb'…] }) it also measures what it
 * plays: the level of each tone in its room view's sound (`tones`, dB) and
 * the pixels of each colour in a 64×48 copy of its picture (`colours`). */
export class GstPeer {
  constructor ({ server, room, name, pattern, freq, password, volume, probe, codec, props = [], extra = [] }) {
    this.name = name;
    this.video = new Map();
    this.audio = new Map();
    this.chats = [];
    this.links = new Map();   // peer id → the latest state of its link
    this.left = [];
    this.files = [];
    this.shared = [];
    this.id = null;
    this.lines = [];
    this.plan = null;        // the latest f2f-topology-changed: { epoch, proposer, mixers }
    this.role = 'mesh';
    this.roleMixer = '';
    this.tones = null;       // dB per probe tone, latest report
    this.colours = null;     // pixels per probe colour, latest report
    this.toneReports = 0;
    this.colourReports = 0;
    const output = probe
      ? ['s.video_src', '!', 'videoconvert', '!', 'videoscale', '!', 'video/x-raw,format=RGB,width=64,height=48', '!',
          'fakesink', 'name=vprobe', 'signal-handoffs=true', 'async=false',
          's.audio_src', '!', 'audioconvert', '!', 'spectrum', 'bands=2400', 'threshold=-120', 'interval=200000000', '!', 'fakesink', 'async=false']
      : ['s.video_src', '!', 'fakesink', 'async=false', 's.audio_src', '!', 'fakesink', 'async=false'];
    const tool = path.join(process.env.F2F_BUILD_ROOT, 'tests', 'tools', 'f2f-peer-tool');
    const words = [
      'f2fsignal', 'name=s', `server-uri=${server.uri}`, `room=${room}`, `display-name=${name}`,
      'local-addresses=127.0.0.1', 'stats-interval=250', 'connect-timeout=5000',
      ...(password ? [`password=${password}`] : []),
      ...(codec || process.env.F2F_TEST_VIDEO_CODEC ? [`video-codec=${codec || process.env.F2F_TEST_VIDEO_CODEC}`] : []),
      ...props,
      'videotestsrc', 'is-live=true', `pattern=${pattern}`, '!', 'video/x-raw,width=160,height=120,framerate=10/1', '!', 's.video_sink',
      'audiotestsrc', 'is-live=true', `freq=${freq}`, ...(volume !== undefined ? [`volume=${volume}`] : []), '!', 's.audio_sink',
      ...output,
      ...extra
    ];
    const env = { ...process.env };
    if (probe) {
      env.F2F_PEER_TOOL_TONES = probe.tones.join(',');
      env.F2F_PEER_TOOL_COLORS = probe.colours.join(',');
    }
    this.child = track(spawn(tool, words, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env }));
    createInterface({ input: this.child.stdout }).on('line', (l) => this.onLine(l));
    createInterface({ input: this.child.stderr }).on('line', (l) => { if (process.env.F2F_TEST_VERBOSE) log(`${name} stderr: ${l}`); });
    this.child.on('exit', (code, sig) => { this.exited = { code, sig }; });
  }

  onLine (line) {
    this.lines.push(line);
    if (process.env.F2F_TEST_VERBOSE) log(`${this.name}: ${line}`);
    const field = (f) => {
      const m = new RegExp(`[ ,]${f}=\\([a-z0-9]+\\)("(?:[^"\\\\]|\\\\.)*"|[^,;]*)`).exec(line);
      return m ? unescape(m[1]) : undefined;
    };
    if (line.startsWith('msg f2f-joined')) this.id = field('peer-id');
    else if (line.startsWith('msg f2f-peer-stats')) {
      this.video.set(field('peer-id'), Number(field('video-frames')));
      this.audio.set(field('peer-id'), Number(field('audio-frames')));
    } else if (line.startsWith('msg f2f-link-state')) this.links.set(field('peer-id'), field('state'));
    else if (line.startsWith('msg f2f-chat')) this.chats.push({ from: field('peer-id'), name: field('name'), text: field('text') });
    else if (line.startsWith('msg f2f-peer-left')) this.left.push({ id: field('peer-id'), reason: field('reason') });
    else if (line.startsWith('msg f2f-file-received')) this.files.push({ id: field('id'), path: field('path'), sha256: field('sha256') });
    else if (line.startsWith('shared ')) this.shared.push(line.slice(7).trim());
    else if (line.startsWith('msg f2f-topology-changed')) {
      this.plan = { epoch: Number(field('epoch')), proposer: field('proposer'), mixers: field('mixers') };
    } else if (line.startsWith('msg f2f-role-changed')) {
      this.role = field('new-role');
      this.roleMixer = field('mixer');
    } else if (line.startsWith('tones ')) {
      this.tones = line.split(' ').slice(2).map(Number);
      this.toneReports++;
    } else if (line.startsWith('colors ')) {
      this.colours = line.split(' ').slice(2, -1).map(Number);
      this.colourReports++;
    }
  }

  send (line) {
    this.child.stdin.write(line + '\n');
  }

  /** The link to @id in a few words, for a failure message: its state and
   * what its latest f2f-link-bitrate said (kbit/s, loss, RTT, keyframes). */
  linkSummary (id) {
    const last = this.lines.filter((l) => l.startsWith('msg f2f-link-bitrate') && l.includes(`peer-id=(string)${id}`)).pop();
    const keep = ['estimate', 'sent', 'video-sent', 'loss', 'rtt', 'key-requests-received', 'encoder-keyframes'];
    const fields = last ? keep.map((f) => {
      const m = new RegExp(`[ ,]${f}=\\([a-z]+\\)([^,;]*)`).exec(last);
      return m ? `${f} ${m[1].length > 6 ? Number(m[1]).toFixed(3) : m[1]}` : null;
    }).filter((x) => x) : ['no bitrate report'];
    return `link ${this.links.get(id) || 'unknown'}, ${fields.join(', ')}`;
  }

  videoFrom (id) { return this.video.get(id) || 0; }
  audioFrom (id) { return this.audio.get(id) || 0; }

  kill () {
    try { process.kill(-this.child.pid, 'SIGKILL'); } catch (e) { /* gone */ }
  }
}

/** Launches a browser from Debian's package through puppeteer-core. */
export async function launchBrowser (puppeteer, kind) {
  if (kind === 'firefox') {
    const exe = ['/usr/bin/firefox-esr', '/usr/bin/firefox'].find(existsSync);
    if (!exe) return null;
    return puppeteer.launch({
      browser: 'firefox',
      executablePath: exe,
      headless: true,
      extraPrefsFirefox: {
        'media.navigator.streams.fake': true,
        'media.navigator.permission.disabled': true,
        'media.autoplay.default': 0,
        'media.autoplay.block-webaudio': false,
        'media.cubeb.force_mock_context': true,
        'media.peerconnection.ice.loopback': true,
        'media.peerconnection.ice.obfuscate_host_addresses': false
      }
    });
  }
  const exe = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
  if (!exe) return null;
  return puppeteer.launch({
    executablePath: exe,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required',
      '--disable-features=WebRtcHideLocalIpsWithMdns'
    ]
  });
}

/** Opens the page and joins through its form. */
export async function joinThroughForm (page, server, { room, name, password = '' }) {
  await page.goto(`${server.http}/?room=${encodeURIComponent(room)}`, { waitUntil: 'load' });
  await page.waitForSelector('#join-form');
  await page.$eval('#name', (e, v) => { e.value = v; }, name);
  await page.$eval('#password', (e, v) => { e.value = v; }, password);
  await page.click('#join');
}

/** The page's own peer id once joined. */
export function pageId (page) {
  return page.evaluate(() => window.f2fApp?.room?.id || null);
}

/**
 * What a page knows of its video from @id, as one line for a failure
 * message: the connection, the agreed video codec, the transceiver's
 * direction and the inbound video counters (packets, frames, keyframes,
 * PLIs/NACKs it sent). A test that finds no picture says which step
 * stopped: nothing arrived, arrived but not decoded, or decoded but not
 * shown.
 */
export function videoReport (page, id) {
  return page.evaluate(async (i) => {
    const link = window.f2fApp?.room?.links.get(i);
    if (!link?.pc) return 'no link';
    const pc = link.pc;
    const out = [`pc ${pc.connectionState}/${pc.iceConnectionState}`];
    const sdp = pc.currentRemoteDescription?.sdp;
    const m = sdp?.split(/\r\nm=/).find((s) => s.startsWith('video'));
    if (m) {
      const pt = m.split(' ')[3];
      const map = new RegExp(`a=rtpmap:${pt} ([^\\r]+)`).exec(m);
      const fmtp = new RegExp(`a=fmtp:${pt} ([^\\r]+)`).exec(m);
      out.push(`remote video ${pt} ${map?.[1] || '?'} ${fmtp?.[1] || ''}`.trim());
    } else out.push('no remote video section');
    for (const t of pc.getTransceivers()) {
      if (t.receiver.track.kind === 'video') out.push(`transceiver ${t.mid} ${t.direction}/${t.currentDirection}`);
    }
    const stats = await pc.getStats();
    stats.forEach((r) => {
      if (r.type !== 'inbound-rtp' || r.kind !== 'video') return;
      const codec = r.codecId ? stats.get(r.codecId)?.mimeType : '?';
      out.push(`inbound ${r.ssrc} ${codec}: ${r.packetsReceived} packets, ${r.packetsLost} lost, ` +
        `${r.framesReceived ?? '?'} frames received, ${r.framesDecoded} decoded, ${r.keyFramesDecoded ?? '?'} key, ` +
        `${r.framesDropped ?? '?'} dropped, PLI ${r.pliCount} NACK ${r.nackCount}, ${r.decoderImplementation || ''}`);
    });
    return out.join('; ');
  }, id);
}
