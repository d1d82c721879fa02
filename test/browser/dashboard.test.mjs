// Browser test of the Shoal dashboard: Debian's Chromium driven by
// playwright-core. Usage: node dashboard.test.mjs ADMIN_URL [SCREENSHOT.png]
//
// MODE=gateway (a running gateway; FRONT is its public URL, EXPECT the
// requests already sent per service as JSON) or MODE=fake (the dashboard
// over its fake source).
//
// Both modes load the page, wait for live data, check that every number
// shown equals the admin API's JSON fetched at the same moment (retrying
// across the one-second update race), check that a stream update changes
// the numbers, and save a screenshot. The gateway mode also checks the
// request counts against what was sent, sends more requests and watches
// the counts move through the stream, reloads the config and watches the
// event arrive, and checks the trace list, a trace's waterfall and the log
// links against /api/traces. Exit code 0 on success, 1 with reasons.
import { chromium } from "playwright-core";

const [url, shot] = process.argv.slice(2);
if (!url) {
  console.error("usage: node dashboard.test.mjs ADMIN_URL [SCREENSHOT.png]");
  process.exit(2);
}
const base = url.endsWith("/") ? url : url + "/";
const mode = process.env.MODE || "fake";
const front = process.env.FRONT || "";
const expectSent = JSON.parse(process.env.EXPECT || "{}");

// The page's number formats (internal/dashboard/assets/app.js, traces.js).
const rate = (v) => v.toFixed(1);
const ms = (v) => v.toFixed(1);
const pct = (s) => (s * 100).toFixed(1);
const total = (s) => s.timeline.reduce((sum, p) => sum + p.rps, 0);

// expected lists [data-testid, text] pairs the page must show for a
// snapshot and the service list of /api/services.
function expected(snap, services) {
  const out = [];
  const byName = new Map(services.map((s) => [s.name, s]));
  for (const s of snap.services) {
    const id = "svc-" + s.name + "-";
    const info = byName.get(s.name) || s;
    out.push([id + "rps", rate(s.now.rps)], [id + "p50", ms(s.now.p50_ms)], [id + "p99", ms(s.now.p99_ms)],
      [id + "errors", pct(s.now.error_share)], [id + "ready", String(info.instances.ready)],
      [id + "starting", String(info.instances.starting)], [id + "draining", String(info.instances.draining)],
      [id + "desired", String(info.desired)], [id + "forecast", rate(s.now.forecast) + "/s"],
      [id + "total", String(Math.round(total(s)))]);
    if (s.ahead) out.push([id + "ahead", rate(s.ahead.rps) + "/s in " + Math.round(s.ahead.lead_seconds) + "s"]);
    for (const b of s.breakers || []) out.push(["breaker-" + s.name + "-" + b.name, "breaker " + b.name + ": " + b.state]);
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

async function api(path, init) {
  const res = await fetch(base + path, init);
  if (!res.ok) throw new Error(path + ": HTTP " + res.status + " " + (await res.text()));
  const type = res.headers.get("content-type") || "";
  return type.includes("json") ? res.json() : res.text();
}

// The admin API's view at one moment: the snapshot, and in gateway mode the
// service list too (the fake source has no separate /api/services).
async function adminView() {
  const snap = await api("api/dashboard/snapshot");
  const services = mode === "gateway" ? await api("api/services") : snap.services;
  return { snap, services };
}

function compare(view, page) {
  const diffs = [];
  for (const [id, want] of expected(view.snap, view.services)) {
    if (page[id] !== want) diffs.push(`${id}: page shows ${JSON.stringify(page[id])}, API says ${JSON.stringify(want)}`);
  }
  return diffs;
}

const sleep = (t) => new Promise((r) => setTimeout(r, t));
const pageTime = (page) => page.evaluate(() => document.body.dataset.snapshotTime);

let failures = 0;
function fail(msg) {
  failures++;
  console.error("FAIL: " + msg);
  process.exitCode = 1;
}

// sameSecond: the fake source derives every value from the whole second of
// the clock, so the page and the API describe the same data only when their
// snapshots fall in the same second.
const sameSecond = (a, b) => Math.floor(Date.parse(a) / 1000) === Math.floor(Date.parse(b) / 1000);

// matchAPI reads the page between two reads of its snapshot time and the
// API in the middle, until both agree on a steady page. Against the fake
// source only reads of the same second are compared: a page a second old is
// not a disagreement. The stream's frames go out just after each whole
// second, so most of every second is such a moment.
async function matchAPI(page, what) {
  let diffs = [];
  let view;
  let compared = 0;
  for (let i = 0; i < 40 && compared < 12; i++) {
    const before = await pageTime(page);
    view = await adminView();
    const values = await shown(page);
    const after = await pageTime(page);
    if (mode === "fake" && !sameSecond(before, view.snap.time)) {
      if (compared === 0) diffs = [`no read of the page and the API in the same second (page ${before}, API ${view.snap.time})`];
      await sleep(100);
      continue;
    }
    compared++;
    diffs = compare(view, values);
    if (before !== after) diffs.push("page updated while reading");
    if (diffs.length === 0) break;
    await sleep(250);
  }
  if (diffs.length) fail(what + ": page and admin API disagree:\n  " + diffs.slice(0, 12).join("\n  "));
  else console.log(`ok: ${what}: ${expected(view.snap, view.services).length} values shown match the admin API`);
  return view;
}

// waitFor polls fn until it returns a truthy value or the time is up.
async function waitFor(what, fn, timeoutMs) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error("timed out waiting for " + what);
    await sleep(150);
  }
}

async function send(path, n) {
  for (let i = 0; i < n; i++) {
    const res = await fetch(front + path + i);
    await res.arrayBuffer();
    if (!res.ok) throw new Error("GET " + path + i + ": HTTP " + res.status);
  }
}

const pageTotal = (page, svc) => page.evaluate((id) => {
  const el = document.querySelector(`[data-testid="${id}"]`);
  return el ? Number(el.textContent) : NaN;
}, "svc-" + svc + "-total");

async function gatewayChecks(page) {
  // 1. The counts the admin API reports are the requests sent, and the
  // page shows them (a second is reported once complete: wait for it).
  await waitFor("the sent requests in the snapshot", async () => {
    const snap = await api("api/dashboard/snapshot");
    return Object.entries(expectSent).every(([name, n]) => {
      const s = snap.services.find((x) => x.name === name);
      return s && Math.round(total(s)) === n;
    });
  }, 8000);
  for (const [name, n] of Object.entries(expectSent)) {
    await waitFor(`the page to count ${n} requests for ${name}`, async () => (await pageTotal(page, name)) === n, 5000);
  }
  console.log("ok: the page counts the requests sent: " + JSON.stringify(expectSent));
  const view = await matchAPI(page, "after the first requests");
  const api1 = view.snap.services.find((s) => s.name === "api");
  if (!(api1.breakers || []).some((b) => b.state === "open")) fail("the failing api endpoint's breaker is not open: " + JSON.stringify(api1.breakers));

  // 2. Live: more requests move the numbers through the stream, without
  // reloading the page.
  await page.evaluate(() => { window.__sameDocument = true; });
  const more = 25;
  await send("/live/", more);
  const want = expectSent.web + more;
  await waitFor(`the stream to bring web to ${want} requests`, async () => (await pageTotal(page, "web")) === want, 8000);
  if (!(await page.evaluate(() => window.__sameDocument))) fail("the page reloaded instead of updating");
  console.log(`ok: ${more} more requests reached the page through the stream (web: ${want})`);
  await matchAPI(page, "after the live requests");

  // 3. A reload through the admin API appears in the event list.
  const cfg = await api("api/config");
  await api("api/config", { method: "POST", body: cfg });
  const events = await api("api/events");
  const reload = events.filter((e) => e.kind === "reload").pop();
  if (!reload) throw new Error("/api/events lists no reload after POST /api/config");
  await waitFor("the reload event on the page", () => page.evaluate((text) =>
    [...document.querySelectorAll('[data-testid="event"]')].some((li) => li.textContent.includes(text)), reload.text), 5000);
  console.log("ok: the reload event is listed: " + reload.text);

  // 4. The failed requests' list equals /api/traces?status=error.
  await page.click('#trace-tabs button[data-tab="failed"]');
  let ids = [];
  let apiIDs = [];
  for (let i = 0; i < 20; i++) {
    apiIDs = (await api("api/traces?limit=15&status=error")).map((t) => t.trace_id);
    ids = await page.evaluate(() => document.body.dataset.tracesTab === "failed"
      ? [...document.querySelectorAll('[data-testid="trace-row"]')].map((r) => r.dataset.traceId) : []);
    if (ids.length > 0 && ids.join() === apiIDs.join()) break;
    await sleep(300);
  }
  if (ids.length === 0 || ids.join() !== apiIDs.join()) fail(`failed requests: page lists ${ids.length} (${ids.slice(0, 3)}), API ${apiIDs.length} (${apiIDs.slice(0, 3)})`);
  else console.log(`ok: the failed-requests list shows the ${ids.length} traces of /api/traces?status=error`);

  // 5. A retried request's waterfall: the server span and one bar per
  // upstream attempt, the first one failed.
  const retried = (await api("api/traces?limit=100&status=error")).find((t) => t.attempts === 2);
  if (!retried) throw new Error("no retried request among the kept traces");
  const trace = await api("api/traces/" + retried.trace_id);
  await page.evaluate((id) => { location.hash = "trace=" + id; }, retried.trace_id);
  await page.waitForSelector(`[data-testid="waterfall"][data-trace-id="${retried.trace_id}"] svg.wf`, { timeout: 5000 });
  const rows = await page.$$eval('[data-testid="waterfall"] [data-testid="span-row"]', (gs) => gs.map((g) => ({
    kind: g.dataset.kind, status: g.dataset.status,
    dur: g.querySelector('[data-testid="span-duration"]').textContent,
  })));
  const want5 = trace.span_list.map((s) => ({ kind: s.kind, status: s.status, dur: ms(s.duration_ms) + " ms" }));
  if (JSON.stringify(rows) !== JSON.stringify(want5)) fail("waterfall rows " + JSON.stringify(rows) + ", /api/traces/{id} says " + JSON.stringify(want5));
  else if (rows.filter((r) => r.kind === "client").length !== 2 || rows[1].status !== "error") fail("the retry is not visible: " + JSON.stringify(rows));
  else console.log("ok: the waterfall shows the server span and both attempts, the first failed: " + JSON.stringify(rows));
  await waitFor("the trace's log lines", () => page.$$eval('[data-testid="trace-log-row"]', (r) => r.length > 0), 5000);

  // 6. A log line's trace link opens that trace.
  const link = await waitFor("a log line with a trace link", () => page.evaluate(() => {
    const a = document.querySelector('#logs [data-testid="log-trace-link"]');
    return a ? a.getAttribute("href") : null;
  }), 6000);
  const linked = link.replace("#trace=", "");
  await page.click(`#logs [data-testid="log-trace-link"][href="${link}"]`);
  await page.waitForSelector(`[data-testid="waterfall"][data-trace-id="${linked}"]`, { timeout: 5000 });
  console.log("ok: a log line's trace link opened trace " + linked);

  // Leave the retried request open for the screenshot.
  await page.evaluate((id) => { location.hash = "trace=" + id; }, retried.trace_id);
  await page.waitForSelector(`[data-testid="waterfall"][data-trace-id="${retried.trace_id}"] svg.wf`, { timeout: 5000 });
}

async function fakeChecks(page, snap0) {
  // A stream update changes the numbers (the fake changes every second).
  const first = await shown(page);
  const t0 = await pageTime(page);
  await page.waitForFunction((t) => document.body.dataset.snapshotTime !== t, t0, { timeout: 5000 });
  const second = await shown(page);
  const changed = expected(snap0, snap0.services).map(([id]) => id).filter((id) => first[id] !== second[id]);
  if (changed.length === 0) fail("a stream update changed none of the numbers");
  else console.log(`ok: a stream update changed ${changed.length} values`);
  // The forecast runs past "now" on every chart.
  for (const s of snap0.services) {
    const n = await page.locator(`[data-testid="svc-${s.name}"] svg.chart path.forecast.ahead`).count();
    if (n !== 1) fail(`${s.name}: no forecast line past "now"`);
  }
  console.log("ok: every chart draws the forecast past now");
  const events = await page.locator('[data-testid="event"]').count();
  if (events === 0) fail("the event list is empty");
  else console.log(`ok: ${events} events listed`);
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
  // Nothing may leave the admin server: no CDN, no fonts, no beacons.
  const origin = new URL(base).origin;
  page.on("request", (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) errors.push("request outside the server: " + r.url());
  });

  await page.goto(base, { waitUntil: "domcontentloaded" });
  await page.waitForSelector('[data-testid="conn"][data-state="live"]', { timeout: 10000 });
  await page.waitForFunction(() => document.body.dataset.snapshotTime, null, { timeout: 10000 });
  const snap0 = await api("api/dashboard/snapshot");
  if (snap0.services.length === 0) throw new Error("the snapshot lists no services");

  if (mode === "gateway") {
    await gatewayChecks(page);
  } else {
    for (const s of snap0.services) {
      await page.waitForSelector(`[data-testid="svc-${s.name}"] svg.chart path.demand`, { timeout: 5000 });
    }
    await matchAPI(page, "fake source");
    await fakeChecks(page, snap0);
  }
  if (errors.length) fail("page errors:\n  " + errors.join("\n  "));

  if (shot) {
    if (mode === "gateway") {
      // A few seconds of steady traffic, so the picture shows live rates
      // and latencies rather than the idle second after the checks.
      const until = Date.now() + 4000;
      const loop = async (path, gapMs) => {
        for (let i = 0; Date.now() < until; i++) {
          await (await fetch(front + path + i)).arrayBuffer();
          await sleep(gapMs);
        }
      };
      await Promise.all([loop("/shop/", 40), loop("/shop/", 55), loop("/api/load/", 90)]);
    } else {
      // Let a couple more seconds of history arrive so the picture is settled.
      await sleep(1200);
    }
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: shot, fullPage: true });
    console.log("screenshot: " + shot);
  }
} catch (e) {
  fail(e && e.stack ? e.stack : String(e));
} finally {
  await browser.close();
}
if (failures) console.error(`${failures} check(s) failed`);
