// f2f browser test, fec: gst peers with video-fec=true (ULPFEC in RED on
// their video) in a room with Chromium and Firefox ESR, one answering the
// browsers' offers and one offering to them, then 10 % random loss on every
// UDP packet for 15 s.
// Copyright (C) 2026 the f2f authors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// video-fec is off by default because it had only ever met other f2f
// peers. Here: both ways of negotiating agree on RED/ULPFEC with each browser;
// the video flows both ways before, under and after the loss; under it the
// gst peers send FEC to the browsers (their f2f-link-bitrate says a
// percentage above 0) and Chromium receives it (its video packets a frame
// grow beyond what they were before the loss and the retransmissions;
// Firefox's are printed, too loose to assert).

import { spawnSync } from 'node:child_process';
import {
  GstPeer, SKIP, check, enterPrivateNetns, joinThroughForm,
  launchBrowser, loadPuppeteer, log, pageId, runMain, sleep, startServer, waitFor
} from './lib.mjs';

enterPrivateNetns();

const FRAMES = 30;
const ROOM = 'fec';
const LOSS = 10;
const LOSS_S = 15;
const FEC_FROM_S = 5;
const browsers = [];

const frames = (page, id) => page.evaluate((i) => window.f2fApp.frames(i), id);

/* Chromium's view of its link to @id: the agreed SDP's video codecs and
 * its inbound video counters. */
const linkView = (page, id) => page.evaluate(async (i) => {
  const link = window.f2fApp.room.links.get(i);
  if (!link?.pc?.currentRemoteDescription || !link.pc.currentLocalDescription) return null;
  const video = (sdp) => {
    const m = sdp.split(/\r\nm=/).find((s) => s.startsWith('video'));
    return m ? [...m.matchAll(/a=rtpmap:\d+ ([^/\r]+)/g)].map((x) => x[1].toLowerCase()) : [];
  };
  const v = { local: video(link.pc.currentLocalDescription.sdp), remote: video(link.pc.currentRemoteDescription.sdp) };
  v.fecPackets = 0;
  v.framesDecoded = 0;
  v.packetsLost = 0;
  v.packets = 0;
  v.retransmitted = 0;
  (await link.pc.getStats()).forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'video') {
      v.fecPackets += r.fecPacketsReceived || 0;
      v.framesDecoded += r.framesDecoded || 0;
      v.packetsLost += r.packetsLost || 0;
      v.packets += r.packetsReceived || 0;
      v.retransmitted += r.retransmittedPacketsReceived || 0;
    }
  });
  return v;
}, id);

/* The highest fec-percentage @peer's link to @id has said so far, from
 * @from on in its lines. */
function fecSent (peer, id, from = 0) {
  let best = 0;
  for (const l of peer.lines.slice(from)) {
    if (!l.startsWith('msg f2f-link-bitrate') || !l.includes(`peer-id=(string)${id}`)) continue;
    const m = /fec-percentage=\(uint\)(\d+)/.exec(l);
    if (m) best = Math.max(best, Number(m[1]));
  }
  return best;
}

/* The latest value of @field in @peer's f2f-link-bitrate for its link to
 * @id among its first @upto lines (0: none yet). */
function linkField (peer, id, field, upto) {
  const re = new RegExp(`[ ,]${field}=\\(uint\\)(\\d+)`);
  for (let i = upto - 1; i >= 0; i--) {
    const l = peer.lines[i];
    if (!l.startsWith('msg f2f-link-bitrate') || !l.includes(`peer-id=(string)${id}`)) continue;
    const m = re.exec(l);
    if (m) return Number(m[1]);
  }
  return 0;
}

function nft (args) {
  const r = spawnSync('nft', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nft ${args.join(' ')}: ${r.stderr || r.error}`);
}

async function main () {
  const puppeteer = await loadPuppeteer();
  if (spawnSync('nft', ['--version']).status !== 0) {
    console.log('SKIP: needs nft (apt-get install nftables)');
    return SKIP;
  }
  const server = await startServer();
  const a = new GstPeer({ server, room: ROOM, name: 'GstRed', pattern: 'red', freq: 600, props: ['video-fec=true'] });
  check(await waitFor(() => a.id, 15000), 'a gst peer with video-fec=true joined');

  const pages = [];
  for (const [kind, name] of [['chromium', 'Chromium'], ['firefox', 'Firefox']]) {
    const br = await launchBrowser(puppeteer, kind);
    if (!br) {
      console.log('SKIP: needs Chromium and Firefox ESR (apt-get install chromium firefox-esr)');
      return SKIP;
    }
    browsers.push(br);
    const page = await br.newPage();
    page.on('pageerror', (e) => log(`${name} page error: ${e.message}`));
    if (process.env.F2F_TEST_VERBOSE) page.on('console', (m) => log(`${name} console: ${m.text()}`));
    // each browser offers to the gst peer already there
    await joinThroughForm(page, server, { room: ROOM, name });
    check(await waitFor(() => pageId(page), 10000), `${name} joined`);
    pages.push({ page, name, id: await pageId(page) });
  }
  // and a second gst peer offers to both
  const b = new GstPeer({ server, room: ROOM, name: 'GstBlue', pattern: 'blue', freq: 1000, props: ['video-fec=true'] });
  check(await waitFor(() => b.id, 15000), 'a second gst peer with video-fec=true joined after the browsers');

  const pairs = [];
  for (const w of pages) {
    for (const [p, n] of [[a, 'the answering gst peer'], [b, 'the offering gst peer']]) {
      const what = `${w.name} and ${n}`;
      check(await waitFor(async () => await frames(w.page, p.id) >= FRAMES && p.videoFrom(w.id) >= FRAMES, 30000),
        `${what} decode each other's video (${await frames(w.page, p.id)} / ${p.videoFrom(w.id)} frames)`);
      const v = await linkView(w.page, p.id);
      check(v && v.local.includes('ulpfec') && v.remote.includes('ulpfec') && v.local.includes('red') && v.remote.includes('red'),
        `${what} agreed on RED/ULPFEC for video (${w.name}: ${v?.local.join(' ')}; gst: ${v?.remote.join(' ')})`);
      pairs.push({ w, p, n, what });
    }
  }

  // 10 % of every UDP packet lost on the way in (the input hook: a drop on
  // output makes sendto() fail, which no network does)
  for (const x of pairs) x.before = { view: await linkView(x.w.page, x.p.id), lines: x.p.lines.length, gst: x.p.videoFrom(x.w.id) };
  nft(['add', 'table', 'inet', 'f2ffec']);
  nft(['add', 'chain', 'inet', 'f2ffec', 'in', '{ type filter hook input priority 0 ; }']);
  nft(['add', 'rule', 'inet', 'f2ffec', 'in', 'meta', 'l4proto', 'udp', 'numgen', 'random', 'mod', '100', '<', String(LOSS), 'drop']);
  log(`${LOSS} % loss on every UDP packet for ${LOSS_S} s`);
  // the FEC is counted after the first FEC_FROM_S s (the gst peers learn
  // the loss from the browsers' receiver reports, about one a second)
  await sleep(FEC_FROM_S * 1000);
  for (const x of pairs) x.mid = { view: await linkView(x.w.page, x.p.id), lines: x.p.lines.length };
  await sleep((LOSS_S - FEC_FROM_S) * 1000);
  for (const x of pairs) x.after = { view: await linkView(x.w.page, x.p.id), lines: x.p.lines.length, gst: x.p.videoFrom(x.w.id) };
  nft(['delete', 'table', 'inet', 'f2ffec']);

  for (const x of pairs) {
    const b0 = x.before;
    const a0 = x.after;
    x.fps = (a0.view.framesDecoded - b0.view.framesDecoded) / LOSS_S;
    x.gstFps = (a0.gst - b0.gst) / LOSS_S;
    x.pct = fecSent(x.p, x.w.id, b0.lines);
    // ULPFEC rides on the video's own SSRC: the browser counts its packets
    // in packetsReceived (fecPacketsReceived stayed 0 in Chromium: it does
    // not count ULPFEC there). Before the loss (no FEC: none under 1 %
    // loss) the stream carried `ratio` packets a decoded frame; what came
    // under the loss beyond that ratio and the retransmissions is FEC.
    // (The control, a run with video-fec=false: Chromium received 151
    // packets for 149 frames, retransmissions included: nothing beyond.)
    // The retransmissions: what the browser says it received, or what the
    // gst peer says it sent if more (Firefox does not say; an upper bound
    // can only make the FEC found smaller).
    const m0 = x.mid;
    const ratio = b0.view.packets / Math.max(b0.view.framesDecoded, 1);
    const rtxSent = linkField(x.p, x.w.id, 'rtx-packets', a0.lines) - linkField(x.p, x.w.id, 'rtx-packets', m0.lines);
    const rtx = Math.max(a0.view.retransmitted - m0.view.retransmitted, rtxSent);
    x.frames = a0.view.framesDecoded - m0.view.framesDecoded;
    x.extra = (a0.view.packets - m0.view.packets) - rtx - ratio * x.frames;
    log(`${x.what}: under ${LOSS} % loss ${x.w.name} decoded ${x.fps.toFixed(1)} fps of its 10; in its last ` +
      `${LOSS_S - FEC_FROM_S} s it received ${a0.view.packets - m0.view.packets} video packets for ${x.frames} frames ` +
      `(${a0.view.retransmitted - m0.view.retransmitted} retransmitted by its count, ${rtxSent} sent, ` +
      `${x.extra.toFixed(0)} beyond ${ratio.toFixed(2)} a frame: FEC; fecPacketsReceived ${a0.view.fecPackets - m0.view.fecPackets}), ` +
      `lost ${a0.view.packetsLost - m0.view.packetsLost}; the gst peer sent FEC at up to ${x.pct} % and decoded ${x.gstFps.toFixed(1)} fps of ${x.w.name}'s`);
  }
  for (const x of pairs) {
    check(x.pct > 0, `${x.what}: the gst peer sent FEC under the loss (up to ${x.pct} %)`);
    // (Chromium only: Firefox's counters showed 8-47 a pair with FEC at
    // 50 %, too loose to tell; printed above)
    if (x.w.name === 'Chromium') check(x.extra >= 0.1 * x.frames, `${x.what}: the browser received FEC packets (${x.extra.toFixed(0)} beyond its media for ${x.frames} frames of the last ${LOSS_S - FEC_FROM_S} s)`);
    check(x.fps >= 5, `${x.what}: the browser decoded the gst peer's video under the loss (${x.fps.toFixed(1)} fps)`);
    check(x.gstFps >= 5, `${x.what}: the gst peer decoded the browser's video under the loss (${x.gstFps.toFixed(1)} fps)`);
  }
  // and after it, both ways
  for (const x of pairs) {
    const f0 = await frames(x.w.page, x.p.id);
    const g0 = x.p.videoFrom(x.w.id);
    check(await waitFor(async () => await frames(x.w.page, x.p.id) >= f0 + 10 && x.p.videoFrom(x.w.id) >= g0 + 10, 5000),
      `after the loss, ${x.what} decode each other's video again`);
  }
  check(!a.exited && !b.exited, 'no gst peer exited');
  return 0;
}

await runMain(main, browsers, () => { spawnSync('nft', ['delete', 'table', 'inet', 'f2ffec']); });
