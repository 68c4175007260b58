// The page served by the relay lists the relay's captured mail: relaylab.inbox.list() in
// Chromium against `relaylab serve` (assets/web/index.html is the page under test).
//   node mailpit_page.mjs BASE_URL EXPECTED_IDS_JSON
import { launchChromium } from "../browser/harness.mjs";
import fs from "node:fs";

const [base, idsFile] = process.argv.slice(2);
const expected = JSON.parse(fs.readFileSync(idsFile, "utf8")).map((m) => m.ID);
const { browser } = await launchChromium();
let failed = false;
try {
  const page = await browser.newPage();
  await page.goto(base + "/");
  await page.waitForFunction(() => window.relaylab !== undefined, null, { timeout: 30000 });
  const list = await page.evaluate(() => window.relaylab.inbox.list());
  const ids = list.map((m) => m.ID);
  const same = JSON.stringify(ids) === JSON.stringify(expected);
  console.log(`${same ? "ok  " : "FAIL"} relaylab.inbox.list() in the page = the REST list${same ? "" : ": " + JSON.stringify(ids)}`);
  const shaped = list.every((m) => typeof m.Subject === "string" && m.From && typeof m.Created === "string");
  console.log(`${shaped ? "ok  " : "FAIL"} list items carry Mailpit's fields`);
  const total = (await page.evaluate(() => window.relaylab.inbox.page(0, 1))).total;
  const paged = total === expected.length;
  console.log(`${paged ? "ok  " : "FAIL"} relaylab.inbox.page() gives the totals`);
  failed = !(same && shaped && paged);
} catch (e) {
  console.log("FAIL " + (e.stack || e));
  failed = true;
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
