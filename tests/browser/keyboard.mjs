// Browser tests of keyboard navigation (Dear ImGui 1.90, ImGuiConfigFlags_NavEnableKeyboard):
// Tab / Shift-Tab move the focus across the toolbar's controls, Enter and Space activate
// the focused button, and the page's own shortcuts leave those keys to the navigation
// while a widget shows focus. The focused widget comes from window.relaylab.state().focus.
import path from 'node:path';
import { openPage, assert } from './harness.mjs';
import { nextFrames } from './classroom.mjs';

const focus = (p) => p.evaluate(() => window.relaylab.state().focus);
const step = (p) => p.evaluate(() => window.relaylab.state().step);
const press = async (p, key) => { await p.keyboard.press(key); await nextFrames(p, 3); };

// Presses Tab until the focused widget's label matches re (at most 30 times).
async function tabTo(p, re) {
  for (let i = 0; i < 30; i++) {
    const f = await focus(p);
    if (re.test(f.label)) return f;
    await press(p, 'Tab');
  }
  throw new Error(`Tab never reached a widget matching ${re} (focus ${JSON.stringify(await focus(p))})`);
}

// Clicks an empty corner of the toolbar: its window gets the keyboard, no widget has focus.
async function focusToolbar(p) {
  const t = await p.evaluate(() => window.relaylab.layout().toolbar);
  await p.mouse.click(t.x + t.width - 3, t.y + 3);
  await nextFrames(p, 3);
}

export function keyboardTests({ browser, url, figures }) {
  return [
    ['keyboard: Tab / Shift-Tab move a visible focus across several controls', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=happy-path&step=3', { width: 1280, height: 720 });
      await nextFrames(p, 3);
      await focusToolbar(p);
      const before = await focus(p);
      assert(!before.visible, `focus shown before any Tab: ${JSON.stringify(before)}`);
      const seen = [];
      // Tab stops before the step button: the scenario combo, Presenter mode, View…, Inbox,
      // Your world…, Quiz, Glossary (all on the first row at 1280 px), restart, back, play, step.
      for (let i = 0; i < 11; i++) {
        await press(p, 'Tab');
        const f = await focus(p);
        assert(f.visible && f.id !== 0, `after ${i + 1} Tab(s) no visible focus: ${JSON.stringify(f)}`);
        seen.push(f);
      }
      const labels = seen.map((f) => f.label || `#${f.id}`);
      const distinct = new Set(seen.map((f) => f.id));
      assert(distinct.size >= 6, `Tab visited only ${labels.join(', ')}`);
      for (let i = 1; i < seen.length; i++) assert(seen[i].id !== seen[i - 1].id, `Tab stayed on ${labels[i]}`);
      // Different kinds of control: the scenario combo (no label), toggles, playback buttons.
      for (const re of [/Presenter mode/, /##quiz$/, /##glossary$/, /##restart$/, /##play$/, /##step$/])
        assert(labels.some((l) => re.test(l)), `Tab never reached ${re}: ${labels.join(', ')}`);
      await press(p, 'Shift+Tab');
      const back = await focus(p);
      const prev = seen.length - 2;
      assert(back.id === seen[prev].id, `Shift+Tab went to ${JSON.stringify(back)}, expected ${labels[prev]}`);
      // Tabbing changes no state: still at the step the link opened.
      assert((await step(p)) === 3, `Tab moved the step to ${await step(p)}`);
      await tabTo(p, /##play$/);
      if (figures.shotDir) {
        await p.screenshot({ path: path.join(figures.shotDir, 'keyboard-focus.png') });
        figures.lines.push(`keyboard focus screenshot: ${path.join(figures.shotDir, 'keyboard-focus.png')}`);
      }
      figures.lines.push(`keyboard: Tab visited ${labels.join(' → ')}`);
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
    ['keyboard: Enter and Space activate the focused step button; Space the focused Play', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=happy-path&step=3', { width: 1280, height: 720 });
      await nextFrames(p, 3);
      await focusToolbar(p);
      await press(p, 'Tab');
      await tabTo(p, /##step$/);
      await press(p, 'Enter');
      assert((await step(p)) === 4, `Enter on the focused step button: step ${await step(p)}, expected 4`);
      await press(p, 'Space');
      assert((await step(p)) === 5, `Space on the focused step button: step ${await step(p)}, expected 5`);
      const f = await focus(p);
      assert(/##step$/.test(f.label) && f.visible, `the focus left the step button: ${JSON.stringify(f)}`);
      assert(!(await p.evaluate(() => window.relaylab.state().playing)), 'Space on the step button also played');
      await press(p, 'Shift+Tab');
      assert(/##play$/.test((await focus(p)).label), `Shift+Tab from step went to ${(await focus(p)).label}`);
      await press(p, 'Enter');
      const playing = await p.evaluate(() => window.relaylab.state().playing);
      await p.evaluate(() => window.relaylab.pause());
      assert(playing === true, 'Enter on the focused Play button did not play');
      // A click hides the focus; then Space is the play shortcut again and → steps.
      await p.mouse.click(5, 700);
      await nextFrames(p, 3);
      assert(!(await focus(p)).visible, 'the focus still shows after a click');
      const s0 = await step(p);
      await press(p, 'ArrowRight');
      assert((await step(p)) === s0 + 1, `→ after a click: step ${await step(p)}, expected ${s0 + 1}`);
      await press(p, 'Space');
      const playing2 = await p.evaluate(() => window.relaylab.state().playing);
      await p.evaluate(() => window.relaylab.pause());
      assert(playing2 === true, 'Space (no focused widget) did not play');
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
  ];
}
