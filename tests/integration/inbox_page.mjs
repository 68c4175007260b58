// The Inbox drawer of the page a relay serves (assets/web/inbox.js), in Chromium, against the
// relay's Mailpit API and chaos switches. Run by inbox_page_test.sh:
//   node inbox_page.mjs BASE_URL ATTACHMENT_FILE SMTP_PORT
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { launchChromium } from "../browser/harness.mjs";

const [base, attachmentFile, smtpPort] = process.argv.slice(2);
const expectedBytes = fs.readFileSync(attachmentFile);
const { browser } = await launchChromium();
let failures = 0;
const check = (name, ok, detail = "") => {
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok || !detail ? "" : ": " + detail}`);
  if (!ok) failures++;
};
const api = async (p, init) => {
  const r = await fetch(base + p, init);
  return r.json();
};

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, acceptDownloads: true });
  const errors = [], blocked = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    // What the browser blocked in the message's HTML (checked below) is reported as errors.
    if (/Content Security Policy|Blocked script execution/.test(m.text())) blocked.push(m.text());
    // The test page has no WebAssembly build (relaylab.js): that one missing file is expected.
    else if (m.type() === "error" && !/relaylab\.js|404|Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  await page.goto(base + "/");
  await page.waitForFunction(() => window.relaylab && window.relaylab.inbox && window.relaylab.inbox.open, null, { timeout: 30000 });
  const opened = await page.evaluate(() => window.relaylab.inbox.open());
  check("the drawer opens on the Relay source (GET /api/v1/info answers)", opened.source === "relay" && opened.relay === true, JSON.stringify(opened));

  const rest = await api("/api/v1/messages");
  await page.waitForSelector("#inbox button.inbox-item");
  const listed = await page.$$eval("#inbox button.inbox-item", (items) => items.map((b) => b.dataset.id));
  check("the drawer lists what GET /api/v1/messages lists, newest first",
        JSON.stringify(listed) === JSON.stringify(rest.messages.map((m) => m.ID)) && listed.length === 2,
        `${JSON.stringify(listed)} vs ${JSON.stringify(rest.messages.map((m) => m.ID))}`);
  const unread = await page.$$eval("#inbox button.inbox-item.unread", (items) => items.length);
  check("both show unread", unread === 2, `${unread}`);

  // Search by subject (GET /api/v1/search).
  await page.fill("#inbox-search", "subject:invoice");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => /found/.test(document.querySelector("#inbox .inbox-status").textContent), null, { timeout: 10000 });
  const found = await page.$$eval("#inbox button.inbox-item", (items) => items.map((b) => b.dataset.id));
  const wanted = (await api("/api/v1/search?query=subject%3Ainvoice")).messages.map((m) => m.ID);
  check("search finds the multipart message by subject", found.length === 1 && found[0] === wanted[0], JSON.stringify(found));
  const id = found[0];

  await page.click(`#inbox button.inbox-item[data-id="${id}"]`);
  await page.waitForFunction(() => document.querySelector("#inbox .inbox-msg-subject")?.textContent === "Your invoice 4711", null, { timeout: 10000 });
  const frame = await page.$eval("#inbox iframe.inbox-html", (f) => ({ src: f.getAttribute("src"), sandbox: f.getAttribute("sandbox"), tokens: [...f.sandbox] }));
  check("the HTML is an iframe of /view/ID.html", frame.src === `/view/${id}.html`, JSON.stringify(frame));
  check("the iframe is sandboxed without allow-scripts", frame.sandbox === "" && !frame.tokens.includes("allow-scripts"), JSON.stringify(frame));
  for (let i = 0; i < 50 && blocked.length < 2; i++) await page.waitForTimeout(100);
  check("the message's script did not run", (await page.evaluate(() => window.hacked)) === undefined &&
        blocked.some((t) => /Blocked script execution/.test(t)), blocked.join(" | "));
  check("the remote image was blocked by the CSP", blocked.some((t) => /tracker\.example/.test(t) && /img-src/.test(t)), blocked.join(" | "));
  const read = (await api("/api/v1/messages")).messages.find((m) => m.ID === id).Read;
  check("opening it marked it read on the relay", read === true);
  if (process.env.RELAYLAB_SHOTS) {
    fs.mkdirSync(process.env.RELAYLAB_SHOTS, { recursive: true });
    const shot = path.join(process.env.RELAYLAB_SHOTS, "inbox-relay.png");
    await page.screenshot({ path: shot });
    console.log(`info inbox screenshot: ${shot}`);
  }

  const view = async (name) => {
    await page.click(`#inbox .inbox-msg-tabs [data-view="${name}"]`);
    await page.waitForFunction(() => !/^Loading/.test(document.querySelector("#inbox .inbox-msg-panel").textContent), null, { timeout: 10000 });
    return page.$eval("#inbox .inbox-msg-panel", (d) => d.textContent);
  };
  const text = await view("text");
  check("the text view shows the text part", /Thank you for your order\. The invoice is attached\./.test(text), text);
  const headers = await view("headers");
  check("the headers view lists the fields", /Subject\s*Your invoice 4711/.test(headers) && /X-Relaylab-Captured/.test(headers), headers.slice(0, 200));
  const raw = await view("raw");
  check("the raw source shows the Subject", /^Subject: Your invoice 4711$/m.test(raw), raw.slice(0, 200));

  await view("parts");
  const link = await page.$eval("#inbox .inbox-parts a[download]", (a) => ({ href: a.getAttribute("href"), download: a.getAttribute("download") }));
  check("the attachment links to /api/v1/message/ID/part/PartID", link.href === `/api/v1/message/${id}/part/2` && link.download === "invoice.csv", JSON.stringify(link));
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#inbox .inbox-parts a[download]")]);
  const got = fs.readFileSync(await download.path());
  check("the attachment downloads the right bytes", got.equals(expectedBytes) && download.suggestedFilename() === "invoice.csv",
        `${JSON.stringify(got.toString())} as ${download.suggestedFilename()}`);

  // Release off the allow-list: the relay's refusal is shown.
  await page.click("#inbox .inbox-release-open");
  await page.fill("#inbox-release-to", "someone@blocked.example");
  await page.click('#inbox .inbox-release button[type="submit"]');
  await page.waitForFunction(() => /Refused|Released/.test(document.querySelector("#inbox .inbox-release-result").textContent), null, { timeout: 10000 });
  const refusal = await page.$eval("#inbox .inbox-release-result", (p) => p.textContent);
  check("release off the allow-list shows the relay's refusal", /refused: it matches nothing in sandbox\.release_allowed/.test(refusal), refusal);

  // Chaos: a change is PUT at once, and the badge shows.
  await page.click("#inbox-tab-chaos");
  await page.waitForSelector("#chaos-Sender-prob");
  check("no chaos badge while every switch is off", await page.$eval("#inbox-chaos-badge", (b) => b.hidden));
  await page.fill("#chaos-Sender-prob", "100");
  await page.fill("#chaos-Sender-code", "452");
  await page.press("#chaos-Sender-code", "Tab");  // change event
  await page.waitForFunction(async () => !document.getElementById("inbox-chaos-badge").hidden &&
                                          (await (await fetch("/api/v1/chaos")).json()).Sender.ErrorCode === 452, null, { timeout: 10000 });
  const chaos = await api("/api/v1/chaos");
  check("the chaos tab PUT /api/v1/chaos", chaos.Sender.Probability === 100 && chaos.Sender.ErrorCode === 452, JSON.stringify(chaos));
  const badge = await page.$eval("#inbox-chaos-badge", (b) => ({ text: b.textContent, shown: b.getClientRects().length > 0 }));
  check("the drawer's header shows chaos is ON", badge.shown && /chaos is ON/.test(badge.text), JSON.stringify(badge));
  if (process.env.RELAYLAB_SHOTS) {
    const shot = path.join(process.env.RELAYLAB_SHOTS, "inbox-chaos.png");
    await page.screenshot({ path: shot });
    console.log(`info chaos tab screenshot: ${shot}`);
  }
  // Greylisting from the form too.
  await page.check("#chaos-greylist");
  await page.waitForFunction(async () => (await (await fetch("/api/v1/chaos")).json()).Relaylab.Greylist.Enabled === true, null, { timeout: 10000 });
  check("relaylab's own switches go through the same PUT", (await api("/api/v1/chaos")).Relaylab.Greylist.Enabled === true);
  // A bad value: the relay's refusal text is shown, nothing changes.
  await page.fill("#chaos-Recipient-code", "200");
  await page.press("#chaos-Recipient-code", "Tab");
  await page.waitForFunction(() => /Refused/.test(document.querySelector("#inbox .chaos-form .inbox-error")?.textContent || ""), null, { timeout: 10000 });
  check("a code outside 400–599 is refused by the relay and said so", (await api("/api/v1/chaos")).Recipient.ErrorCode === 451);
  await page.click("#inbox .chaos-off");
  await page.waitForFunction(() => document.getElementById("inbox-chaos-badge").hidden, null, { timeout: 10000 });
  check("All off turns the badge off", true);
  // Chaos switched on elsewhere (curl, a test suite) shows too: the page looks again by itself.
  await api("/api/v1/chaos", { method: "PUT", body: JSON.stringify({ Relaylab: { DeferEvery: 3 } }) });
  await page.waitForFunction(() => !document.getElementById("inbox-chaos-badge").hidden, null, { timeout: 15000 })
    .then(() => check("chaos set by another client shows as ON", true), () => check("chaos set by another client shows as ON", false));
  await api("/api/v1/chaos", { method: "PUT", body: "{}" });
  await page.waitForFunction(() => document.getElementById("inbox-chaos-badge").hidden, null, { timeout: 15000 })
    .then(() => check("and as off again", true), () => check("and as off again", false));

  // Delete from the message view.
  await page.click("#inbox-tab-relay");
  await page.waitForSelector(`#inbox button.inbox-item[data-id="${id}"]`);
  await page.click(`#inbox button.inbox-item[data-id="${id}"]`);
  await page.waitForSelector("#inbox .inbox-delete");
  await page.click("#inbox .inbox-delete");
  await page.waitForFunction((id) => !document.querySelector(`#inbox button.inbox-item[data-id="${id}"]`), id, { timeout: 10000 });
  const left = (await api("/api/v1/messages")).messages.map((m) => m.ID);
  check("delete removed it on the relay", left.length === 1 && !left.includes(id), JSON.stringify(left));

  // Mail arriving while the drawer is open shows up by itself (in the unfiltered list).
  await page.fill("#inbox-search", "");
  await page.press("#inbox-search", "Enter");
  await page.waitForFunction(() => !/found/.test(document.querySelector("#inbox .inbox-status").textContent), null, { timeout: 10000 });
  execFileSync("swaks", ["--server", `127.0.0.1:${smtpPort}`, "--from", "late@app.example", "--to", "rcpt@dest.test",
                         "--header", "Subject: arrived while open", "--body", "hello"], { stdio: "ignore" });
  const arrived = await page.waitForFunction(() => [...document.querySelectorAll("#inbox .inbox-subject")]
    .some((s) => s.textContent === "arrived while open"), null, { timeout: 20000 }).then(() => true, () => false);
  check("a message arriving while the drawer is open is listed", arrived);

  await page.keyboard.press("Escape");
  check("Escape closes the drawer", await page.evaluate(() => document.getElementById("inbox").hidden));
  check("no page errors", errors.length === 0, errors.join(" | "));
} catch (e) {
  console.log("FAIL " + (e.stack || e));
  failures++;
} finally {
  await browser.close();
}
process.exit(failures ? 1 : 0);
