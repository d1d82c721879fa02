// Browser test of the Shoal dashboard: Debian's Chromium driven by
// playwright-core. Usage: node dashboard.test.mjs URL [SCREENSHOT.png]
//
// It loads the page, waits for live data, checks that every number shown
// equals the snapshot JSON fetched from the same server (retrying across the
// one-second update race), checks that a stream update changes the numbers,
// and saves a screenshot. Exit code 0 on success, 1 with a reason otherwise.
import { chromium } from "playwright-core";

const [url, shot] = process.argv.slice(2);
if (!url) {
  console.error("usage: node dashboard.test.mjs URL [SCREENSHOT.png]");
  process.exit(2);
}
const base = url.endsWith("/") ? url : url + "/";

// The page's number formats (internal/dashboard/assets/app.js).
const rate = (v) => v.toFixed(1);
const ms = (v) => v.toFixed(1);
const pct = (s) => (s * 100).toFixed(1);

// expected lists [data-testid, text] pairs the page must show for a snapshot.
function expected(snap) {
  const out = [];
  for (const s of snap.services) {
    const id = "svc-" + s.name + "-";
    out.push([id + "rps", rate(s.now.rps)], [id + "p50", ms(s.now.p50_ms)], [id + "p99", ms(s.now.p99_ms)],
      [id + "errors", pct(s.now.error_share)], [id + "ready", String(s.instances.ready)],
      [id + "starting", String(s.instances.starting)], [id + "draining", String(s.instances.draining)],
      [id + "desired", String(s.desired)], [id + "forecast", rate(s.now.forecast) + "/s"]);
    for (const ep of s.endpoints) {
      const e = "ep-" + s.name + "-" + ep.address + "-";
      out.push([e + "state", ep.state.split(",").map((x) => x.trim()).join("")], [e + "inflight", String(ep.in_flight)]);
    }
  }
  return out;
}

async function shown(page) {
  return page.evaluate(() => {
    const m = {};
    for (const el of document.querySelectorAll("[data-testid]")) m[el.dataset.testid] = el.textContent.trim();
    return m;
  });
}

async function snapshot() {
  const res = await fetch(base + "api/dashboard/snapshot");
  if (!res.ok) throw new Error("snapshot: HTTP " + res.status);
  return res.json();
}

// compare returns the differences between the page and a snapshot.
function compare(snap, page) {
  const diffs = [];
  for (const [id, want] of expected(snap)) {
    if (page[id] !== want) diffs.push(`${id}: page shows ${JSON.stringify(page[id])}, snapshot says ${JSON.stringify(want)}`);
  }
  return diffs;
}

const sleep = (t) => new Promise((r) => setTimeout(r, t));

function fail(msg) {
  console.error("FAIL: " + msg);
  process.exitCode = 1;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run"],
});
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: "dark" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  // Nothing may leave the test server: no CDN, no fonts, no beacons.
  const origin = new URL(base).origin;
  page.on("request", (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) errors.push("request outside the server: " + r.url());
  });

  await page.goto(base, { waitUntil: "domcontentloaded" });
  await page.waitForSelector('[data-testid="conn"][data-state="live"]', { timeout: 10000 });
  await page.waitForFunction(() => document.body.dataset.snapshotTime, null, { timeout: 10000 });

  const snap0 = await snapshot();
  if (snap0.services.length === 0) throw new Error("the snapshot lists no services");
  for (const s of snap0.services) {
    await page.waitForSelector(`[data-testid="svc-${s.name}"] svg.chart path.demand`, { timeout: 5000 });
  }

  // 1. Numbers shown equal the snapshot. Page and snapshot may straddle a
  // second, so read the page, then the snapshot, and retry a few times.
  let diffs = [];
  for (let i = 0; i < 8; i++) {
    const before = await page.evaluate(() => document.body.dataset.snapshotTime);
    const snap = await snapshot();
    const values = await shown(page);
    const after = await page.evaluate(() => document.body.dataset.snapshotTime);
    diffs = compare(snap, values);
    if (diffs.length === 0 && before === after) break;
    if (before !== after) diffs.push("page updated while reading");
    await sleep(250);
  }
  if (diffs.length) fail("page and snapshot disagree:\n  " + diffs.slice(0, 12).join("\n  "));
  else console.log(`ok: ${expected(snap0).length} values shown match the snapshot`);

  // 2. A stream update changes the numbers.
  const first = await shown(page);
  const t0 = await page.evaluate(() => document.body.dataset.snapshotTime);
  await page.waitForFunction((t) => document.body.dataset.snapshotTime !== t, t0, { timeout: 5000 });
  const second = await shown(page);
  const changed = expected(snap0).map(([id]) => id).filter((id) => first[id] !== second[id]);
  if (changed.length === 0) fail("a stream update changed none of the numbers");
  else console.log(`ok: a stream update changed ${changed.length} values`);

  // 3. The event list is filled and charts are drawn.
  const events = await page.locator('[data-testid="event"]').count();
  if (events === 0) fail("the event list is empty");
  else console.log(`ok: ${events} events listed`);

  if (errors.length) fail("page errors:\n  " + errors.join("\n  "));

  if (shot) {
    // Let a couple more seconds of history arrive so the picture is settled.
    await sleep(1200);
    await page.screenshot({ path: shot, fullPage: true });
    console.log("screenshot: " + shot);
  }
} catch (e) {
  fail(e && e.stack ? e.stack : String(e));
} finally {
  await browser.close();
}
