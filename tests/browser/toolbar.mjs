// Browser tests of the toolbar on a projector: in presenter mode (big text) every button of
// the first row (scenario picker, Presenter mode/View…, Inbox, Your world…, Export…, Quiz,
// Glossary) stays on the toolbar, wrapping onto a further line when the row is full, and
// the scrubber keeps its row; the quiz's choices wrap their long labels inside the button.
// Rectangles come from window.relaylab.layout() (toolbar_items, quiz_choices).
import fs from 'node:fs';
import path from 'node:path';
import { openPage, assert } from './harness.mjs';
import { nextFrames } from './classroom.mjs';

const FIRST_ROW = ['scenario', 'presenter', 'inbox', 'world', 'export', 'quiz', 'glossary'];
const within = (a, c, slack = 0.5) => a.x >= c.x - slack && a.y >= c.y - slack &&
  a.x + a.width <= c.x + c.width + slack && a.y + a.height <= c.y + c.height + slack;
const overlap = (a, b) => a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 &&
  a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;
const centre = (r) => ({ x: r.x + r.width / 2, y: r.y + r.height / 2 });

async function click(p, r) {
  const c = centre(r);
  await p.mouse.move(c.x, c.y);
  await nextFrames(p, 3);
  await p.mouse.click(c.x, c.y);
  await nextFrames(p, 4);
  await p.mouse.move(c.x, c.y + 400);  // another event: the click's effect is drawn
  await nextFrames(p, 4);
}

// Every first-row item on the toolbar, in the viewport, clear of each other and of the
// playback rows below; returns the layout.
async function checkToolbar(p, width, height, where) {
  const l = await p.evaluate(() => window.relaylab.layout());
  const items = l.toolbar_items;
  const names = Object.keys(items);
  for (const name of FIRST_ROW) assert(names.includes(name), `${where}: no ${name} on the toolbar: ${JSON.stringify(items)}`);
  const viewport = { x: 0, y: 0, width, height };
  for (const [i, name] of names.entries()) {
    const r = items[name];
    assert(r.width > 20 && r.height > 10, `${where}: ${name} is ${JSON.stringify(r)}`);
    assert(within(r, l.toolbar) && within(r, viewport), `${where}: ${name} ${JSON.stringify(r)} leaves the toolbar ${JSON.stringify(l.toolbar)}`);
    for (const other of names.slice(i + 1))
      assert(!overlap(r, items[other]), `${where}: ${name} overlaps ${other}: ${JSON.stringify([r, items[other]])}`);
    assert(r.y + r.height <= l.scrubber.y + 0.5, `${where}: ${name} is not above the scrubber ${JSON.stringify(l.scrubber)}`);
  }
  assert(within(l.scrubber, l.toolbar) && l.scrubber.width > 0.3 * width, `${where}: scrubber ${JSON.stringify(l.scrubber)}`);
  assert(l.topology.y >= l.toolbar.y + l.toolbar.height - 0.5, `${where}: the panels start under the toolbar's top`);
  return l;
}

export function toolbarTests({ browser, url, figures }) {
  return [
    ['toolbar: every first-row button (Quiz, Glossary too) on the toolbar in presenter mode at 1280x720 and 1024x768, normal at 1280x720 and 1366x768; Quiz starts the quiz', async () => {
      for (const [width, height, presenter] of [[1280, 720, true], [1024, 768, true], [1280, 720, false], [1366, 768, false]]) {
        const { page: p, errors } = await openPage(browser, url + '#scenario=relay-denied&step=3', { width, height });
        await nextFrames(p, 3);
        await p.evaluate((on) => window.relaylab.setPresenterMode(on), presenter);
        await nextFrames(p, 6);
        const where = `${width}x${height}${presenter ? ' presenting' : ''}`;
        let l = await checkToolbar(p, width, height, where);
        figures.lines.push(`toolbar at ${where}: first row on ${l.toolbar_lines} line(s), toolbar ${l.toolbar.height} px high`);
        // The normal toolbar keeps one first row (the keyboard test's Tab count relies on it).
        if (!presenter) assert(l.toolbar_lines === 1, `${where}: the first row wrapped onto ${l.toolbar_lines} lines`);
        if (presenter) {
          assert(l.scrubber.width >= 0.8 * width, `${where}: scrubber only ${l.scrubber.width} px wide`);
          if (figures.shotDir) {
            await p.mouse.move(width / 2, height - 5);
            await nextFrames(p, 3);
            fs.writeFileSync(path.join(figures.shotDir, `toolbar-presenter-${width}x${height}.png`), await p.screenshot());
          }
        }
        await click(p, l.toolbar_items.quiz);
        let s = await p.evaluate(() => window.relaylab.state());
        assert(s.quiz.active && s.step === 0, `${where}: clicking Quiz did not start the quiz: ${JSON.stringify(s.quiz)} step ${s.step}`);
        l = await checkToolbar(p, width, height, `${where} with the quiz on`);  // "Stop quiz" moves nothing off
        await click(p, l.toolbar_items.glossary);
        s = await p.evaluate(() => window.relaylab.state());
        assert(s.glossary.open, `${where}: clicking Glossary did not open the glossary`);
        await click(p, l.toolbar_items.quiz);  // now "Stop quiz"
        s = await p.evaluate(() => window.relaylab.state());
        assert(!s.quiz.active, `${where}: clicking Stop quiz did not stop it`);
        // The scrubber still seeks: a click at three quarters of it.
        const sc = l.scrubber;
        await p.mouse.move(sc.x + sc.width * 0.75, sc.y + sc.height / 2);
        await nextFrames(p, 2);
        await p.mouse.click(sc.x + sc.width * 0.75, sc.y + sc.height / 2);
        await nextFrames(p, 3);
        s = await p.evaluate(() => window.relaylab.state());
        assert(Math.abs(s.step - 0.75 * s.total_steps) <= 0.05 * s.total_steps + 1,
               `${where}: a click at 3/4 of the scrubber went to step ${s.step} of ${s.total_steps}`);
        assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
        await p.close();
      }
    }],
    ['quiz in presenter mode: a long choice wraps inside its button, never cut at the edge (relay-denied, tls-required-failure; 1280x720, 1024x768)', async () => {
      let wrapped = 0, checked = 0, shot = false;
      for (const [width, height] of [[1280, 720], [1024, 768]]) {
        for (const name of ['relay-denied', 'tls-required-failure']) {
          const { page: p, errors } = await openPage(browser, url + `#scenario=${name}&step=1`, { width, height });
          await nextFrames(p, 3);
          await p.evaluate(() => { window.relaylab.setPresenterMode(true); window.relaylab.quiz.start(); });
          // The first dozen questions: replies, DNS answers and queue decisions.
          for (let guard = 0, asked = 0; guard < 400 && asked < 12; guard++) {
            const q = await p.evaluate(() => window.relaylab.quiz.question());
            if (q) {
              let wrappedHere = false;
              for (const answered of [false, true]) {  // the question, then the reveal (✓ and ✗ marks)
                await nextFrames(p, 2);
                const l = await p.evaluate(() => window.relaylab.layout());
                const where = `${name} step ${q.step} at ${width}x${height}${answered ? ' (revealed)' : ''}`;
                assert(l.quiz_choices.length === q.choices.length, `${where}: ${l.quiz_choices.length} choices drawn, ${q.choices.length} asked`);
                for (const [i, c] of l.quiz_choices.entries()) {
                  assert(within(c.text, c.button), `${where}: choice ${i + 1} "${q.choices[i].label}" overflows its button: ${JSON.stringify(c)}`);
                  assert(c.button.x >= l.quiz.x && c.button.x + c.button.width <= l.quiz.x + l.quiz.width + 0.5,
                         `${where}: choice ${i + 1} leaves the quiz panel ${JSON.stringify(l.quiz)}`);
                  if (c.text.height > l.frame_height) { wrapped++; wrappedHere = true; }  // a line of text is lower than a frame
                  checked++;
                }
                if (!answered) await p.evaluate(() => window.relaylab.quiz.answer(0));
              }
              if (figures.shotDir && width === 1024 && wrappedHere && !shot) {
                shot = true;
                fs.writeFileSync(path.join(figures.shotDir, 'quiz-presenter-1024x768.png'), await p.screenshot());
              }
              await p.evaluate(() => window.relaylab.quiz.next());
              asked++;
              continue;
            }
            const s = await p.evaluate(() => window.relaylab.state());
            if (s.step >= s.total_steps) break;
            await p.evaluate(() => window.relaylab.step());
          }
          assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
          await p.close();
        }
      }
      figures.lines.push(`quiz choices in presenter mode: ${checked} checked, ${wrapped} wrapped onto more lines`);
      assert(checked > 20 && wrapped > 0, `only ${checked} choices checked, ${wrapped} wrapped: the test saw no long label`);
    }],
  ];
}
