// Browser tests of the Export menu's downloads and the Wire tab: every export arrives as a
// real browser download (relaylab.download, what the menu's items call), the pcap has the
// libpcap magic and LINKTYPE_RAW, the handout and the .eml files have content; the wire
// view shows smtp-smuggling's bare LF before the dot and why the data did not end there
// (RFC 5321 §2.3.8, §4.1.1.4), AUTH credentials decoded only when asked, and a TLS step as
// an observer's opaque record beside the endpoints' SMTP.
import fs from 'node:fs';
import path from 'node:path';
import { openPage, pixelStats, assert } from './harness.mjs';
import { nextFrames } from './classroom.mjs';

async function download(p, kind, index = 0) {
  const [dl] = await Promise.all([
    p.waitForEvent('download', { timeout: 10000 }),
    p.evaluate(([k, i]) => window.relaylab.download(k, i), [kind, index]),
  ]);
  return { name: dl.suggestedFilename(), bytes: fs.readFileSync(await dl.path()) };
}

// Steps forward from the start until pred(state().current) holds; returns the step.
async function seekTo(p, pred) {
  const found = await p.evaluate((src) => {
    const test = new Function('s', `return (${src})(s);`);
    const total = window.relaylab.state().total_steps;
    for (let n = 1; n <= total; n++) {
      const s = window.relaylab.seek(n);
      if (s.current && test(s.current)) return n;
    }
    return 0;
  }, pred.toString());
  assert(found > 0, `no step matches ${pred}`);
  await nextFrames(p, 3);
  return found;
}

async function shot(p, figures, name) {
  if (!figures.shotDir) return;
  const file = path.join(figures.shotDir, name);
  fs.writeFileSync(file, await p.screenshot());
  figures.lines.push(`wire view screenshot: ${file}`);
}

export function exportTests({ browser, url, figures }) {
  return [
    ['exports: handout, transcript, trace, pcap and every .eml download from the page', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=happy-path');
      const list = await p.evaluate(() => window.relaylab.exports());
      const kinds = list.map((e) => e.kind);
      for (const k of ['markdown', 'text', 'json', 'pcap', 'eml']) assert(kinds.includes(k), `exports() lacks ${k}: ${kinds}`);
      const md = await download(p, 'markdown');
      assert(md.name === 'happy-path.md', `markdown named ${md.name}`);
      const mdText = md.bytes.toString('utf8');
      assert(mdText.startsWith('# ') && mdText.includes('## Outcome') && mdText.includes('`C: EHLO alice-laptop`'),
             `markdown: ${mdText.slice(0, 200)}`);
      const txt = await download(p, 'text');
      assert(txt.bytes.toString('utf8').includes('C: EHLO alice-laptop'), 'text transcript lacks EHLO');
      const trace = JSON.parse((await download(p, 'json')).bytes.toString('utf8'));
      assert(trace.scenario === 'happy-path' && trace.steps.length > 10, 'json trace');
      const pcap = await download(p, 'pcap');
      assert(pcap.name === 'happy-path.pcap', `pcap named ${pcap.name}`);
      assert(pcap.bytes.readUInt32LE(0) === 0xa1b2c3d4, `pcap magic ${pcap.bytes.readUInt32LE(0).toString(16)}`);
      assert(pcap.bytes.readUInt32LE(20) === 101, `pcap linktype ${pcap.bytes.readUInt32LE(20)}`);
      assert(pcap.bytes.length > 2000, `pcap of ${pcap.bytes.length} bytes`);
      // The pcap bytes survive the trip through base64 and a Blob: the same as the CLI's.
      const emls = list.filter((e) => e.kind === 'eml');
      assert(emls.length >= 2, `only ${emls.length} message copies`);
      for (const e of emls) {
        const f = await download(p, 'eml', e.index);
        assert(f.name === e.name && f.name.endsWith('.eml'), `eml named ${f.name}, listed ${e.name}`);
        const text = f.bytes.toString('utf8');
        assert(text.includes('Received: ') && text.includes('\r\n\r\n'), `eml ${f.name}: ${text.slice(0, 120)}`);
      }
      // The E key opens the Export… menu (in the toolbar): the area below the toolbar changes.
      const t = await p.evaluate(() => window.relaylab.layout().toolbar);
      const region = { x: 0, y: Math.round(t.y + t.height), width: Math.round(t.width), height: 180 };
      await nextFrames(p, 3);
      const before = await pixelStats(browser, await p.screenshot(), region);
      await p.keyboard.press('e');
      await nextFrames(p, 4);
      const menu = await p.screenshot();
      const after = await pixelStats(browser, menu, region);
      assert(before.hash !== after.hash, 'the E key did not open the Export… menu');
      if (figures.shotDir) fs.writeFileSync(path.join(figures.shotDir, 'export-menu.png'), menu);
      await p.keyboard.press('Escape');
      figures.lines.push(`exports: ${list.length} files downloaded (${emls.length} .eml, pcap ${pcap.bytes.length} bytes)`);
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
    ['wire view: smtp-smuggling shows the bare LF before the dot and why the data went on', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=smtp-smuggling', { width: 1366, height: 768 });
      await seekTo(p, (s) => s.note === 'content');
      const d = await p.evaluate(() => window.relaylab.layout().details);
      const before = await pixelStats(browser, await p.screenshot(), d);
      await p.keyboard.press('w');  // the Wire tab
      await nextFrames(p, 4);
      const after = await pixelStats(browser, await p.screenshot(), d);
      assert(before.hash !== after.hash, 'the W key did not change the Details panel to the Wire tab');
      const w = await p.evaluate(() => window.relaylab.wire());
      assert(!w.tls && w.segments.length > 5, `wire: ${JSON.stringify(w).slice(0, 300)}`);
      const bare = w.segments.find((s) => s.bytes.endsWith('here.\\n'));
      assert(bare && bare.notes.some((n) => n.rfc.includes('RFC 5321 §2.3.8')), `no bare-LF note: ${JSON.stringify(w.segments)}`);
      const dot = w.segments[w.segments.indexOf(bare) + 1];
      assert(dot.bytes === '.\\r\\n' && dot.notes.some((n) => /NOT the end of the data/.test(n.text) && n.rfc.includes('§4.1.1.4')),
             `the attacker's dot: ${JSON.stringify(dot)}`);
      assert(w.segments.some((s) => s.bytes === 'MAIL FROM:<ceo@lab.test>\\r\\n'), 'the smuggled MAIL FROM is not content');
      const end = w.segments[w.segments.length - 1];
      assert(end.bytes === '.\\r\\n' && end.notes.some((n) => /the end of the data/.test(n.text)), `end: ${JSON.stringify(end)}`);
      await shot(p, figures, 'wire-smuggling.png');
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
    ['wire view: AUTH PLAIN in cleartext is decoded only on demand', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=starttls-required', { width: 1366, height: 768 });
      await p.evaluate(() => window.relaylab.decodeAuth(false));
      await seekTo(p, (s) => s.kind === 'command' && s.verb === 'AUTH');
      await p.evaluate(() => window.relaylab.showWire());
      await nextFrames(p, 3);
      let w = await p.evaluate(() => window.relaylab.wire());
      const seg = w.segments[0];
      assert(seg.secret && !seg.tls_opaque, `AUTH segment: ${JSON.stringify(seg)}`);
      assert(seg.decoded === null && seg.warning === null, 'decoded before it was asked for');
      assert(!JSON.stringify(w).includes('wonderland'), 'the password shows before decoding');
      await shot(p, figures, 'wire-auth-hidden.png');
      w = await p.evaluate(() => window.relaylab.decodeAuth(true));
      assert(w.segments[0].decoded.includes('password wonderland'), `decoded: ${w.segments[0].decoded}`);
      assert(/alice's password, readable by anyone on the path/.test(w.segments[0].warning), `warning: ${w.segments[0].warning}`);
      await nextFrames(p, 3);
      await shot(p, figures, 'wire-auth-decoded.png');
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
    ['wire view: after STARTTLS an observer sees an opaque record 22 octets longer than the SMTP inside', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=happy-path', { width: 1366, height: 768 });
      await seekTo(p, (s) => s.kind === 'command' && s.verb === 'MAIL');
      await p.evaluate(() => window.relaylab.showWire());
      await nextFrames(p, 3);
      const w = await p.evaluate(() => window.relaylab.wire());
      assert(w.tls && w.segments.length === 1 && w.segments[0].tls_opaque, `wire: ${JSON.stringify(w)}`);
      // MAIL, RCPT and DATA share one write (PIPELINING): one record, 22 octets of framing more.
      const o = w.observer[0];
      assert(w.observer.length === 1 && o.opaque && o.smtp_length > w.segments[0].length && o.length === o.smtp_length + 22,
             `observer: ${JSON.stringify(w.observer)}`);
      await shot(p, figures, 'wire-tls.png');
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
  ];
}
