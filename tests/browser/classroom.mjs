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
      await page.evaluate(() => window.relaylab.setHideFuture(true));  // the transcript then lists steps up to now
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

const FAILED_OUTCOMES = ['refused', 'timed_out', 'failed', 'deferred', 'bounced', 'rejected'];
const KINDS = {
  failure: (s) => s.reply_class === 'transient' || s.reply_class === 'permanent' || FAILED_OUTCOMES.includes(s.outcome),
  hop: (s) => s.kind === 'connect' && s.outcome === 'none' && s.text.startsWith('connect to '),
  dsn: (s) => s.phase === 'dsn',
};
// The steps (1-based) a jump lands on, from the CLI's report: the first of each run.
const runStarts = (steps, wanted) => steps.map((s, i) => i + 1)
  .filter((n) => wanted(steps[n - 1]) && (n === 1 || !wanted(steps[n - 2])));

// Hide the future, jumps, the capability filter, symbols beside colours.
export function longRunTests({ browser, url, figures, report }) {
  let shared = null;
  const page = async () => (shared ||= await openPage(browser, url, { width: 1366, height: 768 })).page;
  return [
    ['hide the future: no sequence or transcript line after the current step', async () => {
      const p = await page();
      await p.evaluate(() => { window.relaylab.load('mx-fallback'); window.relaylab.seek(20); window.relaylab.setHideFuture(true); });
      await nextFrames(p, 3);
      let s = await p.evaluate(() => window.relaylab.state());
      assert(s.prefs.hide_future === true, 'hide_future is not on');
      for (const v of ['transcript', 'sequence']) {
        const steps = s.views[v].steps;
        assert(steps.length === 20 && Math.max(...steps) === 20, `${v} lists ${steps.length} steps up to ${Math.max(...steps)} at step 20`);
      }
      // The ladder shows the current step (its rows are line_h high).
      const seq = s.views.sequence, row = seq.steps.indexOf(20);
      assert(row * seq.line_h >= seq.scroll_y - 1 && (row + 1) * seq.line_h <= seq.scroll_y + seq.visible_h + 1,
             `step 20 is out of the sequence's view: ${JSON.stringify({ ...seq, steps: seq.steps.length })}`);
      if (figures.shotDir) fs.writeFileSync(path.join(figures.shotDir, 'hide-future-1366.png'), await p.screenshot());
      await p.evaluate(() => window.relaylab.step());
      await nextFrames(p, 3);
      s = await p.evaluate(() => window.relaylab.state());
      assert(Math.max(...s.views.transcript.steps) === 21, 'after a step the transcript does not show step 21');
      await p.evaluate(() => window.relaylab.setHideFuture(false));
      await nextFrames(p, 3);
      s = await p.evaluate(() => window.relaylab.state());
      assert(s.views.sequence.steps.length === s.total_steps && s.views.transcript.steps.length === s.total_steps,
             `with the future shown: sequence ${s.views.sequence.steps.length}, transcript ${s.views.transcript.steps.length} of ${s.total_steps}`);
      if (figures.shotDir) fs.writeFileSync(path.join(figures.shotDir, 'future-shown-1366.png'), await p.screenshot());
    }],
    ['jump(kind, dir) walks failures, hops and notices as the CLI report has them', async () => {
      const p = await page();
      for (const name of ['greylisting', 'mx-fallback', 'mailbox-full', 'user-unknown']) {
        const steps = report(name).steps;
        for (const [kind, wanted] of Object.entries(KINDS)) {
          const expected = runStarts(steps, wanted);
          const walk = await p.evaluate(({ name, kind }) => {
            const r = window.relaylab;
            r.load(name);
            const seen = [];
            for (let i = 0; i < 400; i++) {
              const before = r.state().step;
              const s = r.jump(kind, 1);
              if (s.step === before) break;
              seen.push(s.step);
            }
            const back = [];
            for (let i = 0; i < 400; i++) {
              const before = r.state().step;
              const s = r.jump(kind, -1);
              if (s.step === before) break;
              back.push(s.step);
            }
            return { seen, back };
          }, { name, kind });
          assert(JSON.stringify(walk.seen) === JSON.stringify(expected),
                 `${name} ${kind}: jumped to ${JSON.stringify(walk.seen)}, expected ${JSON.stringify(expected)}`);
          const backExpected = expected.slice(0, -1).reverse();
          assert(JSON.stringify(walk.back) === JSON.stringify(backExpected),
                 `${name} ${kind} backwards: ${JSON.stringify(walk.back)}, expected ${JSON.stringify(backExpected)}`);
        }
      }
      const end = await p.evaluate(() => { window.relaylab.seek(3); return window.relaylab.jump('end'); });
      assert(end.step === end.total_steps, `jump('end') went to ${end.step} of ${end.total_steps}`);
      assert(shared.errors.length === 0, `console errors: ${shared.errors.join(' | ')}`);
    }],
    ['keys: F / Shift+F failures, H hops, N notices, End the last step', async () => {
      const p = await page();
      const steps = report('mailbox-full').steps;
      const fails = runStarts(steps, KINDS.failure), hops = runStarts(steps, KINDS.hop), dsns = runStarts(steps, KINDS.dsn);
      await p.evaluate(() => window.relaylab.load('mailbox-full'));
      await p.mouse.click(5, 760);
      const stepAfter = async (key) => { await p.keyboard.press(key); await nextFrames(p, 3); return p.evaluate(() => window.relaylab.state().step); };
      assert((await stepAfter('f')) === fails[0], 'F did not go to the first failure');
      assert((await stepAfter('f')) === fails[1], 'F again did not go to the second failure');
      assert((await stepAfter('Shift+F')) === fails[0], 'Shift+F did not go back to the first failure');
      assert((await stepAfter('h')) === hops.find((n) => n > fails[0]), 'H did not go to the next hop');
      assert((await stepAfter('n')) === dsns[0], 'N did not go to the notice');
      const s = await p.evaluate(() => window.relaylab.state());
      assert(s.current.phase === 'dsn', `N landed on ${JSON.stringify(s.current.phase)}`);
      const last = await stepAfter('End');
      assert(last === steps.length, `End went to ${last} of ${steps.length}`);
    }],
    ['capability-line filter: EHLO\'s 250- lines after the first are left out of transcript and sequence', async () => {
      const p = await page();
      const steps = report('happy-path').steps;
      const caps = steps.map((s, i) => i + 1).filter((n) => steps[n - 1].kind === 'reply' && steps[n - 1].phase === 'ehlo' && steps[n - 1].reply_line >= 1);
      assert(caps.length >= 4, `happy-path has ${caps.length} capability lines`);
      await p.evaluate(() => { const r = window.relaylab; r.load('happy-path'); r.seek(r.state().total_steps); r.setHideCapabilities(true); });
      await nextFrames(p, 3);
      const s = await p.evaluate(() => window.relaylab.state());
      assert(s.prefs.hide_capabilities === true, 'hide_capabilities is not on');
      for (const v of ['transcript', 'sequence']) {
        const shown = s.views[v].steps;
        const leaked = shown.filter((n) => caps.includes(n));
        assert(leaked.length === 0, `${v} still lists capability lines ${leaked}`);
        assert(shown.length === steps.length - caps.length, `${v} lists ${shown.length} steps, expected ${steps.length - caps.length}`);
        // The first line of each EHLO reply stays.
        const firsts = steps.map((x, i) => i + 1).filter((n) => steps[n - 1].kind === 'reply' && steps[n - 1].phase === 'ehlo' && steps[n - 1].reply_line === 0);
        assert(firsts.every((n) => shown.includes(n)), `${v} lost the first EHLO reply line`);
      }
      if (figures.shotDir) fs.writeFileSync(path.join(figures.shotDir, 'no-capabilities-1366.png'), await p.screenshot());
      await p.evaluate(() => window.relaylab.setHideCapabilities(false));
      await nextFrames(p, 3);
      const t = await p.evaluate(() => window.relaylab.state());
      assert(t.views.transcript.steps.length === steps.length, 'capability lines did not come back');
      assert(shared.errors.length === 0, `console errors: ${shared.errors.join(' | ')}`);
      await shared.page.close();
      shared = null;
    }],
  ];
}

// Colour is never the only signal: the transcript's line carries a symbol per class.
export function symbolTests({ browser, url, figures }) {
  return [
    ['replies and outcomes carry a symbol as well as a colour (✓ 2xx, → 3xx, … 4xx, ✗ 5xx)', async () => {
      const { page: p, errors } = await openPage(browser, url, { width: 1280, height: 720 });
      const lineAt = async (name, pick) => {
        await p.evaluate(({ name }) => window.relaylab.load(name), { name });
        const n = await p.evaluate((src) => {
          const r = window.relaylab;
          const total = r.state().total_steps;
          const pick = new Function('s', `return (${src})(s)`);
          for (let i = 1; i <= total; i++) if (pick(r.seek(i).current)) return i;
          return 0;
        }, pick.toString());
        assert(n > 0, `${name}: no step matches ${pick}`);
        await nextFrames(p, 3);
        return p.evaluate(() => window.relaylab.state().views.transcript.current_line);
      };
      const ok = await lineAt('happy-path', (s) => s.reply_class === 'positive');
      assert(ok.startsWith('✓ S: 2'), `a 2xx reply shows ${JSON.stringify(ok)}`);
      const go = await lineAt('happy-path', (s) => s.reply_class === 'intermediate');
      assert(go.startsWith('→ S: 3'), `a 3xx reply shows ${JSON.stringify(go)}`);
      const later = await lineAt('greylisting', (s) => s.reply_class === 'transient');
      assert(later.startsWith('… S: 4'), `a 4xx reply shows ${JSON.stringify(later)}`);
      // The sequence diagram's label carries the same symbol (the same function draws it).
      const arrow = await p.evaluate(() => window.relaylab.state().views.sequence.current_line);
      assert(arrow.startsWith('… S: 4'), `the sequence labels a 4xx reply ${JSON.stringify(arrow)}`);
      if (figures.shotDir) fs.writeFileSync(path.join(figures.shotDir, 'symbols-4xx-1280.png'), await p.screenshot());
      const no = await lineAt('user-unknown', (s) => s.reply_class === 'permanent');
      assert(no.startsWith('✗ S: 5'), `a 5xx reply shows ${JSON.stringify(no)}`);
      const refused = await lineAt('mx-fallback', (s) => s.outcome === 'refused');
      assert(refused.startsWith('✗ '), `a refused connection shows ${JSON.stringify(refused)}`);
      const cmd = await lineAt('happy-path', (s) => s.kind === 'command');
      assert(cmd.startsWith('C: '), `a command shows ${JSON.stringify(cmd)}`);
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
  ];
}

// Scenarios in teaching order, each with what it teaches.
export function orderTests({ browser, url, figures }) {
  return [
    ['scenarios are listed in teaching order, each with a one-line lesson', async () => {
      const { page: p, errors } = await openPage(browser, url, { width: 1280, height: 720 });
      const list = await p.evaluate(() => window.relaylab.scenarioList());
      const chapters = ['Submission basics', 'DNS: finding the next hop', 'Relaying', 'When delivery fails', 'Attacks', 'More'];
      const ranks = list.map((s) => chapters.indexOf(s.chapter));
      assert(ranks.every((r) => r >= 0), `unknown chapters: ${JSON.stringify(list.map((s) => s.chapter))}`);
      assert(ranks.every((r, i) => i === 0 || ranks[i - 1] <= r), `chapters out of order: ${JSON.stringify(list.map((s) => [s.name, s.chapter]))}`);
      assert(list[0].name === 'happy-path', `the list starts with ${list[0].name}`);
      const at = (n) => list.findIndex((s) => s.name === n);
      assert(at('mx-fallback') < at('greylisting') && at('greylisting') < at('smtp-smuggling'), 'DNS, failures, attacks out of order');
      for (const s of list) {
        assert(s.lesson.length > 10 && s.lesson.length <= 112, `${s.name}: lesson ${JSON.stringify(s.lesson)}`);
        const stem = s.lesson.replace(/…$/, '').replace(/[.:;]$/, '');
        assert(s.description.startsWith(stem), `${s.name}: lesson ${JSON.stringify(s.lesson)} is not from its description`);
      }
      // The picker opens on the list (a screenshot to look at).
      await p.mouse.click(300, 20);
      await nextFrames(p, 4);
      if (figures.shotDir) fs.writeFileSync(path.join(figures.shotDir, 'scenario-list-1280.png'), await p.screenshot());
      await p.keyboard.press('Escape');
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
  ];
}

// Only switches that matter are offered.
export function switchTests({ browser, url, figures }) {
  return [
    ['only relevant switches are offered: a hidden one changes nothing when flipped', async () => {
      const { page: p, errors } = await openPage(browser, url);
      const r = await p.evaluate(() => {
        const api = window.relaylab;
        const out = [];
        for (const name of api.scenarios()) {
          let s = api.load(name);
          const all = Object.keys(s.switches), offered = s.switches_offered;
          const end = (st) => JSON.stringify(api.seek(st.total_steps).messages);
          const base = end(s);
          const hidden = all.filter((n) => !offered.includes(n));
          const changes = {};
          for (const h of hidden) {
            s = api.setSwitch(h, !s.switches[h]);
            changes[h] = end(s) !== base;
            s = api.setSwitch(h, !s.switches[h]);
          }
          out.push({ name, all: all.length, offered: offered.length, hidden, changes });
        }
        return out;
      });
      const totalHidden = r.reduce((n, x) => n + x.hidden.length, 0);
      figures.lines.push(`switches: ${totalHidden} of ${r.reduce((n, x) => n + x.all, 0)} hidden as irrelevant (` +
                         r.filter((x) => x.hidden.length).map((x) => `${x.name}: ${x.hidden.join(', ')}`).join('; ') + ')');
      for (const x of r) {
        for (const [h, changed] of Object.entries(x.changes)) assert(!changed, `${x.name}: hidden switch ${h} changes the outcome`);
        assert(x.offered + x.hidden.length === x.all, `${x.name}: offered ${x.offered} + hidden ${x.hidden.length} ≠ ${x.all}`);
      }
      // mx-fallback's switches all matter (mx2 is contacted once mx1 is down).
      const mx = r.find((x) => x.name === 'mx-fallback');
      assert(mx.hidden.length === 0, `mx-fallback hides ${mx.hidden}`);
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
  ];
}

// Presenter mode hides the future by default.
export function presenterTests({ browser, url, figures }) {
  return [
    ['presenter mode (button or API) hides the future; screenshots at 1280x720 and 1366x768', async () => {
      for (const [width, height] of [[1280, 720], [1366, 768]]) {
        const { page: p, errors } = await openPage(browser, url + '#scenario=greylisting&step=60', { width, height });
        await nextFrames(p, 3);
        // The "Presenter mode" button sits right of the scenario picker on the toolbar's first row.
        const box = await p.evaluate(() => window.relaylab.layout().toolbar);
        let s = await p.evaluate(() => window.relaylab.state());
        assert(!s.prefs.presenting && !s.prefs.hide_future, `starts presenting: ${JSON.stringify(s.prefs)}`);
        // The picker is 22 font sizes wide (396 px at 18 px), after its 'Scenario' label: the
        // button spans about x 500-650 at both widths.
        await p.mouse.click(570, box.y + 20);
        await nextFrames(p, 4);
        s = await p.evaluate(() => window.relaylab.state());
        assert(s.prefs.presenting && s.prefs.hide_future, `after clicking Presenter mode: ${JSON.stringify(s.prefs)}`);
        assert(Math.max(...s.views.transcript.steps) === 60 && Math.max(...s.views.sequence.steps) === 60,
               'presenter mode shows steps after now');
        await p.mouse.move(width / 2, height - 5);  // no tooltip in the picture
        await nextFrames(p, 4);
        if (figures.shotDir) fs.writeFileSync(path.join(figures.shotDir, `presenter-${width}x${height}.png`), await p.screenshot());
        s = await p.evaluate(() => window.relaylab.setPresenterMode(false));
        assert(!s.prefs.presenting && !s.prefs.hide_future, `after leaving: ${JSON.stringify(s.prefs)}`);
        assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
        await p.close();
      }
    }],
  ];
}

// Panel rectangles fit the canvas and are at least this big (CSS pixels).
const inside = (r, w, h) => r.x >= -1 && r.y >= -1 && r.x + r.width <= w + 1 && r.y + r.height <= h + 1;

// The projector layout, the scenario picker's headings, and fonts for many languages.
export function layoutTests({ browser, url, figures }) {
  return [
    ['presenter layout fits 1280x720, 1366x768 and 1920x1080: readable panels, a wide scrubber, the step\'s note in view', async () => {
      for (const [width, height] of [[1280, 720], [1366, 768], [1920, 1080]]) {
        const { page: p, errors } = await openPage(browser, url + '#scenario=greylisting&step=60', { width, height });
        await nextFrames(p, 3);
        await p.mouse.move(width / 2, height - 5);
        if (figures.shotDir) fs.writeFileSync(path.join(figures.shotDir, `normal-${width}x${height}.png`), await p.screenshot());
        await p.evaluate(() => window.relaylab.setPresenterMode(true));
        await nextFrames(p, 4);
        let l = await p.evaluate(() => window.relaylab.layout());
        const where = `${width}x${height}: ${JSON.stringify(l)}`;
        assert(l.presenter, `not the presenter layout at ${where}`);
        assert(l.switches.width === 0, `the switches panel still shows in presenter mode at ${where}`);
        for (const name of ['toolbar', 'topology', 'sequence', 'notes', 'details'])
          assert(inside(l[name], width, height), `${name} leaves the canvas at ${where}`);
        for (const name of ['topology', 'sequence', 'notes'])
          assert(l[name].width >= 0.4 * width * 0.9 && l[name].height >= 200, `${name} too small at ${where}`);
        assert(l.details.height >= 150, `Details cramped at ${where}`);
        assert(l.scrubber.width >= 0.8 * width, `scrubber only ${l.scrubber.width} px wide at ${width}x${height}`);
        const n = l.step_note, box = l.notes;
        assert(n.height > 0 && n.y >= box.y && n.y + n.height <= box.y + box.height && inside(n, width, height),
               `the current step's note is not fully in view at ${where}`);
        if (figures.shotDir) fs.writeFileSync(path.join(figures.shotDir, `presenter-layout-${width}x${height}.png`), await p.screenshot());
        // Details folds to its title bar (its arrow, left of the title): the note gets the column.
        // The arrow sits at FramePadding (12, 8 with large controls) in a bar one frame high.
        const arrow = (r, h) => ({ x: r.x + 12 + (h - 16) / 2, y: r.y + h / 2 });
        let at = arrow(l.details, l.frame_height);  // the title bar is one frame high
        await p.mouse.move(at.x, at.y);
        await nextFrames(p, 3);
        await p.mouse.click(at.x, at.y);
        await nextFrames(p, 4);
        await p.mouse.move(at.x + 200, at.y);  // another event: the fold lands on the frame after the click
        await nextFrames(p, 4);
        const folded = await p.evaluate(() => window.relaylab.layout());
        assert(folded.details.height < 80 && folded.notes.height > l.notes.height,
               `Details did not fold at ${width}x${height}: ${JSON.stringify(folded.details)}`);
        at = arrow(folded.details, folded.details.height);
        await p.mouse.move(at.x, at.y);
        await nextFrames(p, 3);
        await p.mouse.click(at.x, at.y);
        await nextFrames(p, 4);
        await p.mouse.move(at.x + 200, at.y);
        await nextFrames(p, 4);
        l = await p.evaluate(() => window.relaylab.layout());
        assert(l.details.height >= 150, `Details did not unfold at ${width}x${height}`);
        assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
        await p.close();
      }
    }],
    ['topology: nodes, their marks and labels never overlap each other and stay in the panel (every scenario, presenter 1280x720 and 1366x768)', async () => {
      const overlap = (a, b) => a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;
      const within = (a, c) => a.x >= c.x - 0.5 && a.y >= c.y - 0.5 && a.x + a.width <= c.x + c.width + 0.5 && a.y + a.height <= c.y + c.height + 0.5;
      let checked = 0, labels = 0;
      for (const [width, height, presenter] of [[1280, 720, true], [1366, 768, false]]) {
        const { page: p, errors } = await openPage(browser, url + '#scenario=happy-path&step=1', { width, height });
        await nextFrames(p, 2);
        await p.evaluate((on) => window.relaylab.setPresenterMode(on), presenter);
        for (const name of await p.evaluate(() => window.relaylab.scenarios())) {
          await p.evaluate((n) => window.relaylab.load(n), name);
          // Every switch on that the page offers: the most marks under the hosts.
          const offered = await p.evaluate(() => window.relaylab.state().switches_offered);
          for (const sw of offered) await p.evaluate((s) => window.relaylab.setSwitch(s, true), sw);
          const total = await p.evaluate(() => window.relaylab.state().total_steps);
          const steps = presenter ? [Math.ceil(total / 2), total] : [Math.ceil(total / 3)];
          for (const step of new Set(steps)) {
            await p.evaluate((n) => window.relaylab.seek(n), step);
            await nextFrames(p, 2);
            const d = (await p.evaluate(() => window.relaylab.layout())).topology_drawn;
            const where = `${name} step ${step} at ${width}x${height}${presenter ? ' presenting' : ''}`;
            assert(d.items.filter((i) => i.what === 'node').length >= 2, `${where}: no nodes drawn: ${JSON.stringify(d)}`);
            for (const [i, a] of d.items.entries()) {
              assert(within(a, d.canvas), `${where}: ${a.what} "${a.text}" leaves the panel: ${JSON.stringify(a)} in ${JSON.stringify(d.canvas)}`);
              for (const b of d.items.slice(i + 1))
                assert(!overlap(a, b), `${where}: ${a.what} "${a.text}" overlaps ${b.what} "${b.text}": ${JSON.stringify([a, b])}`);
            }
            labels += d.items.filter((i) => i.what === 'label').length;
            checked++;
          }
        }
        if (figures.shotDir && presenter) {
          await p.evaluate(() => window.relaylab.open('scenario=mx-fallback&step=12'));
          await nextFrames(p, 4);
          fs.writeFileSync(path.join(figures.shotDir, `topology-presenter-${width}x${height}.png`), await p.screenshot());
        }
        assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
        await p.close();
      }
      assert(labels > 0, `no label was ever drawn in ${checked} views`);
      figures.lines.push(`topology: ${checked} views clear of overlaps, ${labels} labels placed`);
    }],
    ['scenario picker: the chapter heading shows above the selected scenario, the first chapter\'s too', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=happy-path&step=1', { width: 1280, height: 720 });
      await nextFrames(p, 3);
      const toolbar = await p.evaluate(() => window.relaylab.layout().toolbar);
      for (const name of ['happy-path', 'smtp-smuggling', 'tls-required-failure']) {
        await p.evaluate((n) => window.relaylab.load(n), name);
        await nextFrames(p, 3);
        await p.mouse.click(220, toolbar.y + 20);  // the picker, right of its "Scenario" label
        await nextFrames(p, 5);
        const v = await p.evaluate(() => window.relaylab.state().views.scenario_list);
        assert(v.open, `the list did not open for ${name}`);
        assert(v.heading_y >= v.scroll_y && v.heading_y < v.scroll_y + v.visible_h,
               `${name}: its chapter heading is scrolled out of view: ${JSON.stringify(v)}`);
        assert(v.selected_y + v.selected_h <= v.scroll_y + v.visible_h + 1, `${name} itself is out of view: ${JSON.stringify(v)}`);
        if (name === 'happy-path') assert(v.scroll_y === 0, `the first chapter's heading is scrolled away: ${JSON.stringify(v)}`);
        if (figures.shotDir) fs.writeFileSync(path.join(figures.shotDir, `picker-${name}.png`), await p.screenshot());
        await p.keyboard.press('Escape');
        await nextFrames(p, 3);
      }
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
    ['fonts: Latin Extended, Greek and Cyrillic have glyphs; ü@dest.test is drawn, not "?"', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=smtputf8&step=32', { width: 1280, height: 720 });
      await nextFrames(p, 3);
      const s = await p.evaluate(() => window.relaylab.state());
      assert(s.views.transcript.current_line.includes('RCPT TO:<ü@dest.test>'), `step 32 shows ${s.views.transcript.current_line}`);
      const sample = s.views.transcript.current_line + ' Grüße ĄąČčĘęŁłŃńŚśŽžĞğŞşİı ŐőŰű șțǎ Ελληνικά ΑΒΓΔ Кириллица ЖЩЯ ёї';
      const { missing } = await p.evaluate((t) => window.relaylab.glyphs(t), sample);
      assert(missing.length === 0, `no glyph for ${JSON.stringify(missing)}`);
      const control = await p.evaluate(() => window.relaylab.glyphs('漢'));  // outside the ranges: reported
      assert(control.missing.length === 1, `the glyph check cannot fail: ${JSON.stringify(control)}`);
      if (figures.shotDir) fs.writeFileSync(path.join(figures.shotDir, 'smtputf8-1280.png'), await p.screenshot());
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
  ];
}
