// Browser tests: Debian's Chromium (headless, via playwright-core) loads the built
// WebAssembly page from a loopback server. Usage: node run.mjs <build/web> <version>
import fs from 'node:fs';
import path from 'node:path';
import { serveDirectory, launchChromium, openPage, pixelStats, runTests, assert } from './harness.mjs';
import { simulatorTests } from './simulator.mjs';
import { classroomTests, errorTests, longRunTests, symbolTests, orderTests, switchTests, presenterTests, layoutTests } from './classroom.mjs';
import { colourTests } from './colour.mjs';
import { findRelaylab } from './simulator.mjs';
import { keyboardTests } from './keyboard.mjs';
import { exportTests } from './exports.mjs';
import { inboxTests } from './inbox.mjs';
import { quizTests } from './quiz.mjs';
import { worldTests } from './worlds.mjs';
import { toolbarTests } from './toolbar.mjs';
import { execFileSync } from 'node:child_process';

const webDir = path.resolve(process.argv[2] || 'build/web');
const expectedVersion = process.argv[3];
for (const f of ['index.html', 'relaylab.js', 'relaylab.wasm']) {
  if (!fs.existsSync(path.join(webDir, f))) {
    console.log(`FAIL setup: ${path.join(webDir, f)} is missing (build the web target first)`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

const { server, url } = await serveDirectory(webDir);
const { browser, cleanup } = await launchChromium();
let ok = false;
// Figures (size, first frame, frame time) are printed after the tests;
// RELAYLAB_SHOTS=<dir> keeps the screenshots.
const figures = { lines: [], shotDir: process.env.RELAYLAB_SHOTS || null };
if (figures.shotDir) fs.mkdirSync(figures.shotDir, { recursive: true });
try {
  ok = await runTests([
    ['page becomes ready and reports its version', async () => {
      const { page, errors } = await openPage(browser, url);
      const version = await page.evaluate(() => window.relaylab.version());
      assert(/^\d+\.\d+\.\d+$/.test(version), `version() returned ${JSON.stringify(version)}`);
      if (expectedVersion) assert(version === expectedVersion, `version ${version}, expected ${expectedVersion}`);
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await page.close();
    }],
    ['canvas draws the relaylab window (screenshot is not one flat colour)', async () => {
      const { page, errors } = await openPage(browser, url);
      await page.waitForTimeout(300);
      const shot = await page.screenshot();
      const stats = await pixelStats(browser, shot);
      assert(stats.colours >= 8, `only ${stats.colours} colours on the canvas`);
      assert(stats.dominantShare < 0.97, `one colour covers ${(stats.dominantShare * 100).toFixed(1)}%`);
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await page.close();
    }],
    ['canvas follows the browser window size', async () => {
      const { page } = await openPage(browser, url, { width: 900, height: 600 });
      await page.setViewportSize({ width: 1400, height: 900 });
      await page.waitForFunction(() => {
        const c = document.getElementById('canvas');
        return c.width === window.innerWidth && c.height === window.innerHeight;
      }, null, { timeout: 10000 });
      const size = await page.evaluate(() => [document.getElementById('canvas').width, window.innerWidth]);
      assert(size[0] === 1400, `canvas width ${size[0]} after resize to 1400`);
      await page.close();
    }],
    ['HiDPI: one canvas pixel per device pixel, UI scaled, clicks land where drawn', async () => {
      const page = await browser.newPage({ viewport: { width: 1000, height: 640 }, deviceScaleFactor: 2 });
      const errors = [];
      page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
      await page.goto(url + '#scenario=happy-path&step=30');
      await page.evaluate(() => window.relaylab.ready);
      await page.waitForFunction(() => document.getElementById('canvas').width === 2 * window.innerWidth,
                                 null, { timeout: 10000 });
      // The toolbar is twice as tall in device pixels as at devicePixelRatio 1.
      const toolbar = await page.evaluate(() => window.relaylab.layout().toolbar);
      assert(toolbar.width === 2000 && toolbar.height > 100, `toolbar ${JSON.stringify(toolbar)}`);
      // The step-forward button sits at the same CSS place as at ratio 1 (x 228, on the
      // scrubber's row: the first row wraps at 1000 px): clicking it steps.
      await page.waitForTimeout(300);
      const scrubber = await page.evaluate(() => window.relaylab.layout().scrubber);
      await page.mouse.click(228, (scrubber.y + scrubber.height / 2) / 2);
      await page.waitForFunction(() => window.relaylab.state().step === 31, null, { timeout: 5000 });
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await page.close();
    }],
    ...simulatorTests({ browser, url, webDir, figures }),
    ...classroomTests({ browser, url, webDir, figures }),
    ...errorTests({ browser, url, figures }),
    ...symbolTests({ browser, url, figures }),
    ...orderTests({ browser, url, figures }),
    ...switchTests({ browser, url, figures }),
    ...presenterTests({ browser, url, figures }),
    ...layoutTests({ browser, url, figures }),
    ...toolbarTests({ browser, url, figures }),
    ...colourTests({ browser, url, figures }),
    ...keyboardTests({ browser, url, figures }),
    ...exportTests({ browser, url, figures }),
    ...inboxTests({ browser, url, figures }),
    ...quizTests({ browser, url, figures, report: (name) => {
      const bin = findRelaylab(webDir);
      assert(bin, 'the relaylab command was not found (build the native target, or set RELAYLAB_BIN)');
      return JSON.parse(execFileSync(bin, ['sim', name, '--format', 'json'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
    } }),
    ...worldTests({ browser, url, figures }),
    ...longRunTests({ browser, url, figures, report: (name) => {
      const bin = findRelaylab(webDir);
      assert(bin, 'the relaylab command was not found (build the native target, or set RELAYLAB_BIN)');
      return JSON.parse(execFileSync(bin, ['sim', name, '--format', 'json'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
    } }),
  ]);
  for (const line of figures.lines) console.log(`info ${line}`);
} finally {
  await browser.close();
  cleanup();
  server.close();
}
process.exit(ok ? 0 : 1);
