// The page served by a relay, in Live mode, shows a session sent during the test: Chromium
// opens the page (with the relay's token in the link: the cookie it sets lets the WebSocket
// in), waits for the Live stream, sends a message with swaks through the submission port,
// finds the session in relaylab.live.sessions() and opens it in the simulator's panels.
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
  ]);
} catch (e) {
  console.log('FAIL ' + (e.stack || e));
} finally {
  await browser.close();
}
process.exit(ok ? 0 : 1);
