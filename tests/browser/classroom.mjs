// Browser tests of the classroom-ready page: natural mouse wheel, no frames at idle,
// visible errors, hiding the future, jumps through long runs, the capability-line
// filter, and symbols beside colours. Each asserts behaviour through window.relaylab.
import fs from 'node:fs';
import path from 'node:path';
import { openPage, assert } from './harness.mjs';

export const nextFrames = (page, n = 2) => page.evaluate((n) => new Promise((resolve) => {
  const tick = (k) => (k === 0 ? resolve() : requestAnimationFrame(() => tick(k - 1)));
  tick(n);
}), n);

const centre = (r) => ({ x: r.x + r.width / 2, y: r.y + r.height / 2 });

// Scrolls with the wheel over a panel; returns how far its view moved, in its lines.
async function wheel(page, panel, view, dy, times = 1) {
  const r = await page.evaluate((panel) => window.relaylab.layout()[panel], panel);
  const c = centre(r);
  await page.mouse.move(c.x, c.y);
  await nextFrames(page, 3);
  const before = await page.evaluate((v) => window.relaylab.state().views[v], view);
  for (let i = 0; i < times; i++) { await page.mouse.wheel(0, dy); await nextFrames(page, 1); }
  await nextFrames(page, 3);
  const after = await page.evaluate((v) => window.relaylab.state().views[v], view);
  return { lines: (after.scroll_y - before.scroll_y) / before.line_h, before, after };
}

export function classroomTests({ browser, url, figures }) {
  return [
    ['mouse wheel: one notch scrolls a few lines the natural way (transcript, sequence; touchpad too)', async () => {
      const { page, errors } = await openPage(browser, url + '#scenario=mx-fallback&step=70');
      await nextFrames(page, 4);
      const up = await wheel(page, 'details', 'transcript', -100);
      assert(up.before.scroll_y > 0, `transcript not scrolled at step 70: ${JSON.stringify(up.before)}`);
      assert(up.lines <= -1 && up.lines >= -6, `one notch up moved the transcript ${up.lines.toFixed(2)} lines`);
      const down = await wheel(page, 'details', 'transcript', 100);
      assert(down.lines >= 1 && down.lines <= 6, `one notch down moved the transcript ${down.lines.toFixed(2)} lines`);
      const pad = await wheel(page, 'details', 'transcript', -20, 5);  // a touchpad: many small deltas
      assert(pad.lines <= -0.5 && pad.lines >= -6, `a touchpad swipe of 100 px moved the transcript ${pad.lines.toFixed(2)} lines`);
      const seq = await wheel(page, 'sequence', 'sequence', -100);
      assert(seq.lines <= -0.5 && seq.lines >= -6, `one notch up moved the sequence ${seq.lines.toFixed(2)} rows`);
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await page.close();
    }],
    ['idle costs nothing: at most 1 frame/s at rest, stepping still draws', async () => {
      const { page, errors } = await openPage(browser, url + '#scenario=happy-path&step=5');
      await page.waitForTimeout(1000);
      const f0 = await page.evaluate(() => window.relaylab.stats().frames);
      await page.waitForTimeout(3000);
      const f1 = await page.evaluate(() => window.relaylab.stats().frames);
      figures.lines.push(`idle: ${f1 - f0} frames in 3 s`);
      assert(f1 - f0 <= 3, `${f1 - f0} frames drawn in 3 s at idle`);
      await page.evaluate(() => window.relaylab.step());
      await nextFrames(page, 3);
      const f2 = await page.evaluate(() => window.relaylab.stats().frames);
      assert(f2 > f1, 'stepping drew no frame');
      const seen = await page.evaluate(() => window.relaylab.state().views.transcript.steps.length);
      assert(seen === 6, `after the step the transcript shows ${seen} steps, expected 6`);
      await page.keyboard.press('ArrowRight');
      await nextFrames(page, 3);
      const f3 = await page.evaluate(() => window.relaylab.stats().frames);
      assert(f3 > f2, 'the → key drew no frame');
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await page.close();
    }],
  ];
}

// Errors are visible: a bad link shows a message; no WebGL shows a message.
export function errorTests({ browser, url, figures }) {
  return [
    ['a bad link (#scenario=nope&step=x) shows a message on the page', async () => {
      const { page, errors } = await openPage(browser, url + '#scenario=nope&step=x');
      await nextFrames(page, 3);
      const s = await page.evaluate(() => window.relaylab.state());
      const box = await page.evaluate(() => window.relaylab.layout().notice);
      assert(s.notice && /nope/.test(s.notice), `notice ${JSON.stringify(s.notice)}`);
      assert(box.width > 100 && box.height > 20, `notice box ${JSON.stringify(box)}`);
      if (figures.shotDir) fs.writeFileSync(path.join(figures.shotDir, 'bad-link.png'), await page.screenshot());
      const t = await page.evaluate(() => { try { window.relaylab.open('scenario=happy-path&step=x'); } catch (e) {} return window.relaylab.state(); });
      assert(t.notice && /step "x"/.test(t.notice), `bad step: notice ${JSON.stringify(t.notice)}`);
      const u = await page.evaluate(() => window.relaylab.open('scenario=happy-path&step=9999&nosuch=1'));
      assert(/past the end/.test(u.notice) && /nosuch/.test(u.notice), `step past the end: notice ${JSON.stringify(u.notice)}`);
      const v = await page.evaluate(() => window.relaylab.open('scenario=greylisting&step=3'));
      assert(v.notice === null && v.scenario === 'greylisting', `a good link keeps a notice: ${JSON.stringify(v.notice)}`);
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await page.close();
    }],
    ['without WebGL the page says so instead of "Loading…"', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await page.addInitScript(() => {
        const original = HTMLCanvasElement.prototype.getContext;
        HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
          return /webgl/i.test(String(type)) ? null : original.call(this, type, ...rest);
        };
      });
      await page.goto(url);
      await page.waitForFunction(() => /WebGL/.test(document.getElementById('status').textContent), null, { timeout: 10000 });
      const visible = await page.isVisible('#status');
      assert(visible, 'the WebGL message is not visible');
      const rejected = await page.evaluate(() => window.relaylab.ready.then(() => false, () => true));
      assert(rejected, 'relaylab.ready resolved without WebGL');
      if (figures.shotDir) fs.writeFileSync(path.join(figures.shotDir, 'no-webgl.png'), await page.screenshot());
      await page.close();
    }],
  ];
}
