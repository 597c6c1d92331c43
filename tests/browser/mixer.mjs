// f2f browser test: a browser as the client of a GStreamer mixer.
// Copyright (C) 2026 the f2f authors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A room of two f2fsignal peers (GstRed: red, 600 Hz; GstBlue: blue,
// 1000 Hz, which measures what it plays) and a headless browser (Chromium,
// or Firefox ESR with F2F_TEST_BROWSER=firefox) sending a green picture and
// an 800 Hz tone. GstRed proposes itself as the mixer: the browser must
// send only to GstRed, show and hear GstRed's composite and mix-minus, and
// GstBlue must see and hear the browser through GstRed. Back to the mesh:
// direct streams again. Then the room names the browser a mixer too: it
// declines, and the room ends on the plan it proposed instead.
//
// In a private network namespace with only loopback (root), OS-chosen ports.

import {
  GstPeer, SKIP, check, enterPrivateNetns, joinThroughForm,
  launchBrowser, loadPuppeteer, log, pageId, runMain, sleep, startServer, waitFor
} from './lib.mjs';

enterPrivateNetns();

const FRAMES = 30;
const ROOM = 'mixer';
const KIND = process.env.F2F_TEST_BROWSER || 'chromium';
const TONES = [600, 1000, 800];                 // GstRed, GstBlue, the browser
const RED = [255, 0, 0]; const BLUE = [0, 0, 255]; const GREEN = [0, 255, 0];
// spectrum's scale at GstBlue (tones played at volume 0.15, as integration/mixer)
const HEARD_DB = -45;
// Pixels of a colour in GstBlue's 64×48 picture: a tile of a tile.
const SEEN_PIXELS = 12;
let browser = null;
const browsers = [];

// A green canvas and an 800 Hz oscillator replace the fake camera and mic,
// so that every receiver can tell the browser's picture and voice apart.
function syntheticMedia () {
  const canvas = document.createElement('canvas');
  canvas.width = 320; canvas.height = 240;
  const g = canvas.getContext('2d');
  let n = 0;
  window.f2fTestPaint = setInterval(() => {
    g.fillStyle = 'rgb(0,255,0)';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.fillStyle = 'rgb(0,250,0)';        // a change, so that every tick is a frame
    g.fillRect(n++ % 2, 0, 1, 1);
  }, 50);
  const ctx = new AudioContext();
  const osc = ctx.createOscillator();
  osc.frequency.value = 800;
  const gain = ctx.createGain();
  gain.gain.value = 0.15;
  const dest = ctx.createMediaStreamDestination();
  osc.connect(gain).connect(dest);
  osc.start();
  ctx.resume();
  window.f2fTestAudio = ctx;
  const stream = new MediaStream([canvas.captureStream(20).getVideoTracks()[0], dest.stream.getAudioTracks()[0]]);
  window.f2fApp.room.setStream(stream);
  window.f2fApp.tiles.get('self').video.srcObject = stream;
}

function near (colourShares, k, min) {
  return colourShares && colourShares[k] >= min;
}

async function main () {
  const puppeteer = await loadPuppeteer();
  const server = await startServer();

  const a = new GstPeer({ server, room: ROOM, name: 'GstRed', pattern: 'red', freq: 600, volume: 0.15 });
  const b = new GstPeer({
    server, room: ROOM, name: 'GstBlue', pattern: 'blue', freq: 1000, volume: 0.15,
    probe: { tones: TONES, colours: ['ff0000', '0000ff', '00ff00'] }
  });
  check(await waitFor(() => a.id && b.id, 15000), 'both gst peers joined');
  check(await waitFor(() => a.videoFrom(b.id) >= FRAMES && b.videoFrom(a.id) >= FRAMES, 20000), 'the gst peers decode each other');

  browser = await launchBrowser(puppeteer, KIND);
  if (browser) browsers.push(browser);
  if (!browser) {
    console.log(`SKIP: no ${KIND} (apt-get install ${KIND === 'firefox' ? 'firefox-esr' : 'chromium'})`);
    return SKIP;
  }
  const page = await browser.newPage();
  page.on('console', (m) => { if (process.env.F2F_TEST_VERBOSE || m.text().startsWith('f2f:')) log(`page: ${m.text()}`); });
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  await joinThroughForm(page, server, { room: ROOM, name: `${KIND} client` });
  check(await waitFor(() => pageId(page), 10000), `${KIND} joined through the form`);
  const me = await pageId(page);
  await page.evaluate(syntheticMedia);
  check(await waitFor(() => page.evaluate(() => window.f2fTestAudio.state === 'running'), 5000),
    `the browser's 800 Hz tone plays (its AudioContext is ${await page.evaluate(() => window.f2fTestAudio.state)})`);

  const frames = (id) => page.evaluate((i) => window.f2fApp.frames(i), id);
  // Video frames the browser decoded from @id (getStats, whatever the page shows).
  const decodedOn = (pg, id) => pg.evaluate(async (i) => {
    let n = 0;
    (await window.f2fApp.room.links.get(i).pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') n += r.framesDecoded || 0; });
    return n;
  }, id);
  const linkStats = (id) => page.evaluate((i) => window.f2fApp.room.links.get(i)?.stats || null, id);
  const shares = (id) => page.evaluate((i, c) => window.f2fApp.colourShares(i, c), id, [RED, BLUE, GREEN]);
  const levels = (id) => page.evaluate((i, f) => window.f2fApp.toneLevels(i, f), id, TONES);
  const role = () => page.evaluate(() => ({ ...window.f2fApp.room.role, badge: document.querySelector('#topology-role').textContent }));
  // Counts that stand still over @ms: what arrives from (or goes to) a peer that sends nothing.
  async function grows (read, ms = 3000) {
    const before = await read();
    await sleep(ms);
    return (await read()) - before;
  }
  const bSees = (k) => b.colours && b.colours[k] >= SEEN_PIXELS;
  const bHears = (k) => b.tones && b.tones[k] >= HEARD_DB;

  // ---- mesh: everyone decodes everyone directly ----
  check(await waitFor(async () => await frames(a.id) >= FRAMES && await frames(b.id) >= FRAMES, 30000, 250),
    `mesh: the browser decodes both gst peers (${await frames(a.id)}, ${await frames(b.id)} frames)`);
  check(await waitFor(() => a.videoFrom(me) >= FRAMES && b.videoFrom(me) >= FRAMES, 20000),
    `mesh: both gst peers decode the browser (${a.videoFrom(me)}, ${b.videoFrom(me)} frames)`);
  check(await waitFor(() => bSees(2) && bHears(2), 15000),
    `mesh: GstBlue sees green and hears 800 Hz (${b.colours} px, ${b.tones} dB)`);

  // ---- GstRed becomes the mixer ----
  // The browser misses the plan: it ignores every plan message for 3 s from
  // the first (the proposal and GstBlue's relay), as if lost. Its
  // heartbeats name no plan, so the gst peers send theirs again
  // (docs/protocol.md, "Topology plans").
  await page.evaluate(() => {
    const room = window.f2fApp.room;
    const onPlan = room.onPlan.bind(room);
    let until = 0;
    window.f2fTestIgnoredPlans = 0;
    window.f2fTestPlans = 0;
    room.onPlan = (link, obj) => {
      const now = performance.now();
      window.f2fTestPlans++;
      if (!until) until = now + 3000;
      if (now < until) {
        window.f2fTestIgnoredPlans++;
        return;
      }
      onPlan(link, obj);
    };
  });
  const proposed = Date.now();
  a.send(`topology ${a.id}`);
  check(await waitFor(() => a.role === 'mixer' && b.role === 'client' && b.roleMixer === a.id, 10000),
    `GstRed is the mixer, GstBlue its client (${a.role}, ${b.role} of ${b.roleMixer})`);
  check(await waitFor(async () => { const r = await role(); return r.role === 'client' && r.mixer === a.id; }, 6000),
    `the browser adopted the plan it missed within 6 s: a client of GstRed (${JSON.stringify(await role())})`);
  const adoptedMs = Date.now() - proposed;
  const ignored = await page.evaluate(() => window.f2fTestIgnoredPlans);
  check(ignored >= 2 && adoptedMs >= 2900,
    `… after ignoring ${ignored} plan messages (the proposal, the relay, the answers to its heartbeats) for 3 s: adopted ${adoptedMs} ms after the proposal`);
  // Once it holds the plan its heartbeats name it: the answers stop.
  const plansThen = await page.evaluate(() => window.f2fTestPlans);
  await sleep(3000);   // a measured window, not a wait for an outcome
  const plansAfter = await page.evaluate(() => window.f2fTestPlans) - plansThen;
  check(plansAfter <= 2, `no more plan messages once it holds the plan (${plansAfter} in 3 s; in flight at most 2)`);
  const badge = (await role()).badge;
  check(badge === 'client of GstRed (mixer)', `the page shows its role and mixer ("${badge}")`);
  // (after the 300 ms during which what stops goes on: make before break)
  check(await waitFor(() => page.$eval(`#tiles .tile[data-peer="${b.id}"]`, (t) => t.classList.contains('via-mixer') && t.querySelector('video').muted), 5000),
    'the page shows GstBlue as in the mixer\'s picture, its own tile muted');

  // What the browser receives: GstRed's composite (red, blue and its own green) and a mix of 600 + 1000 Hz without its own 800 Hz.
  check(await waitFor(async () => { const s = await shares(a.id); return near(s, 0, 0.02) && near(s, 1, 0.02) && near(s, 2, 0.02); }, 15000, 250),
    `the browser shows GstRed's composite: red, blue and its own green (${(await shares(a.id))?.map((x) => x.toFixed(3))})`);
  let heard = null;
  check(await waitFor(async () => {
    heard = await levels(a.id);
    return heard && heard[0] > -70 && heard[1] > -70 && heard[2] < Math.min(heard[0], heard[1]) - 30;
  }, 15000, 250), `the browser hears GstRed's mix-minus: 600 and 1000 Hz, not its own 800 Hz (${heard?.map((x) => x.toFixed(0))} dB)`);
  const fromA = await grows(() => decodedOn(page, a.id));
  const fromB = await grows(() => decodedOn(page, b.id));
  check(fromA >= 10 && fromB === 0, `the browser decodes the mixer only (3 s: ${fromA} frames from GstRed, ${fromB} from GstBlue)`);
  // A phone-sized screen with the mixer's badge and its double-width tile: nothing wider than the screen.
  await page.setViewport({ width: 390, height: 844 });
  check(await waitFor(() => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 5000),
    `as a mixer's client the page fits a 390 px wide screen (${await page.evaluate(() => document.documentElement.scrollWidth)} px)`);
  if (process.env.F2F_TEST_SCREENSHOTS) {
    await page.evaluate(() => { document.querySelector('#chat-input').value = ''; });
    await page.screenshot({ path: `${process.env.F2F_TEST_SCREENSHOTS}/browser-mixer-phone-${KIND}.png`, fullPage: true });
    await page.setViewport({ width: 1280, height: 800 });
    await page.screenshot({ path: `${process.env.F2F_TEST_SCREENSHOTS}/browser-mixer-${KIND}.png` });
  }
  await page.setViewport({ width: 1280, height: 800 });
  // What the browser sends: its camera to the mixer only.
  const toA = (await linkStats(a.id)).sentBps; const toB = (await linkStats(b.id)).sentBps;
  // (a still green picture costs little: Opus is most of it)
  check(toA > 20000 && toB < 2000, `the browser sends to the mixer only (${Math.round(toA / 1000)} kb/s to GstRed, ${Math.round(toB / 1000)} kb/s to GstBlue)`);
  const bDirect = await grows(() => b.videoFrom(me));
  const aDirect = await grows(() => a.videoFrom(me));
  check(bDirect === 0 && aDirect >= 10, `GstBlue decodes nothing from the browser directly, the mixer does (3 s: ${bDirect}, ${aDirect} frames)`);
  // GstBlue sees and hears the browser through the mixer.
  const reports = b.colourReports;
  check(await waitFor(() => b.colourReports >= reports + 2 && bSees(2) && bHears(2) && bHears(0), 15000),
    `GstBlue sees the browser's green and hears its 800 Hz through GstRed (${b.colours} px of red/blue/green, ${b.tones} dB at ${TONES})`);

  // ---- back to the mesh ----
  a.send('topology');
  check(await waitFor(async () => (await role()).role === 'mesh' && a.role === 'mesh' && b.role === 'mesh', 10000),
    `back to the mesh everywhere (${(await role()).badge})`);
  check(await waitFor(async () => await grows(() => decodedOn(page, b.id), 1000) >= 5, 15000, 0), 'the browser decodes GstBlue directly again');
  check(await waitFor(async () => await grows(() => b.videoFrom(me), 1000) >= 5, 15000, 0), 'GstBlue decodes the browser directly again');
  const blue = await page.evaluate((i) => window.f2fApp.meanColour(i), b.id);
  check(blue && blue[2] > 150 && blue[0] < 90, `GstBlue's tile is blue again (${blue})`);
  check(await waitFor(() => page.$eval(`#tiles .tile[data-peer="${b.id}"]`, (t) => !t.classList.contains('via-mixer') && !t.querySelector('video').muted), 5000),
    'GstBlue\'s tile shows and plays again');
  const toB2 = (await linkStats(b.id)).sentBps;
  check(toB2 > 20000, `the browser sends to GstBlue again (${Math.round(toB2 / 1000)} kb/s)`);

  // ---- the room names the browser a mixer: it declines ----
  const before = (await page.evaluate(() => window.f2fApp.room.plan.epoch));
  b.send(`topology ${a.id},${me}`);
  check(await waitFor(async () => {
    const p = await page.evaluate(() => window.f2fApp.room.plan);
    return p.epoch === before + 2 && p.proposer === me;
  }, 10000), `the browser declined and proposed a plan of its own, one epoch up (${JSON.stringify(await page.evaluate(() => window.f2fApp.room.plan))})`);
  check(await waitFor(() => a.plan?.epoch === before + 2 && a.plan.proposer === me && a.plan.mixers === a.id &&
      b.plan?.epoch === before + 2 && b.plan.proposer === me, 10000),
  `both gst peers adopted it: GstRed the only mixer (${JSON.stringify(a.plan)}, ${JSON.stringify(b.plan)})`);
  check(await waitFor(async () => { const r = await role(); return r.role === 'client' && r.mixer === a.id; }, 10000),
    'the browser is GstRed\'s client under it');
  check(await waitFor(() => page.$eval('#status', (e) => e.textContent.includes('cannot mix')), 5000),
    `the page says why (${await page.$eval('#status', (e) => e.textContent)})`);
  check(await waitFor(async () => await grows(() => a.videoFrom(me), 1000) >= 5, 15000, 0), 'GstRed decodes the browser');

  // ---- a late joiner under the plan: a client of the first mixer, told the plan by whoever holds it ----
  // (its own browser process: a second page of the same Chromium got no
  // camera frames here, whether or not it was brought to the front)
  const second = await launchBrowser(puppeteer, KIND);
  browsers.push(second);
  const late = await second.newPage();
  late.on('pageerror', (e) => log(`late page error: ${e.message}`));
  await joinThroughForm(late, server, { room: ROOM, name: `${KIND} late` });
  check(await waitFor(() => pageId(late), 10000), 'a second page joins the room');
  const lateId = await pageId(late);
  check(await waitFor(() => late.evaluate((m) => window.f2fApp.room.role.role === 'client' && window.f2fApp.room.role.mixer === m, a.id), 15000),
    `it learns the plan and is GstRed's client (${JSON.stringify(await late.evaluate(() => window.f2fApp.room.role))})`);
  check(await waitFor(async () => await late.evaluate((i) => window.f2fApp.frames(i), a.id) >= FRAMES, 20000, 250), 'it decodes GstRed\'s composite');
  check(await waitFor(() => a.videoFrom(lateId) >= FRAMES, 20000),
    `GstRed decodes it (${a.videoFrom(lateId)} frames; its link to GstRed ${await late.evaluate((i) => JSON.stringify(window.f2fApp.room.links.get(i)?.stats), a.id)})`);
  const lateToB = await grows(() => b.videoFrom(lateId));
  const lateToMe = await grows(() => decodedOn(page, lateId));
  check(lateToB === 0 && lateToMe === 0, `it sends nothing to GstBlue or the first browser (3 s: ${lateToB}, ${lateToMe} frames)`);

  check(!a.exited && !b.exited, 'no gst peer exited');

  // ---- the mixer dies: the plan is the mesh for everyone, without a message ----
  a.kill();
  check(await waitFor(async () => (await role()).role === 'mesh' && b.role === 'mesh', 15000),
    `GstRed killed: the browser and GstBlue fall back on the mesh (${(await role()).badge}, ${b.role})`);
  check(await waitFor(async () => await grows(() => decodedOn(page, b.id), 1000) >= 5, 15000, 0), 'the browser decodes GstBlue directly');
  check(await waitFor(async () => await grows(() => b.videoFrom(me), 1000) >= 5, 15000, 0), 'GstBlue decodes the browser directly');
  return 0;
}

await runMain(main, browsers);
