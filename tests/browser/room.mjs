// A workshop room with two browser pages (separate profiles, so separate cookies): the
// presenter (opened with the admin token) opens a room; the student opens its link (the
// room's read-only token) and follows the presenter's scenario and step; detached, the
// student stays where it is while the presenter moves on; re-attached, it catches up.
// Driven by tests/integration/room_test.sh:   node room.mjs BASE_URL ADMIN_TOKEN OUT_JSON
import fs from 'node:fs';
import { launchChromium, openPage, runTests, assert } from './harness.mjs';

const [base, token, outFile] = process.argv.slice(2);
const { browser } = await launchChromium();
let ok = false;
const where = (page) => page.evaluate(() => { const s = window.relaylab.state(); return `${s.scenario}@${s.step}`; });
try {
  const presenter = await openPage(browser, `${base}/?token=${encodeURIComponent(token)}`);
  let room = null;
  let student = null;
  ok = await runTests([
    ['the presenter opens a room and gets a link with a room token (not the admin token)', async () => {
      room = await presenter.page.evaluate(() => window.relaylab.room.open());
      assert(room.id && room.token && room.link.includes(room.token), JSON.stringify(room));
      assert(!room.link.includes(token), 'the link carries the admin token');
      fs.writeFileSync(outFile, JSON.stringify(room));
      await presenter.page.evaluate(() => { window.relaylab.load('greylisting'); window.relaylab.seek(5); });
    }],
    ['the student opens the link and follows the presenter', async () => {
      student = await openPage(browser, room.link);
      const want = await where(presenter.page);
      await student.page.waitForFunction((w) => { const s = window.relaylab.state(); return `${s.scenario}@${s.step}` === w; },
        want, { timeout: 30000 });
      await presenter.page.evaluate(() => window.relaylab.seek(9));
      const next = await where(presenter.page);
      await student.page.waitForFunction((w) => { const s = window.relaylab.state(); return `${s.scenario}@${s.step}` === w; },
        next, { timeout: 30000 });
      const st = await student.page.evaluate(() => window.relaylab.room.status());
      assert(st.role === 'student' && st.attached && st.connected, JSON.stringify(st));
    }],
    ['detached, the student explores; re-attached, it is back with the presenter', async () => {
      await student.page.evaluate(() => { window.relaylab.room.detach(); window.relaylab.load('happy-path'); });
      await presenter.page.evaluate(() => window.relaylab.seek(12));
      await presenter.page.waitForTimeout(1500);  // the push went out; the student ignores it
      assert((await where(student.page)) === 'happy-path@0', `detached student moved: ${await where(student.page)}`);
      await student.page.evaluate(() => window.relaylab.room.attach());
      const want = await where(presenter.page);
      assert(want !== 'greylisting@9' && (await where(student.page)) === want,
        `re-attached student at ${await where(student.page)}, presenter at ${want}`);
      assert(presenter.errors.length === 0 && student.errors.length === 0,
        `console errors: ${presenter.errors.concat(student.errors).join(' | ')}`);
    }],
  ]);
} catch (e) {
  console.log('FAIL ' + (e.stack || e));
} finally {
  await browser.close();
}
process.exit(ok ? 0 : 1);
