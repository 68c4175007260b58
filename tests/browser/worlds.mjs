// Browser tests of your own world: relaylab.loadWorld (good and bad: the error names the JSON
// path, the page shows it, the world shown stays), the #world= link round trip, #world-url=
// (same origin only), the file picker, a dropped file, and the editor checking as you type.
import fs from 'node:fs';
import path from 'node:path';
import { openPage, assert } from './harness.mjs';
import { nextFrames } from './classroom.mjs';

const state = (p) => p.evaluate(() => window.relaylab.state());

// capture-dev's JSON, renamed: a world of one's own.
async function myWorld(p) {
  return p.evaluate(() => {
    window.relaylab.load('capture-dev');
    const w = JSON.parse(window.relaylab.worldJson());
    w.name = 'my-capture';
    w.title = 'My capture world';
    return JSON.stringify(w, null, 2);
  });
}

const waitFor = (p, fn, arg, what) =>
  p.waitForFunction(fn, arg, { timeout: 10000 }).catch(async () => {
    throw new Error(`${what}; state ${JSON.stringify(await state(p)).slice(0, 400)}`);
  });

export function worldTests({ browser, url, figures }) {
  return [
    ['loadWorld: a good world loads and stays across steps and switches; a bad one names its path and the world stays', async () => {
      const { page: p, errors } = await openPage(browser, url);
      const text = await myWorld(p);
      const good = await p.evaluate((t) => window.relaylab.loadWorld(t), text);
      assert(good.ok === true && good.error === null, `loadWorld: ${JSON.stringify(good)}`);
      let s = await p.evaluate(() => {
        const api = window.relaylab;
        api.seek(3);
        api.step();
        api.back();
        api.seek(1e6);
        return api.state();
      });
      assert(s.scenario === 'my-capture' && s.custom_world === true, `after steps: ${s.scenario} custom ${s.custom_world}`);
      assert(s.link.startsWith('world=@&step='), `link ${s.link}`);
      // The capture host's inbox shows in the message view, with the host.
      assert(s.messages[0].status === 'captured' && s.messages[0].final_host === 'mailpit.dev.test',
             `message ${JSON.stringify(s.messages[0])}`);
      assert(s.message_copies === 1, `message copies ${s.message_copies}`);
      assert((await p.evaluate(() => window.relaylab.worldJson())) === text, 'worldJson() is not the text loaded');

      // A bad host kind: refused with its path, shown on the page; the world stays.
      const w = JSON.parse(text);
      w.hosts[2].kind = 'mxx';
      const bad = await p.evaluate((t) => window.relaylab.loadWorld(t), JSON.stringify(w));
      assert(bad.ok === false && /^scenario\.hosts\[2\]\.kind: unknown kind "mxx"/.test(bad.error), `bad kind: ${JSON.stringify(bad)}`);
      await nextFrames(p, 3);
      s = await state(p);
      assert(s.notice && s.notice.includes('hosts[2].kind: unknown kind "mxx"'), `notice ${JSON.stringify(s.notice)}`);
      assert(s.scenario === 'my-capture', `the world shown changed to ${s.scenario}`);
      const box = await p.evaluate(() => window.relaylab.layout().notice);
      assert(box.height > 0 && box.width > 0, `the notice is not drawn: ${JSON.stringify(box)}`);
      // An unknown key, at the top.
      const typo = JSON.parse(text);
      typo.hots = [];
      const r = await p.evaluate((t) => window.relaylab.loadWorld(t), JSON.stringify(typo));
      assert(r.ok === false && r.error === 'scenario.hots: unknown key (misspelt?)', `typo: ${JSON.stringify(r)}`);
      // Not JSON at all.
      const nonsense = await p.evaluate(() => window.relaylab.loadWorld('{ "name": '));
      assert(nonsense.ok === false && /not valid JSON \(line 1/.test(nonsense.error), `nonsense: ${JSON.stringify(nonsense)}`);
      // A built-in scenario picked again leaves the world.
      s = await p.evaluate(() => window.relaylab.load('happy-path'));
      assert(s.custom_world === false && s.link.startsWith('scenario=happy-path'), `after load: ${s.link}`);
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
    ['#world= link round trip: worldLink() opened in a new page is the same world at the same step', async () => {
      const { page: p, errors } = await openPage(browser, url);
      const text = await myWorld(p);
      await p.evaluate((t) => { window.relaylab.loadWorld(t); window.relaylab.seek(5); }, text);
      const link = await p.evaluate(() => window.relaylab.worldLink());
      assert(new RegExp('^' + url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') + '#world=[A-Za-z0-9_-]+&step=5$').test(link), `link ${link}`);
      // The address bar follows (the compressed world in place of the @).
      await waitFor(p, (l) => location.href === l, link, `the address bar is ${await p.evaluate(() => location.href)}`);
      const q = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const qErrors = [];
      q.on('pageerror', (e) => qErrors.push(String(e)));
      await q.goto(link);
      await q.evaluate(() => window.relaylab.ready);
      await waitFor(q, () => window.relaylab.state().custom_world === true, null, 'the #world= link did not load');
      const s = await state(q);
      assert(s.scenario === 'my-capture' && s.step === 5 && s.notice === null, `reopened: ${s.scenario} step ${s.step} notice ${s.notice}`);
      assert((await q.evaluate(() => window.relaylab.worldJson())) === text, 'the reopened world differs');
      figures.lines.push(`worlds: a #world= link of capture-dev is ${link.length - url.length} characters`);
      assert(errors.length === 0 && qErrors.length === 0, `errors: ${errors.concat(qErrors).join(' | ')}`);
      await q.close();
      // A link cut short says so (a fresh page opened with it).
      const cut = link.slice(0, link.indexOf('#world=') + 7 + 40);
      const r = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await r.goto(cut);
      await r.evaluate(() => window.relaylab.ready);
      await waitFor(r, () => !!window.relaylab.state().notice, null, 'a broken #world= showed nothing');
      const broken = await state(r);
      assert(/not a compressed world/.test(broken.notice) && broken.custom_world === false, `broken link: ${broken.notice}`);
      await r.close();
      await p.close();
    }],
    ['#world-url= loads a same-origin path and refuses another site', async () => {
      const { page: p } = await openPage(browser, url);
      const text = await myWorld(p);
      await p.route('**/worlds/lab.json', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: text }));
      await p.goto(url + '#world-url=/worlds/lab.json&step=2');
      await p.evaluate(() => window.relaylab.ready);
      await waitFor(p, () => window.relaylab.state().custom_world === true, null, '#world-url= did not load');
      let s = await state(p);
      assert(s.scenario === 'my-capture' && s.step === 2, `world-url: ${s.scenario} step ${s.step}`);
      // The page then puts the world itself in the address bar (history.replaceState, after an
      // asynchronous compression). A navigation the test starts while that is pending can be
      // dropped by the browser, so wait for the page's own link first.
      await waitFor(p, () => location.hash.startsWith('#world='), null, 'the loaded world was not put in the link');
      await p.goto(url + '#world-url=https://example.org/evil.json');
      await p.evaluate(() => window.relaylab.ready);
      await waitFor(p, () => !!window.relaylab.state().notice, null, 'another origin was not refused');
      s = await state(p);
      // Refused with a message; the world shown stays.
      assert(/another site/.test(s.notice) && s.scenario === 'my-capture', `other origin: ${s.scenario} ${s.notice}`);
      await p.close();
    }],
    ['a world from the file picker and from a dropped file; a bad file names the file and the path', async () => {
      const { page: p, errors } = await openPage(browser, url);
      const text = await myWorld(p);
      await p.evaluate(() => window.relaylab.load('happy-path'));
      // The picker the editor's "Open file…" opens.
      const [chooser] = await Promise.all([p.waitForEvent('filechooser'), p.evaluate(() => window.relaylab.openFile())]);
      await chooser.setFiles({ name: 'mine.json', mimeType: 'application/json', buffer: Buffer.from(text) });
      await waitFor(p, () => window.relaylab.state().custom_world === true, null, 'the chosen file did not load');
      assert((await state(p)).scenario === 'my-capture', 'file picker');
      // A bad file through the same input.
      const w = JSON.parse(text);
      w.messages[0].prot = 25;
      await p.setInputFiles('#world-file', { name: 'typo.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(w)) });
      await waitFor(p, () => !!window.relaylab.state().notice, null, 'the bad file showed no notice');
      const notice = (await state(p)).notice;
      assert(notice.includes('typo.json') && notice.includes('scenario.messages[0].prot: unknown key'), `notice ${notice}`);
      // Dropped on the page.
      await p.evaluate(() => { window.relaylab.dismissNotice(); window.relaylab.load('happy-path'); });
      await p.evaluate((t) => {
        const data = new DataTransfer();
        data.items.add(new File([t.replace('my-capture', 'dropped-world')], 'dropped.json', { type: 'application/json' }));
        window.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
      }, text);
      await waitFor(p, () => window.relaylab.state().scenario === 'dropped-world', null, 'the dropped file did not load');
      // The editor's Export JSON downloads the text as <name>.json; Copy link makes its #world= link.
      const exported = JSON.stringify({ name: 'exported-world', hosts: [], messages: [] });
      const [download] = await Promise.all([p.waitForEvent('download'),
                                            p.evaluate((t) => window.relaylab._action('download', t), exported)]);
      assert(download.suggestedFilename() === 'exported-world.json', `download name ${download.suggestedFilename()}`);
      const saved = await download.path();
      assert(fs.readFileSync(saved, 'utf8') === exported, 'the download is not the editor text');
      await p.evaluate((t) => window.relaylab._action('copy_link', t), text);
      await waitFor(p, () => !!window.relaylab.copiedLink, null, 'Copy link made no link');
      const copied = await p.evaluate(() => window.relaylab.copiedLink);
      assert(copied === await p.evaluate((t) => window.relaylab.worldLink(t), text), `copied ${copied.slice(0, 60)}`);
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
    ['editor: opened from the toolbar by keyboard, checks as you type, shows the error at its path', async () => {
      const { page: p, errors } = await openPage(browser, url, { width: 1366, height: 768 });
      await p.evaluate(() => window.relaylab.load('capture-dev'));
      // Tab to "Your world…" and press Enter.
      const t = await p.evaluate(() => window.relaylab.layout().toolbar);
      await p.mouse.click(t.x + t.width - 3, t.y + 3);
      await nextFrames(p, 3);
      let found = false;
      for (let i = 0; i < 30 && !found; i++) {
        await p.keyboard.press('Tab');
        await nextFrames(p, 3);
        found = /##world$/.test((await state(p)).focus.label);
      }
      assert(found, 'Tab never reached "Your world…"');
      await p.keyboard.press('Enter');
      await nextFrames(p, 4);
      let e = await p.evaluate(() => window.relaylab.editorState());
      assert(e.open && e.error === null && e.text === (await p.evaluate(() => window.relaylab.worldJson())),
             `editor ${JSON.stringify({ open: e.open, error: e.error })}`);
      assert(e.box.width > 200 && e.box.height > 100, `text box ${JSON.stringify(e.box)}`);
      // Type a misspelt key after the first "{".
      await p.mouse.click(e.box.x + 40, e.box.y + 40);
      await nextFrames(p, 3);
      await p.keyboard.press('Control+Home');
      await p.keyboard.press('End');
      await p.keyboard.press('Enter');
      await p.keyboard.type('"hots": [],', { delay: 5 });
      await nextFrames(p, 2);
      await waitFor(p, () => window.relaylab.editorState().checked === true, null, 'the editor never checked the text');
      e = await p.evaluate(() => window.relaylab.editorState());
      assert(e.text.includes('"hots": [],'), `typed text missing: ${e.text.slice(0, 80)}`);
      assert(e.error === 'scenario.hots: unknown key (misspelt?)', `editor error ${JSON.stringify(e.error)}`);
      // Typing does not step the simulation (End, arrows are the text's, not shortcuts).
      assert((await state(p)).step === 0, 'typing moved the timeline');
      if (figures.shotDir) fs.writeFileSync(path.join(figures.shotDir, 'world-editor-1366.png'), await p.screenshot());
      // Fix it (Ctrl+Z undoes the typing) and the error goes.
      for (let i = 0; i < 3; i++) await p.keyboard.press('Control+Z');
      await nextFrames(p, 2);
      await waitFor(p, () => window.relaylab.editorState().checked === true, null, 'no check after undo');
      e = await p.evaluate(() => window.relaylab.editorState());
      if (!e.text.includes('hots')) assert(e.error === null, `after undo: ${e.error}`);
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
  ];
}
