// f2f browser test: a room of two gst-launch-style f2fsignal peers and
// headless browsers (Debian's Chromium; Firefox ESR with F2F_TEST_FIREFOX=1)
// using the page the server serves at / by default.
// Copyright (C) 2026 the f2f authors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Runs in a private network namespace with only loopback (root), like the
// integration tests; every port is chosen by the OS.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  GstPeer, SKIP, check, enterPrivateNetns, joinThroughForm,
  launchBrowser, loadPuppeteer, log, pageId, runMain, startServer, waitFor
} from './lib.mjs';

enterPrivateNetns();

const FRAMES = 30;
const ROOM = 'browsers';
const PASSWORD = 'pw-1';
const tmp = mkdtempSync(path.join(tmpdir(), 'f2f-browser-'));
const browsers = [];

async function pageFrames (page, id) {
  return page.evaluate((i) => window.f2fApp.frames(i), id);
}

// Everyone on @pages decodes video (frames shown in the tile) from every id
// of @ids, and has audio samples from each.
async function pageDecodesAll (page, ids, frames = FRAMES) {
  for (const id of ids) {
    if (await pageFrames(page, id) < frames) return false;
    const samples = await page.evaluate((i) => window.f2fApp.room.links.get(i)?.stats.audioSamples || 0, id);
    if (samples < 48000 / 10) return false;
  }
  return true;
}

async function describe (page, ids) {
  const out = [];
  for (const id of ids) {
    out.push(`${id}: ${await pageFrames(page, id)} frames, ${await page.evaluate((i) => JSON.stringify(window.f2fApp.room.links.get(i)?.stats || null), id)}`);
  }
  return out.join('; ');
}

function isColour ([r, g, b], which) {
  if (which === 'red') return r > 150 && g < 90 && b < 90;
  if (which === 'blue') return b > 150 && r < 90 && g < 90;
  return false;
}

async function main () {
  const puppeteer = await loadPuppeteer();
  const server = await startServer();

  // The page is served at / by default (from the source tree for the build tree's binary).
  const index = await fetch(`${server.http}/`).then((r) => r.text());
  check(index.includes('app.js') && index.includes('join-form'), 'the server serves the page at / without --static-dir');
  const mod = await fetch(`${server.http}/f2f.js`);
  check(mod.ok && /javascript/.test(mod.headers.get('content-type')), `f2f.js is served as JavaScript (${mod.headers.get('content-type')})`);

  const downloads = path.join(tmp, 'downloads');
  const a = new GstPeer({ server, room: ROOM, name: 'GstRed', pattern: 'red', freq: 600, password: PASSWORD, extra: ['f2ffileshare', 'name=f', `download-dir=${downloads}`] });
  const b = new GstPeer({ server, room: ROOM, name: 'GstBlue', pattern: 'blue', freq: 1000, password: PASSWORD });
  check(await waitFor(() => a.id && b.id, 15000), 'both gst peers joined');
  check(await waitFor(() => a.videoFrom(b.id) >= FRAMES && b.videoFrom(a.id) >= FRAMES, 20000), 'the gst peers decode each other');
  // From now on gst ↔ gst video must never stop while browsers come and go:
  // the longest time either count stands still is checked at the end.
  const still = { ab: [a.videoFrom(b.id), Date.now()], ba: [b.videoFrom(a.id), Date.now()], worst: 0 };
  const monitor = setInterval(() => {
    for (const [k, v] of [['ab', a.videoFrom(b.id)], ['ba', b.videoFrom(a.id)]]) {
      if (v !== still[k][0]) still[k] = [v, Date.now()];
      still.worst = Math.max(still.worst, Date.now() - still[k][1]);
    }
  }, 100);

  const chromium = await launchBrowser(puppeteer, 'chromium');
  if (!chromium) {
    console.log('SKIP: no Chromium (apt-get install chromium)');
    return SKIP;
  }
  browsers.push(chromium);
  const c1 = await chromium.newPage();
  c1.on('console', (m) => { if (process.env.F2F_TEST_VERBOSE || m.text().startsWith('f2f:')) log(`C1 console: ${m.text()}`); });
  c1.on('pageerror', (e) => log(`C1 page error: ${e.message}`));

  // ---- a browser joins through the form: it offers to both gst peers ----
  await joinThroughForm(c1, server, { room: ROOM, name: 'Chromium <one>', password: PASSWORD });
  check(await waitFor(() => pageId(c1), 10000), 'Chromium joined through the form');
  const c1id = await pageId(c1);
  check(await waitFor(() => c1.evaluate(() => document.querySelector('#join-form').offsetParent === null &&
      document.querySelector('#call').offsetParent !== null), 5000), 'the form gives way to the call once joined');
  const decoded1 = await waitFor(() => pageDecodesAll(c1, [a.id, b.id]), 30000, 250);
  check(decoded1, `Chromium decodes video and audio of both gst peers (${await describe(c1, [a.id, b.id])})`);
  check(await waitFor(() => a.videoFrom(c1id) >= FRAMES && a.audioFrom(c1id) >= FRAMES &&
      b.videoFrom(c1id) >= FRAMES && b.audioFrom(c1id) >= FRAMES, 20000),
  `both gst peers decode Chromium's video and audio (A ${a.videoFrom(c1id)}/${a.audioFrom(c1id)}, B ${b.videoFrom(c1id)}/${b.audioFrom(c1id)})`);
  const red = await c1.evaluate((i) => window.f2fApp.meanColour(i), a.id);
  const blue = await c1.evaluate((i) => window.f2fApp.meanColour(i), b.id);
  check(isColour(red, 'red') && isColour(blue, 'blue'), `the tiles show each sender's colour (A ${red}, B ${blue})`);
  const fa = await c1.evaluate((i) => window.f2fApp.dominantFrequency(i), a.id);
  const fb = await c1.evaluate((i) => window.f2fApp.dominantFrequency(i), b.id);
  check(Math.abs(fa - 600) < 30 && Math.abs(fb - 1000) < 30, `the browser hears each sender's tone (A ${fa.toFixed(0)} Hz of 600, B ${fb.toFixed(0)} Hz of 1000)`);
  check(await waitFor(() => c1.$$eval('#tiles .tile', (t) => t.length === 3), 5000), 'three tiles for a room of three');
  const names = await c1.$$eval('#tiles .tile .name', (n) => n.map((x) => x.textContent));
  check(names.includes('GstRed') && names.includes('GstBlue') && names.includes('Chromium <one> (you)'), `tiles carry the names as text (${names.join(', ')})`);

  // A phone-sized screen: nothing wider than the screen.
  await c1.setViewport({ width: 390, height: 844 });
  check(await waitFor(() => c1.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 5000),
    `the page fits a 390 px wide screen (${await c1.evaluate(() => document.documentElement.scrollWidth)} px)`);
  if (process.env.F2F_TEST_SCREENSHOTS) await c1.screenshot({ path: path.join(process.env.F2F_TEST_SCREENSHOTS, 'browser-page-phone.png'), fullPage: true });
  await c1.setViewport({ width: 1280, height: 800 });

  // ---- a second browser (its own process): browser↔browser, and the first answers ----
  const secondKind = process.env.F2F_TEST_SECOND_BROWSER || (existsSync('/usr/bin/firefox-esr') ? 'firefox' : 'chromium');
  const chromium2 = await launchBrowser(puppeteer, secondKind);
  browsers.push(chromium2);
  const c2 = await chromium2.newPage();
  c2.on('pageerror', (e) => log(`C2 page error: ${e.message}`));
  c2.on('console', (m) => { if (process.env.F2F_TEST_VERBOSE || m.text().startsWith('f2f:')) log(`C2 console: ${m.text()}`); });
  await joinThroughForm(c2, server, { room: ROOM, name: secondKind === 'firefox' ? 'Firefox' : 'Chromium two', password: PASSWORD });
  check(await waitFor(() => pageId(c2), 10000), `a second browser (${secondKind}) joined`);
  const c2id = await pageId(c2);
  check(await waitFor(() => pageDecodesAll(c2, [a.id, b.id, c1id]), 30000, 250), `the second browser decodes everyone (${await describe(c2, [a.id, b.id, c1id])})`);
  check(await waitFor(() => pageDecodesAll(c1, [c2id]), 20000, 250), 'the first Chromium (answering) decodes the second browser');
  check(await waitFor(() => a.videoFrom(c2id) >= FRAMES && b.videoFrom(c2id) >= FRAMES, 20000), 'the gst peers decode the second browser');

  check(await waitFor(() => c1.$$eval('#tiles .tile', (t) => t.length === 4), 10000), 'four tiles for a room of four');
  if (process.env.F2F_TEST_SCREENSHOTS) {
    await c1.evaluate(() => { document.querySelector('#chat-input').value = ''; });
    await c1.screenshot({ path: path.join(process.env.F2F_TEST_SCREENSHOTS, 'browser-page.png') });
  }

  // ---- chat: browser → gst and browser, gst → browser; markup stays text ----
  const allOpen = (page) => page.evaluate(() => [...window.f2fApp.room.links.values()].every((l) => l.controlOpen && l.state === 'connected'));
  check(await waitFor(async () => await allOpen(c1) && await allOpen(c2), 30000), 'every browser link is connected with its control channel open');
  const markup = 'hi <b>bold</b> & <img src=x onerror="window.pwned=1"> <script>window.pwned=2</script>';
  await c1.type('#chat-input', markup);
  await c1.click('#chat-form button');
  check(await waitFor(() => a.chats.some((c) => c.text === markup) && b.chats.some((c) => c.text === markup), 10000), 'a browser\'s chat reaches both gst peers as sent');
  check(await waitFor(() => c2.$$eval('#chat-log li .text', (l) => l.map((x) => x.textContent)).then((t) => t.includes(markup)), 10000), 'the other browser shows it');
  const injected = await c2.evaluate(() => ({ b: document.querySelectorAll('#chat-log b, #chat-log img, #chat-log script').length, pwned: window.pwned || 0 }));
  check(injected.b === 0 && injected.pwned === 0, 'chat markup renders as text, never as elements');
  await c2.type('#chat-input', `from ${secondKind} & co`);
  await c2.click('#chat-form button');
  check(await waitFor(() => b.chats.some((c) => c.text === `from ${secondKind} & co`) &&
      c1.$$eval('#chat-log li .text', (l) => l.map((x) => x.textContent)).then((t) => t.includes(`from ${secondKind} & co`)), 10000),
  `${secondKind}'s chat reaches a gst peer and Chromium`);
  check(await waitFor(async () => a.links.get(c1id) === 'connected' && await c1.evaluate((i) => window.f2fApp.room.links.get(i)?.controlOpen, a.id), 30000),
    `gst peer A's link to Chromium is connected (${a.links.get(c1id)})`);
  a.send('chat hello from <i>gst</i>');
  check(await waitFor(() => c1.$$eval('#chat-log li .text', (l) => l.map((x) => x.textContent)).then((t) => t.includes('hello from <i>gst</i>')), 10000), 'a gst peer\'s chat shows in the browser as text');

  // ---- files: browser → gst (SHA-256 on disk), browser → browser, gst → browser ----
  const size = 3 * 1024 * 1024 + 12345;
  const shared = await c1.evaluate(async (n) => {
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(n, i + 65536)));
    const file = new File([bytes], 'from chromium <1>.bin', { type: 'application/octet-stream' });
    const id = await window.f2fApp.room.shareFile(file);
    return { id, sha256: window.f2fApp.room.files.get(id).manifest.sha256 };
  }, size);
  check(await waitFor(() => a.files.some((f) => f.id === shared.id), 30000), 'a gst peer with f2ffileshare fetched the browser\'s file');
  const onDisk = a.files.find((f) => f.id === shared.id);
  const diskSha = createHash('sha256').update(readFileSync(onDisk.path)).digest('hex');
  check(diskSha === shared.sha256, `its SHA-256 on disk equals the browser's (${diskSha.slice(0, 16)}…)`);
  check(await waitFor(() => c2.$(`#file-list li[data-file="${shared.id}"] button`), 10000), 'the other browser lists the file with a Get button');
  await c2.click(`#file-list li[data-file="${shared.id}"] button`);
  check(await waitFor(() => c2.$eval(`#file-list li[data-file="${shared.id}"] .fstate`, (e) => e.textContent.includes('SHA-256 verified')), 30000),
    `browser → browser: the file completes with its SHA-256 verified (${await c2.$eval(`#file-list li[data-file="${shared.id}"]`, (e) => e.textContent)}; ` +
    `${secondKind}'s link to Chromium ${await c2.evaluate((i) => JSON.stringify(window.f2fApp.room.links.get(i)?.stats), c1id)})`);
  const gstFile = path.join(tmp, 'from-gst.bin');
  writeFileSync(gstFile, randomBytes(1024 * 1024 + 7));
  const gstSha = createHash('sha256').update(readFileSync(gstFile)).digest('hex');
  a.send(`share ${gstFile}`);
  check(await waitFor(() => c1.evaluate((s) => [...window.f2fApp.room.files.values()].some((f) => f.manifest.sha256 === s), gstSha), 15000), 'the browser hears of the gst peer\'s file');
  const gstId = await c1.evaluate((s) => [...window.f2fApp.room.files.values()].find((f) => f.manifest.sha256 === s).manifest.id, gstSha);
  await c1.click(`#file-list li[data-file="${gstId}"] button`);
  check(await waitFor(() => c1.$eval(`#file-list li[data-file="${gstId}"] .fstate`, (e) => e.textContent.includes('SHA-256 verified')), 30000),
    'gst → browser: the file completes with its SHA-256 verified');

  // ---- a wrong password shows the server's message ----
  const ctx = await chromium.createBrowserContext();
  const wrong = await ctx.newPage();
  await joinThroughForm(wrong, server, { room: ROOM, name: 'Mallory', password: 'not-it' });
  check(await waitFor(() => wrong.$eval('#join-error', (e) => e.textContent.includes('wrong password')), 10000),
    `a wrong password shows the server's message ("${await wrong.$eval('#join-error', (e) => e.textContent)}")`);
  await ctx.close();

  // ---- the first browser reloads: it leaves and rejoins, everyone decodes it again ----
  await c1.reload({ waitUntil: 'load' });
  check(await waitFor(() => a.left.some((l) => l.id === c1id && l.reason === 'left'), 10000), 'a reload leaves the room (leave on pagehide)');
  await joinThroughForm(c1, server, { room: ROOM, name: 'Chromium <one>', password: PASSWORD });
  check(await waitFor(() => pageId(c1), 10000), 'the reloaded page rejoined');
  const c1new = await pageId(c1);
  check(await waitFor(() => pageDecodesAll(c1, [a.id, b.id]), 30000, 250), 'after the reload it decodes both gst peers again');
  check(await waitFor(() => a.videoFrom(c1new) >= FRAMES && b.videoFrom(c1new) >= FRAMES, 20000), 'and they decode it');
  check(await waitFor(async () => await pageDecodesAll(c1, [c2id]) && await pageDecodesAll(c2, [c1new]), 30000, 250),
    `the reloaded page offers to the ${secondKind} page, which answers: both decode each other (${await describe(c2, [c1new])})`);

  // ---- the second browser crashes (its process killed, no leave): the rest carry on ----
  const before = { ab: a.videoFrom(b.id), ba: b.videoFrom(a.id), c1a: await pageFrames(c1, a.id) };
  chromium2.process().kill('SIGKILL');
  browsers.splice(browsers.indexOf(chromium2), 1);
  check(await waitFor(() => a.left.some((l) => l.id === c2id) && b.left.some((l) => l.id === c2id), 30000),
    `the gst peers hear that the crashed browser left (${a.left.filter((l) => l.id === c2id).map((l) => l.reason).join(',')})`);
  check(await waitFor(async () => a.videoFrom(b.id) >= before.ab + 50 && b.videoFrom(a.id) >= before.ba + 50 &&
      await pageFrames(c1, a.id) >= before.c1a + 50, 30000), 'gst↔gst and gst→browser video kept flowing');
  check(await waitFor(() => c1.$$eval('#tiles .tile', (t) => t.length === 3), 30000), 'the first browser\'s tiles match the room again (3)');

  // A browser going (reload: leave + its connections closed; crash: no leave) may break a gst peer's link to it
  // a few ms before the server says it left; that link must not be rebuilt towards someone who is gone.
  const rebuilt = [a, b].flatMap((p) => p.lines.filter((l) => l.startsWith('warning ') && l.includes('rebuilding') &&
    !l.includes("'GstRed'") && !l.includes("'GstBlue'")));
  check(rebuilt.length === 0, `no gst peer rebuilt a link to a browser that was leaving (${rebuilt.join(' | ') || 'none'})`);

  clearInterval(monitor);
  check(still.worst < 6000, `gst ↔ gst video never stood still for 6 s while browsers joined, reloaded and crashed (longest: ${still.worst} ms; stats every 250 ms at 10 fps)`);
  check(!a.exited && !b.exited, 'no gst peer exited');
  return 0;
}

await runMain(main, browsers, () => rmSync(tmp, { recursive: true, force: true }));
