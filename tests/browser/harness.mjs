// Shared pieces of the browser tests: a static file server on loopback for the
// built page, Debian's Chromium driven by playwright-core, and pixel statistics
// of a screenshot (decoded by the browser itself).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm',
  '.data': 'application/octet-stream', '.json': 'application/json', '.png': 'image/png',
};

export function serveDirectory(root) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    let file = path.normalize(path.join(root, decodeURIComponent(url.pathname)));
    if (!file.startsWith(path.resolve(root))) { res.writeHead(403).end(); return; }
    if (url.pathname.endsWith('/')) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) { res.writeHead(404).end('not found'); return; }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
      res.end(body);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}/` }));
  });
}

export async function launchChromium() {
  // Playwright gives every launch a fresh, empty profile of its own.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  });
  return { browser, cleanup: () => {} };
}

// Opens the page, records console errors and uncaught exceptions.
export async function openPage(browser, url, { width = 1280, height = 800 } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(url);
  await page.waitForFunction(() => window.relaylab !== undefined, null, { timeout: 30000 });
  await page.evaluate(() => window.relaylab.ready);
  return { page, errors };
}

// Decodes a PNG in the browser and returns simple statistics of a region:
// number of distinct colours (quantised) and the share of the most common one.
export async function pixelStats(browser, png, region = null) {
  const page = await browser.newPage();
  const stats = await page.evaluate(async ({ b64, region }) => {
    const blob = await (await fetch(`data:image/png;base64,${b64}`)).blob();
    const bitmap = await createImageBitmap(blob);
    const r = region || { x: 0, y: 0, width: bitmap.width, height: bitmap.height };
    const canvas = new OffscreenCanvas(r.width, r.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(bitmap, -r.x, -r.y);
    const data = ctx.getImageData(0, 0, r.width, r.height).data;
    const counts = new Map();
    for (let i = 0; i < data.length; i += 4) {
      const key = ((data[i] >> 3) << 10) | ((data[i + 1] >> 3) << 5) | (data[i + 2] >> 3);
      counts.set(key, (counts.get(key) || 0) + 1);
    }
    const top = Math.max(...counts.values());
    let hash = 0;
    for (let i = 0; i < data.length; i += 4) hash = (hash * 31 + data[i] + data[i + 1] * 7 + data[i + 2] * 13) >>> 0;
    return { colours: counts.size, dominantShare: top / (data.length / 4), hash, width: r.width, height: r.height };
  }, { b64: png.toString('base64'), region });
  await page.close();
  return stats;
}

// A tiny test runner printing one line per test and the closing "N passed, N failed".
export async function runTests(tests) {
  let passed = 0, failed = 0;
  // RELAYLAB_TESTS=<regex> runs only the tests whose names match (while developing).
  const only = process.env.RELAYLAB_TESTS ? new RegExp(process.env.RELAYLAB_TESTS) : null;
  for (const [name, fn] of tests) {
    if (only && !only.test(name)) continue;
    const started = Date.now();
    try {
      await fn();
      passed++;
      console.log(`ok   ${name} (${Date.now() - started} ms)`);
    } catch (err) {
      failed++;
      console.log(`FAIL ${name}: ${err && err.stack || err}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0;
}

export function assert(cond, message) { if (!cond) throw new Error(message); }
