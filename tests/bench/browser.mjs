// Browser benchmarks of docs/performance.md: page load → first decoded frame
// from a gst peer vs from another Chromium, over N loads; file transfer
// MB/s browser → gst, gst → browser and browser → browser.
// Copyright (C) 2026 the f2f authors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
//   tests/bench/browser.sh [loads] [file MiB]

import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  GstPeer, enterPrivateNetns, joinThroughForm, killAll, launchBrowser, loadPuppeteer, log, pageId,
  startServer, waitFor
} from '../browser/lib.mjs';

enterPrivateNetns();

const LOADS = Number(process.argv[2] || 20);
const MIB = Number(process.argv[3] || 20);
const tmp = mkdtempSync(path.join(tmpdir(), 'f2f-bench-'));

function pct (values, p) {
  const v = [...values].sort((x, y) => x - y);
  return v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)];
}

async function firstFrames (page, server, room, senderId) {
  const load = [];
  const join = [];
  for (let i = 0; i < LOADS; i++) {
    await joinThroughForm(page, server, { room, name: `Loader ${i}` });
    const t = await waitFor(() => page.evaluate((id) => window.f2fApp.firstFrame(id), senderId), 20000, 20);
    if (!t) throw new Error(`load ${i}: no frame from the sender in 20 s`);
    load.push(t.sinceLoad);
    join.push(t.sinceJoin);
    await page.goto('about:blank');   // pagehide: leave
    await waitFor(async () => true, 300);
  }
  return { load, join };
}

async function main () {
  const puppeteer = await loadPuppeteer();
  const server = await startServer();
  const downloads = path.join(tmp, 'dl');
  const gst = new GstPeer({ server, room: 'bench-gst', name: 'GstRed', pattern: 'red', freq: 600, extra: ['f2ffileshare', 'name=f', `download-dir=${downloads}`] });
  await waitFor(() => gst.id, 15000);
  const chromium = await launchBrowser(puppeteer, 'chromium');
  const senderBrowser = await launchBrowser(puppeteer, 'chromium');
  try {
    const sender = await senderBrowser.newPage();
    await joinThroughForm(sender, server, { room: 'bench-browser', name: 'Sender' });
    await waitFor(() => pageId(sender), 10000);
    const senderId = await pageId(sender);
    const page = await chromium.newPage();

    const fromGst = await firstFrames(page, server, 'bench-gst', gst.id);
    const fromBrowser = await firstFrames(page, server, 'bench-browser', senderId);
    const row = (name, r) => `| ${name} | ${pct(r.load, 50).toFixed(0)} / ${pct(r.load, 95).toFixed(0)} | ${pct(r.join, 50).toFixed(0)} / ${pct(r.join, 95).toFixed(0)} |`;
    console.log(`\n${LOADS} loads each, ms, p50 / p95\n`);
    console.log('| first decoded frame from | page load → frame | join click → frame |');
    console.log('|---|---|---|');
    console.log(row('a gst peer (f2fsignal)', fromGst));
    console.log(row('a Chromium page', fromBrowser));

    // Files: browser → gst, gst → browser (room bench-gst), browser → browser (bench-browser).
    await joinThroughForm(page, server, { room: 'bench-gst', name: 'Files' });
    await waitFor(() => page.evaluate((id) => window.f2fApp.room?.links.get(id)?.controlOpen, gst.id), 15000);
    const share = (p, n) => p.evaluate(async (size) => {
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65536)));
      return window.f2fApp.room.shareFile(new File([bytes], 'bench.bin'));
    }, n);
    const size = MIB * 1024 * 1024;
    const id1 = await share(page, size);
    await waitFor(() => gst.lines.some((l) => l.startsWith('msg f2f-file-received') && l.includes(id1)), 120000);
    const line = gst.lines.find((l) => l.startsWith('msg f2f-file-received') && l.includes(id1));
    const gstSeconds = Number(/seconds=\(double\)([0-9.e+-]+)/.exec(line)[1]);

    const file = path.join(tmp, 'gst.bin');
    writeFileSync(file, randomBytes(size));
    const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
    const received = (p) => p.evaluate(() => new Promise((resolve) => {
      window.f2fApp.room.addEventListener('file-received', (e) => resolve(e.detail.seconds), { once: true });
    }));
    gst.send(`share ${file}`);
    await waitFor(() => page.evaluate((s) => [...window.f2fApp.room.files.values()].some((f) => f.manifest.sha256 === s), sha), 60000);
    const fromGstDone = received(page);
    await page.evaluate((s) => window.f2fApp.room.fetchFile([...window.f2fApp.room.files.values()].find((f) => f.manifest.sha256 === s).manifest.id), sha);
    const gstToBrowser = await fromGstDone;

    await page.goto('about:blank');
    await joinThroughForm(page, server, { room: 'bench-browser', name: 'Files' });
    await waitFor(() => page.evaluate((id) => window.f2fApp.room?.links.get(id)?.controlOpen, senderId), 15000);
    const id2 = await share(sender, size);
    await waitFor(() => page.evaluate((i) => window.f2fApp.room.files.has(i), id2), 15000);
    const b2bDone = received(page);
    await page.evaluate((i) => window.f2fApp.room.fetchFile(i), id2);
    const b2b = await b2bDone;
    const mbs = (s) => (size / 1e6 / s).toFixed(1);
    console.log(`\n${MIB} MiB file, MB/s (receiver's clock, SHA-256 included)\n`);
    console.log('| transfer | MB/s |');
    console.log('|---|---|');
    console.log(`| Chromium → gst (f2ffileshare) | ${mbs(gstSeconds)} |`);
    console.log(`| gst → Chromium | ${mbs(gstToBrowser)} |`);
    console.log(`| Chromium → Chromium | ${mbs(b2b)} |`);
  } finally {
    await chromium.close().catch(() => {});
    await senderBrowser.close().catch(() => {});
    killAll();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (e) => { log(`bench failed: ${e.stack || e}`); killAll(); process.exit(1); });
