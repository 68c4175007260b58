// Browser tests of the simulator page: the window.relaylab API against the
// `relaylab` command's own output, stepping, links, switches, and pixels.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { openPage, pixelStats, assert } from './harness.mjs';

// The native `relaylab` command beside the web bundle's build (build/web → build/native),
// or RELAYLAB_BIN.
export function findRelaylab(webDir) {
  const candidates = [process.env.RELAYLAB_BIN, path.resolve(webDir, '../native/relaylab')].filter(Boolean);
  return candidates.find((p) => fs.existsSync(p)) || null;
}

function cli(bin, args) {
  return execFileSync(bin, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
}

const nextFrames = (page, n = 2) => page.evaluate((n) => new Promise((resolve) => {
  const tick = (k) => (k === 0 ? resolve() : requestAnimationFrame(() => tick(k - 1)));
  tick(n);
}), n);

export function simulatorTests({ browser, url, webDir, figures }) {
  const bin = findRelaylab(webDir);
  const needBin = () => assert(bin, `the relaylab command was not found at ${path.resolve(webDir, '../native/relaylab')} ` +
                                    '(build the native target, or set RELAYLAB_BIN)');
  let shared = null;  // one page for the API tests
  const page = async () => {
    if (!shared) shared = await openPage(browser, url);
    return shared.page;
  };
  const noErrors = () => assert(!shared || shared.errors.length === 0, `console errors: ${shared && shared.errors.join(' | ')}`);

  return [
    ['scenarios() lists every built-in scenario', async () => {
      needBin();
      const expected = cli(bin, ['scenarios']).split('\n').map((l) => l.split(/\s+/)[0]).filter(Boolean);
      const names = await (await page()).evaluate(() => window.relaylab.scenarios());
      assert(isDeepStrictEqual([...names].sort(), [...expected].sort()),
             `scenarios() ${JSON.stringify(names)} vs relaylab scenarios ${JSON.stringify(expected)}`);
      noErrors();
    }],
    ['every scenario ends with the messages `relaylab sim NAME --format json` prints', async () => {
      needBin();
      const p = await page();
      const names = await p.evaluate(() => window.relaylab.scenarios());
      for (const name of names) {
        const report = JSON.parse(cli(bin, ['sim', name, '--format', 'json']));
        const expected = report.messages;
        const state = await p.evaluate((name) => {
          const s = window.relaylab.load(name);
          if (s.step !== 0) throw new Error(`load(${name}) shows step ${s.step}`);
          return window.relaylab.seek(s.total_steps);
        }, name);
        assert(state.scenario === name && state.step === state.total_steps, `${name}: not at the end (${state.step}/${state.total_steps})`);
        assert(isDeepStrictEqual(state.messages, expected),
               `${name}: page ${JSON.stringify(state.messages)} vs CLI ${JSON.stringify(expected)}`);
        // The current step is the same typed object as the report's (docs/trace-format.md).
        const last = report.steps[report.steps.length - 1];
        assert(isDeepStrictEqual(state.current, last),
               `${name}: page current ${JSON.stringify(state.current)} vs CLI ${JSON.stringify(last)}`);
      }
      noErrors();
    }],
    ['stepping forward n times and back n times returns to the same state', async () => {
      const p = await page();
      const result = await p.evaluate(() => {
        const r = window.relaylab;
        r.load('mx-fallback');
        r.seek(10);
        const before = JSON.stringify(r.state());
        const seen = new Set();
        for (let i = 0; i < 40; i++) seen.add(r.step().current.text);
        for (let i = 0; i < 40; i++) r.back();
        return { before, after: JSON.stringify(r.state()), distinct: seen.size };
      });
      assert(result.distinct > 5, `stepping showed only ${result.distinct} distinct events`);
      assert(result.before === result.after, `state differs after 40 steps forward and back:\n${result.before}\n${result.after}`);
      noErrors();
    }],
    ['a failure switch changes the outcome (happy-path with mx-down)', async () => {
      const p = await page();
      const r = await p.evaluate(() => {
        const api = window.relaylab;
        let s = api.load('happy-path');
        s = api.seek(s.total_steps);
        const normal = s.messages[0].status;
        api.seek(12);
        s = api.setSwitch('mx-down', true);
        const keptStep = s.step;
        s = api.seek(s.total_steps);
        const down = { status: s.messages[0].status, sw: s.switches['mx-down'], link: api.link() };
        s = api.setSwitch('mx-down', false);
        s = api.seek(s.total_steps);
        return { normal, keptStep, down, again: s.messages[0].status };
      });
      assert(r.normal === 'delivered', `happy-path ends ${r.normal}`);
      assert(r.keptStep === 12, `set_switch moved the step to ${r.keptStep}`);
      assert(r.down.sw === true && r.down.status !== 'delivered', `with mx-down on: ${JSON.stringify(r.down)}`);
      assert(/&mx-down=1/.test(r.down.link), `link ${r.down.link} does not carry the switch`);
      assert(r.again === 'delivered', `switching mx-down off again ends ${r.again}`);
      noErrors();
    }],
    ['keys: → steps, ← goes back, Home restarts, Space plays', async () => {
      const p = await page();
      await p.evaluate(() => window.relaylab.load('happy-path'));
      await p.click('canvas', { position: { x: 5, y: 790 } }).catch(() => {});
      for (let i = 0; i < 3; i++) { await p.keyboard.press('ArrowRight'); await nextFrames(p, 2); }
      await p.keyboard.press('ArrowLeft'); await nextFrames(p, 2);
      const afterArrows = await p.evaluate(() => window.relaylab.state().step);
      assert(afterArrows === 2, `after → → → ← the step is ${afterArrows}, expected 2`);
      await p.keyboard.press('Home'); await nextFrames(p, 2);
      assert((await p.evaluate(() => window.relaylab.state().step)) === 0, 'Home did not restart');
      await p.keyboard.press('Space'); await nextFrames(p, 2);
      const playing = await p.evaluate(() => window.relaylab.state().playing);
      await p.evaluate(() => window.relaylab.pause());
      assert(playing === true, 'Space did not start playing');
      noErrors();
    }],
    ['a link #scenario=mx-fallback&step=7 reopens that step; stepping updates the address', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=mx-fallback&step=7');
      const s = await p.evaluate(() => window.relaylab.state());
      assert(s.scenario === 'mx-fallback' && s.step === 7, `opened ${s.scenario} at step ${s.step}`);
      assert(s.switches['mx-down'] === true, 'mx-fallback lost its default switch');
      await p.evaluate(() => window.relaylab.step());
      const hash = await p.evaluate(() => location.hash);
      assert(hash === '#scenario=mx-fallback&step=8', `address shows ${hash} after one step`);
      await p.evaluate(() => { location.hash = '#scenario=happy-path&step=3&mx-down=1'; });
      await p.waitForFunction(() => window.relaylab.state().scenario === 'happy-path', null, { timeout: 5000 });
      const t = await p.evaluate(() => window.relaylab.state());
      assert(t.step === 3 && t.switches['mx-down'] === true, `hashchange opened step ${t.step}, switches ${JSON.stringify(t.switches)}`);
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
    ['the topology changes from step to step (screenshots)', async () => {
      const p = await page();
      await p.evaluate(() => window.relaylab.load('mx-fallback'));
      const rect = await p.evaluate(() => window.relaylab.layout().topology);
      const clip = { x: Math.round(rect.x), y: Math.round(rect.y), width: Math.round(rect.width), height: Math.round(rect.height) };
      const hashes = [];
      for (const step of [1, 16, 42, 49, 70]) {
        await p.evaluate((n) => window.relaylab.seek(n), step);
        await nextFrames(p, 3);
        const shot = await p.screenshot({ clip });
        const stats = await pixelStats(browser, shot);
        assert(stats.colours >= 8, `step ${step}: only ${stats.colours} colours in the topology`);
        assert(stats.dominantShare < 0.97, `step ${step}: one colour covers ${(stats.dominantShare * 100).toFixed(1)}%`);
        hashes.push(stats.hash);
        if (figures.shotDir) fs.writeFileSync(path.join(figures.shotDir, `topology-${step}.png`), shot);
      }
      assert(new Set(hashes).size === hashes.length, `some steps look the same: ${hashes.join(', ')}`);
      noErrors();
    }],
    ['presenter mode: larger font, high contrast, large controls', async () => {
      const p = await page();
      const before = await p.screenshot();
      await p.evaluate(() => { window.relaylab.setFontScale(1.6); window.relaylab.setHighContrast(true); window.relaylab.setLargeControls(true); });
      await nextFrames(p, 3);
      const after = await p.screenshot();
      if (figures.shotDir) fs.writeFileSync(path.join(figures.shotDir, 'presenter.png'), after);
      const a = await pixelStats(browser, before), b = await pixelStats(browser, after);
      assert(a.hash !== b.hash && b.colours >= 8, 'presenter mode did not change the picture');
      const prefs = await p.evaluate(() => window.relaylab.state().prefs);
      assert(prefs.font_scale > 1.5 && prefs.high_contrast && prefs.large_controls, JSON.stringify(prefs));
      await p.evaluate(() => { window.relaylab.setFontScale(1); window.relaylab.setHighContrast(false); window.relaylab.setLargeControls(false); });
      noErrors();
    }],
    ['figures: bundle size, first frame, frame time with a big scenario', async () => {
      let raw = 0, gz = 0;
      for (const f of ['index.html', 'relaylab.js', 'relaylab.wasm', 'relaylab.data']) {
        const file = path.join(webDir, f);
        if (!fs.existsSync(file)) continue;
        const body = fs.readFileSync(file);
        raw += body.length;
        gz += zlib.gzipSync(body, { level: 9 }).length;
      }
      const fresh = await openPage(browser, url);
      const first = await fresh.page.evaluate(() => window.relaylab.stats().first_frame_ms);
      await fresh.page.close();
      const p = await page();
      await p.evaluate(() => { const r = window.relaylab; const s = r.load('mail-loop'); r.seek(Math.floor(s.total_steps / 2)); r.play(); });
      await p.waitForTimeout(1500);
      const stats = await p.evaluate(() => { const s = window.relaylab.stats(); window.relaylab.pause(); return s; });
      const state = await p.evaluate(() => window.relaylab.state());
      figures.lines.push(`bundle ${(raw / 1024).toFixed(0)} KB, gzip -9 ${(gz / 1024).toFixed(0)} KB`,
                         `first frame ${first.toFixed(0)} ms after navigation (headless Chromium, SwiftShader)`,
                         `frame ${stats.frame_ms.toFixed(2)} ms average while playing mail-loop (${state.total_steps} steps), ${stats.frames} frames`);
      assert(gz <= 1024 * 1024, `the page weighs ${(gz / 1024).toFixed(0)} KB gzipped, more than 1 MB`);
      assert(stats.frame_ms < 50, `frames take ${stats.frame_ms} ms`);
      noErrors();
      await shared.page.close();
      shared = null;
    }],
  ];
}
