// The page served by a relay, in Live mode, shows a session sent during the test: Chromium
// opens the page (with the relay's token in the link: the cookie it sets lets the WebSocket
// in), waits for the Live stream, sends a message with swaks through the submission port,
// finds the session in relaylab.live.sessions() and opens it in the simulator's panels; keeps
// the list in presenter mode; opens the session in the simulator (a world rebuilt from it,
// the same server replies); and, in a second page that saw nothing live, the Inbox's "Show
// the session" brings the captured message's route from the relay.
// Driven by tests/integration/live_test.sh:
//   node live.mjs BASE_URL TOKEN SUBMISSION_PORT
import { execFileSync } from 'node:child_process';
import { launchChromium, openPage, runTests, assert } from './harness.mjs';

const [base, token, port] = process.argv.slice(2);
const { browser } = await launchChromium();
let ok = false;
try {
  const { page, errors } = await openPage(browser, `${base}/?token=${encodeURIComponent(token)}`);
  let queueId = '';
  ok = await runTests([
    ['the page knows it is served by a relay and connects to /api/v1/live', async () => {
      await page.waitForFunction(() => window.relaylab.live && window.relaylab.live.connected, null, { timeout: 30000 });
      assert(await page.evaluate(() => window.relaylab.live.mode(true)) === true, 'Live mode did not turn on');
    }],
    ['a message sent now appears in relaylab.live.sessions(), newest first', async () => {
      const out = execFileSync('swaks', ['--server', `127.0.0.1:${port}`, '--tls', '--auth', 'PLAIN',
        '--auth-user', 'alice@lab.test', '--auth-password', 'alice-pw', '--from', 'alice@lab.test',
        '--to', 'page@example.net', '--header', 'Subject: seen in the page'], { encoding: 'utf8' });
      queueId = (out.match(/Ok: queued as (\S+)/) || [])[1] || '';
      assert(queueId, 'swaks: no queue id in ' + out.slice(-300));
      await page.waitForFunction((q) => window.relaylab.live.sessions()
        .some((s) => s.role === 'submission' && s.messages.includes(q) && s.status !== 'open'), queueId, { timeout: 60000 });
      const list = await page.evaluate(() => window.relaylab.live.sessions());
      const keys = Object.keys(list[0]).sort().join(',');
      assert(keys === 'id,messages,peer,role,started,status', `session fields: ${keys}`);
      for (let i = 1; i < list.length; i++) assert(list[i - 1].started >= list[i].started, 'not newest first');
    }],
    ['relaylab.live.open(id) shows the session in the panels: EHLO … 250 in the transcript', async () => {
      const id = await page.evaluate((q) => window.relaylab.live.sessions()
        .find((s) => s.role === 'submission' && s.messages.includes(q)).id, queueId);
      await page.evaluate((i) => window.relaylab.live.open(i), id);
      await page.waitForTimeout(300);  // a frame or two
      const st = await page.evaluate(() => window.relaylab.state());
      assert(st.scenario === 'live:' + id, `scenario ${st.scenario}`);
      assert(st.total_steps > 10 && st.step === st.total_steps, `steps ${st.step}/${st.total_steps}`);
      assert(st.views.transcript.steps.length > 10, `transcript lists ${st.views.transcript.steps.length} steps`);
      await page.evaluate(() => window.relaylab.seek(1));
      const first = await page.evaluate(() => window.relaylab.state().current);
      assert(first.kind === 'reply' && first.code === 220, `first step ${JSON.stringify(first).slice(0, 200)}`);
      const texts = [];
      for (let n = 1; n <= st.total_steps; n++) {
        texts.push(await page.evaluate((k) => { window.relaylab.seek(k); return window.relaylab.state().current; }, n));
      }
      assert(texts.some((c) => c.verb === 'EHLO'), 'no EHLO step');
      assert(texts.some((c) => c.verb === 'AUTH' && c.text.includes('<credentials hidden>')), 'no masked AUTH step');
      assert(texts.some((c) => c.kind === 'reply' && c.code === 250 && c.message === queueId), 'no 250 for the message');
    }],
    ['the message route (by queue id) joins the submission and the queue thread', async () => {
      await page.evaluate((q) => window.relaylab.live.open(q), queueId);
      const st = await page.evaluate(() => window.relaylab.state());
      assert(st.messages.some((m) => m.id === queueId && m.status === 'delivered'), JSON.stringify(st.messages));
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
    }],
    ['presenter mode keeps the live session list (compact, under the note)', async () => {
      await page.evaluate(() => window.relaylab.setPresenterMode(true));
      await page.waitForTimeout(300);  // a frame or two
      const l = await page.evaluate(() => window.relaylab.layout());
      assert(l.presenter && l.switches.height > 0 && l.switches.width > 0, `live list in presenter mode: ${JSON.stringify(l.switches)}`);
      assert(l.notes.y + l.notes.height <= l.switches.y + 1, `the list overlaps the note: ${JSON.stringify([l.notes, l.switches])}`);
      await page.evaluate(() => window.relaylab.setPresenterMode(false));
    }],
    ['Open in the simulator: the session rebuilt, its server replies those of the live session, back and forth', async () => {
      const id = await page.evaluate((q) => window.relaylab.live.sessions()
        .find((s) => s.role === 'submission' && s.messages.includes(q)).id, queueId);
      await page.evaluate((i) => window.relaylab.live.open(i), id);
      // The replies (RFC 5321 §4.2: the first line's code) in a run's transcript, step by step.
      const replies = () => page.evaluate(() => {
        const out = [];
        const total = window.relaylab.state().total_steps;
        for (let n = 1; n <= total; n++) {
          window.relaylab.seek(n);
          const c = window.relaylab.state().current;
          if (c && c.kind === 'reply' && c.reply_line === 0) out.push({ from: c.from, to: c.to, code: c.code });
        }
        return out;
      });
      const observed = await replies();
      assert(observed.length > 0, 'the live session has no reply');
      const { from: server, to: client } = observed[0];  // the greeting: the relay to swaks
      const codes = (list) => list.filter((r) => r.from === server && r.to === client).map((r) => r.code);
      const liveCodes = codes(observed);
      assert(liveCodes.length >= 5 && liveCodes[0] === 220, `live replies of ${server}: ${liveCodes}`);
      const r = await page.evaluate((i) => window.relaylab.live.rebuild(i), id);
      assert(r.ok && r.name === 'rebuilt-' + id && Array.isArray(r.notes) && r.json.includes('Rebuilt from what was observed'),
             `rebuild: ${JSON.stringify(r).slice(0, 300)}`);
      await page.waitForTimeout(300);
      const st = await page.evaluate(() => window.relaylab.state());
      assert(st.scenario === r.name && /rebuilt/.test(st.scenario), `scenario ${st.scenario}`);
      assert(st.title === 'Rebuilt from what was observed' && st.custom_world, `title ${st.title}, custom ${st.custom_world}`);
      assert(st.views.transcript.steps.length > 0, 'the transcript shows nothing');
      const rebuiltCodes = codes(await replies());
      assert(JSON.stringify(rebuiltCodes) === JSON.stringify(liveCodes), `rebuilt ${rebuiltCodes} ≠ live ${liveCodes}`);
      // Back and forth in the rebuilt run: the engine's, step by step.
      await page.evaluate(() => window.relaylab.seek(4));
      const at4 = await page.evaluate(() => window.relaylab.state().current);
      await page.evaluate(() => window.relaylab.step());
      await page.evaluate(() => window.relaylab.back());
      const back = await page.evaluate(() => window.relaylab.state());
      assert(back.step === 4 && JSON.stringify(back.current) === JSON.stringify(at4), `stepping back: step ${back.step}`);
      // Into Live mode and out again: back to the rebuilt world.
      await page.evaluate((i) => { window.relaylab.live.mode(true); window.relaylab.live.open(i); }, id);
      assert((await page.evaluate(() => window.relaylab.state().scenario)) === 'live:' + id, 'the live session is not shown');
      await page.evaluate(() => window.relaylab.live.mode(false));
      const again = await page.evaluate(() => window.relaylab.state());
      assert(again.scenario === r.name && again.custom_world, `Live mode off came back to ${again.scenario}`);
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
    }],
    ['the Inbox\'s "Show the session", in a page that saw nothing live: the message\'s route from the relay', async () => {
      // A second page whose Live WebSocket reaches nothing: the sessions come only from
      // GET /api/v1/live/by-message (the page opened after the mail came).
      const p2 = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors2 = [];
      p2.on('pageerror', (err) => errors2.push(String(err)));
      await p2.routeWebSocket(/\/api\/v1\/live$/, () => {});
      await p2.goto(`${base}/?token=${encodeURIComponent(token)}`);
      await p2.waitForFunction(() => window.relaylab && window.relaylab.live && window.relaylab.inbox &&
        typeof window.relaylab.inbox.onShowSession === 'function', null, { timeout: 30000 });
      assert((await p2.evaluate(() => window.relaylab.live.sessions())).length === 0, 'the second page saw sessions');
      const nothing = await p2.evaluate(() => window.relaylab.inbox.onShowSession({ ID: 'no-such-message' }));
      assert(/knows no session/.test(nothing), `nothing known: "${nothing}"`);
      const list = await p2.evaluate(() => window.relaylab.inbox.list(0, 50));
      const msg = (list.messages || list).find((m) => m.Subject === 'seen in the page');
      assert(msg, 'the captured message is not listed');
      await p2.evaluate(() => window.relaylab.inbox.open('relay'));
      await p2.click(`#inbox button.inbox-item[data-id="${msg.ID}"]`, { timeout: 30000 });
      await p2.click('#inbox .inbox-show-session', { timeout: 30000 });
      await p2.waitForFunction((q) => window.relaylab.state().scenario === 'live:' + q, queueId, { timeout: 30000 });
      assert(!(await p2.evaluate(() => window.relaylab.inbox.isOpen())), 'the drawer stayed open');
      const st = await p2.evaluate(() => window.relaylab.state());
      let mailFrom = false;
      for (let n = 1; n <= st.total_steps && !mailFrom; n++) {
        const c = await p2.evaluate((k) => { window.relaylab.seek(k); return window.relaylab.state().current; }, n);
        mailFrom = c.verb === 'MAIL' && c.text.includes('alice@lab.test');
      }
      assert(mailFrom, 'the route shows no MAIL FROM:<alice@lab.test>');
      assert(errors2.length === 0, `page errors: ${errors2.join(' | ')}`);
      await p2.close();
    }],
  ]);
} catch (e) {
  console.log('FAIL ' + (e.stack || e));
} finally {
  await browser.close();
}
process.exit(ok ? 0 : 1);
