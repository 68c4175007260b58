// Browser tests of the Inbox drawer's Simulation source (assets/web/inbox.js with
// web/ui/inbox_api.cpp): the drawer lists the run's message copies exactly as
// relaylab.inbox.simulated() gives them, the message view shows headers and text, the HTML
// renders in a sandboxed iframe without allow-scripts, the keyboard stays in the drawer and
// Escape closes it. (The relay source is tested against a real relay:
// tests/integration/inbox_page_test.sh.)
import fs from 'node:fs';
import path from 'node:path';
import { openPage, assert } from './harness.mjs';
import { nextFrames } from './classroom.mjs';

// The browser reports what it blocked in a message's HTML as console errors: expected here.
const unexpected = (errors) => errors.filter((e) => !/Content Security Policy|Blocked script execution/.test(e));
const drawerOpen = (p) => p.evaluate(() => { const d = document.getElementById('inbox'); return !!d && !d.hidden; });

export function inboxTests({ browser, url, figures }) {
  return [
    ['inbox: the I key opens the drawer; it lists the run\'s copies as relaylab.inbox.simulated() does', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=mx-fallback&step=0', { width: 1280, height: 720 });
      // At step 0 nothing is stored yet: the drawer says so.
      await p.focus('#canvas');
      await p.keyboard.press('i');
      await p.waitForFunction(() => { const d = document.getElementById('inbox'); return d && !d.hidden; }, null, { timeout: 5000 });
      await p.waitForFunction(() => /No copies stored yet/.test(document.querySelector('#inbox .inbox-status').textContent), null, { timeout: 5000 });
      // No relay serves this page: the Simulation source is chosen, Relay and Chaos are off.
      const tabs = await p.evaluate(() => ({
        sim: document.getElementById('inbox-tab-simulation').getAttribute('aria-selected'),
        relay: document.getElementById('inbox-tab-relay').disabled,
        chaos: document.getElementById('inbox-tab-chaos').disabled,
      }));
      assert(tabs.sim === 'true' && tabs.relay && tabs.chaos, `tabs ${JSON.stringify(tabs)}`);
      await p.keyboard.press('Escape');
      assert(!(await drawerOpen(p)), 'Escape did not close the drawer');
      assert(await p.evaluate(() => document.activeElement && document.activeElement.id === 'canvas'), 'focus did not return to the canvas');

      // The toolbar's Inbox button (Dear ImGui), reached by the keyboard, opens it too; the
      // badge the drawer sets for chaos shows in its label.
      const t = await p.evaluate(() => window.relaylab.layout().toolbar);
      await p.mouse.click(t.x + t.width - 3, t.y + 3);
      await nextFrames(p, 3);
      let focus = null;
      for (let i = 0; i < 30; i++) {
        focus = await p.evaluate(() => window.relaylab.state().focus);
        if (/###inbox$/.test(focus.label)) break;
        await p.keyboard.press('Tab');
        await nextFrames(p, 3);
      }
      assert(focus.label === 'Inbox###inbox', `Tab never reached the Inbox button: ${JSON.stringify(focus)}`);
      await p.evaluate(() => Module.ccall('relaylab_call', 'string', ['string'], [JSON.stringify({ op: 'inboxBadge', text: 'chaos ON' })]));
      await nextFrames(p, 3);
      focus = await p.evaluate(() => window.relaylab.state().focus);
      assert(focus.label === 'Inbox · chaos ON###inbox', `badge not on the button: ${JSON.stringify(focus)}`);
      await p.keyboard.press('Enter');
      await p.waitForFunction(() => { const d = document.getElementById('inbox'); return d && !d.hidden; }, null, { timeout: 5000 });
      await p.keyboard.press('Escape');
      assert(!(await drawerOpen(p)), 'Escape did not close the drawer');

      await p.evaluate(() => window.relaylab.jump('end'));
      const expected = await p.evaluate(() => window.relaylab.inbox.simulated());
      assert(expected.length >= 2, `simulated() has ${expected.length} copies at the end`);
      const total = await p.evaluate(() => window.relaylab.state().message_copies);
      assert(expected.length === total, `simulated() ${expected.length} != state().message_copies ${total}`);
      await p.evaluate(() => window.relaylab.inbox.open());
      await p.waitForSelector('#inbox button.inbox-item');
      const listed = await p.$$eval('#inbox button.inbox-item', (items) => items.map((b) => b.dataset.id));
      assert(JSON.stringify(listed) === JSON.stringify(expected.map((m) => m.ID)),
             `drawer lists ${JSON.stringify(listed)}, simulated() ${JSON.stringify(expected.map((m) => m.ID))}`);
      // Newest first; every item unread at first (bold, marked).
      const unread = await p.$$eval('#inbox button.inbox-item.unread', (items) => items.length);
      assert(unread === expected.length, `${unread} of ${expected.length} items show unread`);
      assert(unexpected(errors).length === 0, `console errors: ${unexpected(errors).join(' | ')}`);
      await p.close();
    }],
    ['inbox: message view (headers, text, sandboxed HTML, route), search, read state, focus trap, Escape', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=mx-fallback', { width: 1280, height: 720 });
      await p.evaluate(() => window.relaylab.jump('end'));
      await p.evaluate(() => window.relaylab.inbox.open('simulation'));
      await p.waitForSelector('#inbox button.inbox-item');
      // The newest copy: bob's mailbox on mx2.
      const first = await p.evaluate(() => window.relaylab.inbox.simulated()[0]);
      await p.click(`#inbox button.inbox-item[data-id="${first.ID}"]`);
      await p.waitForFunction(() => document.querySelector('#inbox .inbox-msg-subject')?.textContent === 'Lunch on Friday?', null, { timeout: 5000 });
      const stray = await p.$eval('#inbox .inbox-message', (m) => [...m.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent));
      assert(stray.length === 0, `stray text in the message view: ${JSON.stringify(stray)}`);
      const meta = await p.$eval('#inbox .inbox-meta', (t) => t.textContent);
      assert(/alice@lab\.test/.test(meta) && /bob@dest\.test/.test(meta), `meta ${meta}`);
      // The HTML alternative is the first view: an iframe with an empty sandbox (no
      // allow-scripts, opaque origin) and a CSP that blocks remote content.
      const frame = await p.$eval('#inbox iframe.inbox-html', (f) => ({
        sandbox: f.getAttribute('sandbox'), tokens: [...f.sandbox], srcdoc: f.srcdoc, src: f.getAttribute('src') }));
      assert(frame.sandbox === '' && !frame.tokens.includes('allow-scripts') && !frame.tokens.includes('allow-same-origin'),
             `iframe sandbox ${JSON.stringify(frame.sandbox)}`);
      assert(/Content-Security-Policy" content="default-src 'none'/.test(frame.srcdoc), 'srcdoc has no CSP meta');
      assert(/<b>lunch on Friday<\/b>/.test(frame.srcdoc) && frame.src === null, 'srcdoc lacks the HTML body');
      // The script in the message never ran: the frame's document is out of reach (opaque origin).
      const reachable = await p.$eval('#inbox iframe.inbox-html', (f) => { try { return !!f.contentDocument; } catch (e) { return false; } });
      assert(!reachable, 'the sandboxed frame is reachable from the page');
      // Chromium reports what it blocked: the script (sandbox) and the remote image (CSP).
      const blocked = (re) => errors.some((e) => re.test(e));
      for (let i = 0; i < 50 && !(blocked(/Blocked script execution/) && blocked(/tracker\.example/)); i++) await p.waitForTimeout(100);
      assert(blocked(/Blocked script execution/), `no blocked script reported: ${errors.join(' | ')}`);
      assert(blocked(/tracker\.example.*img-src|img-src.*tracker\.example/s), `no blocked remote image reported: ${errors.join(' | ')}`);
      if (figures.shotDir) {
        await nextFrames(p, 2);
        fs.writeFileSync(path.join(figures.shotDir, 'inbox-simulation.png'), await p.screenshot());
        figures.lines.push(`inbox screenshot: ${path.join(figures.shotDir, 'inbox-simulation.png')}`);
      }
      const view = async (name) => {
        await p.click(`#inbox .inbox-msg-tabs [data-view="${name}"]`);
        return p.$eval('#inbox .inbox-msg-panel', (d) => d.textContent);
      };
      const text = await view('text');
      assert(/are we still on for lunch on Friday\?/.test(text), `text view ${text}`);
      const headers = await view('headers');
      assert(/Subject\s*Lunch on Friday\?/.test(headers) && /Received/.test(headers) && /Return-Path/.test(headers), `headers view ${headers.slice(0, 300)}`);
      const raw = await view('raw');
      assert(/^Return-Path: <alice@lab\.test>/.test(raw) && /Content-Type: multipart\/alternative/.test(raw), `raw view ${raw.slice(0, 120)}`);
      const parts = await view('parts');
      assert(/text\/plain/.test(parts) && /text\/html/.test(parts), `parts view ${parts}`);
      const route = await view('route');
      assert(/mx1\.dest\.test/.test(route) && /mx2\.dest\.test/.test(route), `route view ${route}`);
      // Opened: read (the list and simulated() agree).
      const read = await p.evaluate((id) => window.relaylab.inbox.simulated().find((m) => m.ID === id).Read, first.ID);
      assert(read === true, 'the opened copy is not read');
      assert(!(await p.$eval(`#inbox button.inbox-item[data-id="${first.ID}"]`, (b) => b.classList.contains('unread'))), 'item still unread');
      // Search with the engine's syntax.
      await p.fill('#inbox-search', 'subject:lunch is:unread');
      await p.keyboard.press('Enter');
      await p.waitForFunction(() => /found/.test(document.querySelector('#inbox .inbox-status').textContent), null, { timeout: 5000 });
      const found = await p.$$eval('#inbox button.inbox-item', (items) => items.map((b) => b.dataset.id));
      const want = await p.evaluate(() => window.relaylab.inbox.simulated('subject:lunch is:unread').map((m) => m.ID));
      assert(JSON.stringify(found) === JSON.stringify(want) && !found.includes(first.ID), `search found ${found}, want ${want}`);
      await p.fill('#inbox-search', 'subject:nothing-like-this');
      await p.keyboard.press('Enter');
      await p.waitForFunction(() => /Nothing matches/.test(document.querySelector('#inbox .inbox-status').textContent), null, { timeout: 5000 });
      // Tab and Shift+Tab keep the focus in the drawer, and it is visible.
      for (const key of ['Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
        await p.keyboard.press(key);
        const inside = await p.evaluate(() => {
          const a = document.activeElement;
          return { inside: !!a && document.getElementById('inbox').contains(a), outline: a ? getComputedStyle(a).outlineStyle : '' };
        });
        assert(inside.inside, `${key} moved the focus out of the drawer`);
        assert(inside.outline !== 'none', `the focused control shows no outline after ${key}`);
      }
      // Keys typed in the drawer never reach the simulator (Space would play, → would step).
      const before = await p.evaluate(() => window.relaylab.state().step);
      await p.focus('#inbox-search');
      await p.keyboard.type(' f');
      await p.keyboard.press('ArrowLeft');
      await nextFrames(p, 3);
      const after = await p.evaluate(() => window.relaylab.state());
      assert(after.step === before && !after.playing, `typing in the drawer moved the simulator: ${before} → ${after.step}`);
      await p.keyboard.press('Escape');
      assert(!(await drawerOpen(p)), 'Escape did not close the drawer');
      assert(unexpected(errors).length === 0, `console errors: ${unexpected(errors).join(' | ')}`);
      await p.close();
    }],
    ['inbox: "Show in the run" seeks to the copy\'s step; the Show-the-session hook', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=mx-fallback', { width: 1280, height: 720 });
      await p.evaluate(() => window.relaylab.jump('end'));
      await p.evaluate(() => window.relaylab.inbox.open());
      await p.waitForSelector('#inbox button.inbox-item');
      const last = await p.evaluate(() => window.relaylab.inbox.simulated().at(-1));  // the oldest: the relay's queue copy
      await p.click(`#inbox button.inbox-item[data-id="${last.ID}"]`);
      await p.waitForSelector('#inbox .inbox-show-step');
      assert(await p.$('#inbox .inbox-show-session') === null, 'Show the session is offered without a hook');
      await p.click('#inbox .inbox-show-step');
      assert(!(await drawerOpen(p)), 'the drawer stayed open');
      const s = await p.evaluate(() => window.relaylab.state());
      assert(s.message_copies === 1, `after seeking to the first copy's step the run shows ${s.message_copies} copies`);
      // With a hook the button shows and hands over the message.
      await p.evaluate(() => { window.shown = null; window.relaylab.inbox.onShowSession = (m) => { window.shown = m.ID; }; });
      await p.evaluate(() => window.relaylab.inbox.open());
      await p.waitForSelector('#inbox button.inbox-item');
      await p.click(`#inbox button.inbox-item[data-id="${last.ID}"]`);
      await p.waitForSelector('#inbox .inbox-show-session');
      await p.click('#inbox .inbox-show-session');
      assert((await p.evaluate(() => window.shown)) === last.ID, 'the hook did not get the message');
      assert(unexpected(errors).length === 0, `console errors: ${unexpected(errors).join(' | ')}`);
      await p.close();
    }],
  ];
}
