// Mailpit's own TypeScript client (npm `mailpit-api`) against relaylab's sandbox inbox:
//   node mailpit_client.mjs phase1|phase2 BASE_URL TEST_DIR
// phase1 expects the four messages mailpit_test.sh sent (three captured, one local); it
// lists, reads, searches, releases and deletes one, then writes the remaining IDs to
// TEST_DIR/ids.json. phase2 (after a restart) checks the same IDs are listed, releases the
// latest through the smarthost route, then deletes everything. Each check prints "ok ..." or "FAIL ..."; the exit status is the verdict.
import { MailpitClient } from "mailpit-api";
import fs from "node:fs";
import path from "node:path";

const [phase, base, dir] = process.argv.slice(2);
const mailpit = new MailpitClient(base);
let failures = 0;
function check(name, cond, detail = "") {
  console.log(`${cond ? "ok  " : "FAIL"} ${name}${cond || !detail ? "" : ": " + detail}`);
  if (!cond) failures++;
}
async function rejects(promise) {
  try {
    await promise;
    return "";
  } catch (e) {
    return String(e.message || e);
  }
}
const bySubject = (list, s) => list.messages.find((m) => m.Subject === s);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function phase1() {
  const list = await mailpit.listMessages();
  check("four messages listed", list.total === 4 && list.messages.length === 4, JSON.stringify(list));
  check("all unread", list.unread === 4 && list.messages.every((m) => m.Read === false));
  check("newest first", list.messages[0].Subject === "for a local mailbox", list.messages[0].Subject);
  const times = list.messages.map((m) => Date.parse(m.Created));
  check("Created is ISO 8601, descending", times.every((t, i) => !isNaN(t) && (i === 0 || t <= times[i - 1])));
  const plain = bySubject(list, "plain hello");
  const multi = bySubject(list, "multipart with attachment");
  const utf8 = bySubject(list, "Grüße aus Köln ✓");
  const local = bySubject(list, "for a local mailbox");
  check("plain, multipart, UTF-8 subject and local messages all there", plain && multi && utf8 && local);
  if (!(plain && multi && utf8 && local)) return;
  check("From has Name and Address", multi.From.Address === "alice@lab.test" && multi.From.Name === "Alice Example",
        JSON.stringify(multi.From));
  check("To parsed", multi.To.length === 1 && multi.To[0].Address === "rcpt@dest.test" && multi.To[0].Name === "Rcpt");
  check("attachment counted in the list", multi.Attachments === 1 && plain.Attachments === 0);
  check("snippet from the text", plain.Snippet.startsWith("Just some plain text"), plain.Snippet);
  check("size is the stored size", plain.Size > 100);
  check("IDs are distinct", new Set(list.messages.map((m) => m.ID)).size === 4);

  const page = await mailpit.listMessages(1, 2);
  check("start/limit page", page.messages.length === 2 && page.start === 1 &&
        page.messages[0].ID === list.messages[1].ID, JSON.stringify(page.messages.map((m) => m.ID)));

  // One message, its HTML and text alternatives and its attachment.
  const full = await mailpit.getMessageSummary(multi.ID);
  check("message: text alternative decoded (quoted-printable, UTF-8)", full.Text.includes("café au lait"), full.Text);
  check("message: HTML alternative", full.HTML.includes("<b>alternative</b>"), full.HTML);
  check("message: one attachment with its name", full.Attachments.length === 1 &&
        full.Attachments[0].FileName === "numbers.csv" && full.Attachments[0].ContentType === "text/csv",
        JSON.stringify(full.Attachments));
  const blob = await mailpit.getMessageAttachment(multi.ID, full.Attachments[0].PartID);
  const csv = await blob.text();
  check("part: attachment bytes decoded from base64", csv === "one,two,three\n1,2,3\n", JSON.stringify(csv));
  check("part: its content type", blob.type.startsWith("text/csv"), blob.type);
  check("message: reading it marks it read", (await mailpit.listMessages()).unread === 3);
  const latest = await mailpit.getMessageSummary();
  check("latest is the newest", latest.ID === local.ID && latest.Text.includes("local delivery"));
  const u = await mailpit.getMessageSummary(utf8.ID);
  check("UTF-8 subject decoded in the message", u.Subject === "Grüße aus Köln ✓", u.Subject);

  const html = await mailpit.renderMessageHTML(multi.ID);
  check("rendered HTML view", html.includes("<b>alternative</b>"), html);
  check("rendered text view", (await mailpit.renderMessageText(plain.ID)).includes("Just some plain text"));
  const headers = await mailpit.getMessageHeaders(plain.ID);
  check("headers: Subject", JSON.stringify(headers.Subject) === JSON.stringify(["plain hello"]), JSON.stringify(headers));
  check("headers: the capture header names the route",
        (headers["X-Relaylab-Captured"] || [""])[0].includes("route=MX of dest.test"));
  const raw = await mailpit.getMessageSource(plain.ID);
  check("raw: the stored source", raw.includes("Subject: plain hello\r\n") && raw.includes("Just some plain text"));

  // Search: from:, to:, subject:, a plain word.
  const ids = async (query) => (await mailpit.searchMessages({ query })).messages.map((m) => m.ID).sort();
  check("search from:", (await ids("from:alice@lab.test")).length === 4);
  check("search to:", JSON.stringify(await ids("to:zoe@other.test")) === JSON.stringify([utf8.ID]));
  check("one message for two captured copies, both recipients listed",
        JSON.stringify(await ids("to:yann@third.test")) === JSON.stringify([utf8.ID]) &&
        utf8.To.length === 1 && utf8.Bcc.length === 1 && utf8.Bcc[0].Address === "yann@third.test",
        JSON.stringify([utf8.To, utf8.Bcc]));
  check("search subject:", JSON.stringify(await ids('subject:"plain hello"')) === JSON.stringify([plain.ID]));
  check("search subject: with UTF-8", JSON.stringify(await ids("subject:Köln")) === JSON.stringify([utf8.ID]));
  check("search plain word in the body", JSON.stringify(await ids("lait")) === JSON.stringify([multi.ID]));
  check("search finds nothing for a stranger", (await ids("from:nobody@nowhere.test")).length === 0);
  const s = await mailpit.searchMessages({ query: "to:dest.test" });
  check("search counts", s.messages_count === 2 && s.total === 4, JSON.stringify(s));

  // Release: an allowed recipient is queued; others are refused, and nothing is queued.
  const refused = await rejects(mailpit.releaseMessage(multi.ID, { To: ["rcpt@dest.test", "eve@evil.test"] }));
  check("release to a recipient off the allow-list is refused", refused.includes("403") &&
        refused.includes("eve@evil.test"), refused);
  const bad = await rejects(mailpit.releaseMessage(multi.ID, { To: ["not an address"] }));
  check("release to a malformed address is refused", bad.includes("400"), bad);
  check("release to an allowed recipient", (await mailpit.releaseMessage(multi.ID, { To: ["rcpt@dest.test"] })) === "ok");
  let arrived = false;
  for (let i = 0; i < 100 && !arrived; i++) {
    arrived = fs.existsSync(path.join(dir, "mx")) && fs.readdirSync(path.join(dir, "mx")).some((f) => f.endsWith(".eml"));
    if (!arrived) await sleep(200);
  }
  check("the released message arrived at the test MX", arrived);

  // Delete one by ID; read status by PUT.
  check("delete one by ID", (await mailpit.deleteMessages({ IDs: [plain.ID] })) === "ok");
  const after = await mailpit.listMessages();
  check("three left, the deleted one gone", after.total === 3 && !after.messages.some((m) => m.ID === plain.ID));
  const missing = await rejects(mailpit.getMessageSummary(plain.ID));
  check("the deleted message is 404", missing.includes("404"), missing);
  await mailpit.setReadStatus({ IDs: [utf8.ID], Read: true });
  check("PUT marks read", (await mailpit.listMessages()).messages.find((m) => m.ID === utf8.ID).Read === true);
  const info = await mailpit.getInfo();
  check("info: totals", info.Messages === 3 && info.Unread === 0 && typeof info.Version === "string",
        JSON.stringify(info));
  fs.writeFileSync(path.join(dir, "ids.json"), JSON.stringify(after.messages.map((m) => ({ ID: m.ID, Read: m.Read }))));
}

async function phase2() {
  const before = JSON.parse(fs.readFileSync(path.join(dir, "ids.json"), "utf8"));
  const list = await mailpit.listMessages();
  check("after a restart: the same IDs in the same order",
        JSON.stringify(list.messages.map((m) => m.ID)) === JSON.stringify(before.map((m) => m.ID)),
        JSON.stringify(list.messages.map((m) => m.ID)));
  check("after a restart: read flags kept", list.messages.every((m) => m.Read === true));
  const latest = await mailpit.getMessageSummary("latest");
  check("release through the smarthost", (await mailpit.releaseMessage(latest.ID, { To: ["someone@ok.example"] })) === "ok");
  const refused = await rejects(mailpit.releaseMessage(latest.ID, { To: ["someone@ok.example.evil"] }));
  check("still refused off the allow-list", refused.includes("403"), refused);
  check("delete all", (await mailpit.deleteMessages()) === "ok");
  const empty = await mailpit.waitForMessages({ count: 0 }, { timeout: 2000 });
  check("nothing left", empty.total === 0 && empty.messages.length === 0);
}

try {
  await (phase === "phase1" ? phase1() : phase2());
} catch (e) {
  check("no unexpected error", false, e.stack || String(e));
}
process.exit(failures ? 1 : 0);
