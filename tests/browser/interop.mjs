// f2f browser test, interop: a gst peer that sends H.264 (video-codec=h264)
// in a room with Chromium (which has H.264) and Firefox ESR (which, as
// Debian ships it, has no H.264 for WebRTC: its OpenH264 plugin is
// downloaded at run time, and this machine downloads nothing); then a gst
// peer that joins after the browsers, so that it is the one that offers to
// them (in browser/room the browsers always offer to the gst peers).
// Copyright (C) 2026 the f2f authors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Chromium must see the gst peer's H.264 picture and hear its tone.
// Firefox must hear the tone although it cannot take the video: a section
// without a codec in common must cost that section only. (Firefox used to
// get no audio either: webrtcbin 1.22 gave the offer's audio section to
// f2f's idle H.264 sender; see f2fpeerlink.c add_sender.)

import {
  GstPeer, SKIP, check, enterPrivateNetns, joinThroughForm,
  launchBrowser, loadPuppeteer, log, pageId, runMain, startServer, videoReport, waitFor
} from './lib.mjs';

enterPrivateNetns();

const FRAMES = 30;
const ROOM = 'codecs';
const browsers = [];

const frames = (page, id) => page.evaluate((i) => window.f2fApp.frames(i), id);
const samples = (page, id) => page.evaluate((i) => window.f2fApp.room.links.get(i)?.stats.audioSamples || 0, id);

async function main () {
  const puppeteer = await loadPuppeteer();
  const server = await startServer();
  const a = new GstPeer({ server, room: ROOM, name: 'GstRed', pattern: 'red', freq: 600, codec: 'h264' });
  check(await waitFor(() => a.id, 15000), 'the gst peer (H.264) joined');

  const chromium = await launchBrowser(puppeteer, 'chromium');
  const firefox = await launchBrowser(puppeteer, 'firefox');
  if (!chromium || !firefox) {
    console.log('SKIP: needs Chromium and Firefox ESR (apt-get install chromium firefox-esr)');
    return SKIP;
  }
  browsers.push(chromium, firefox);
  const c = await chromium.newPage();
  const f = await firefox.newPage();
  for (const [p, n] of [[c, 'Chromium'], [f, 'Firefox']]) {
    p.on('pageerror', (e) => log(`${n} page error: ${e.message}`));
    if (process.env.F2F_TEST_VERBOSE) p.on('console', (m) => log(`${n} console: ${m.text()}`));
  }

  // Firefox offers to the gst peer (it joins after it) with VP8 only.
  await joinThroughForm(f, server, { room: ROOM, name: 'Firefox' });
  check(await waitFor(() => pageId(f), 10000), 'Firefox joined');
  const fid = await pageId(f);
  check(await waitFor(async () => await samples(f, a.id) >= 48000, 20000),
    `Firefox plays the H.264 peer's audio (${await samples(f, a.id)} samples)`);
  const ff = await f.evaluate((i) => window.f2fApp.dominantFrequency(i), a.id);
  check(Math.abs(ff - 600) < 30, `Firefox hears its tone (${ff.toFixed(0)} Hz of 600)`);
  check(await waitFor(() => a.videoFrom(fid) >= FRAMES && a.audioFrom(fid) >= FRAMES, 20000),
    `the gst peer decodes Firefox's VP8 video and its audio (${a.videoFrom(fid)} / ${a.audioFrom(fid)} frames)`);
  const warned = a.lines.filter((l) => l.startsWith('warning ') && l.includes("'Firefox'"));
  check(warned.length === 1 && warned[0].includes("will not get this peer's video:"),
    `the gst peer says Firefox gets no video from it, and nothing more (${warned.join(' | ') || 'no warning'})`);
  check(await frames(f, a.id) === 0, 'Firefox shows no picture from it (no codec in common)');

  // Chromium offers to both; it has H.264.
  await joinThroughForm(c, server, { room: ROOM, name: 'Chromium' });
  check(await waitFor(() => pageId(c), 10000), 'Chromium joined');
  const cid = await pageId(c);
  const chromiumGot = await waitFor(async () => await frames(c, a.id) >= FRAMES && await samples(c, a.id) >= 48000, 30000);
  check(chromiumGot, `Chromium decodes the gst peer's H.264 video and its audio (${await frames(c, a.id)} frames shown, ` +
    `${await samples(c, a.id)} samples${chromiumGot ? '' : `; ${await videoReport(c, a.id)}; the gst peer's ${a.linkSummary(cid)}`})`);
  const red = await c.evaluate((i) => window.f2fApp.meanColour(i), a.id);
  check(red[0] > 150 && red[1] < 90 && red[2] < 90, `and the picture is the sender's red (${red})`);
  const fc = await c.evaluate((i) => window.f2fApp.dominantFrequency(i), a.id);
  check(Math.abs(fc - 600) < 30, `Chromium hears its tone (${fc.toFixed(0)} Hz of 600)`);
  check(await waitFor(() => a.videoFrom(cid) >= FRAMES && a.audioFrom(cid) >= FRAMES, 20000),
    'the gst peer decodes Chromium');
  check(await waitFor(async () => await frames(c, fid) >= FRAMES && await frames(f, cid) >= FRAMES, 30000),
    'the two browsers decode each other');
  check(!a.lines.some((l) => l.startsWith('warning ') && l.includes("'Chromium'")), 'no warning about Chromium');

  // A gst peer (VP8) joins last: f2fsignal offers to Firefox and to Chromium, and they answer.
  const b = new GstPeer({ server, room: ROOM, name: 'GstBlue', pattern: 'blue', freq: 1000 });
  check(await waitFor(() => b.id, 15000), 'a second gst peer (VP8) joined after the browsers');
  for (const [p, n, id] of [[f, 'Firefox', fid], [c, 'Chromium', cid]]) {
    check(await waitFor(async () => await frames(p, b.id) >= FRAMES && await samples(p, b.id) >= 48000, 30000),
      `${n} answers the gst peer's offer and decodes its video and audio (${await frames(p, b.id)} frames; ${await p.evaluate((i) => JSON.stringify(window.f2fApp.room.links.get(i)?.stats || null), b.id)})`);
    const blue = await p.evaluate((i) => window.f2fApp.meanColour(i), b.id);
    check(blue[2] > 150 && blue[0] < 90 && blue[1] < 90, `${n} shows its blue (${blue})`);
    const hz = await p.evaluate((i) => window.f2fApp.dominantFrequency(i), b.id);
    check(Math.abs(hz - 1000) < 30, `${n} hears its tone (${hz.toFixed(0)} Hz of 1000)`);
    check(await waitFor(() => b.videoFrom(id) >= FRAMES && b.audioFrom(id) >= FRAMES, 20000),
      `the offering gst peer decodes ${n} (${b.videoFrom(id)} / ${b.audioFrom(id)} frames)`);
  }
  check(!b.lines.some((l) => l.startsWith('warning ') && (l.includes("'Firefox'") || l.includes("'Chromium'"))),
    `the offering gst peer has no warning about the browsers (${b.lines.filter((l) => l.startsWith('warning ')).join(' | ') || 'none'})`);
  check(!a.exited && !b.exited, 'no gst peer exited');
  return 0;
}

await runMain(main, browsers);
