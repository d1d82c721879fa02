// Shoal dashboard: keeps one card per service, the endpoint table and the
// event list in step with the server's event stream. Every value is written
// with textContent (never parsed as HTML), and every number shown carries a
// stable data-testid so the browser test can read it.
"use strict";
(function () {
  const MAX_EVENTS = 50;
  const state = { windowSeconds: 300, services: new Map(), eventKeys: new Set() };
  const $ = (id) => document.getElementById(id);

  function h(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c);
    return node;
  }

  // Number formats. The browser test formats the snapshot the same way, so
  // changing one means changing test/browser/dashboard.test.mjs too.
  const fmt = {
    rate: (v) => v.toFixed(1),
    ms: (v) => v.toFixed(1),
    pct: (share) => (share * 100).toFixed(1),
    int: (n) => String(n),
  };

  function clock(iso) {
    const d = new Date(iso);
    return d.toLocaleTimeString([], { hour12: false });
  }

  function stat(name, key, label, unit) {
    const value = h("span", { class: "value", "data-testid": "svc-" + name + "-" + key, text: "–" });
    const box = h("div", { class: "stat" }, h("span", { class: "label", text: label }), value);
    if (unit) box.append(h("span", { class: "unit", text: unit }));
    return { box, value };
  }

  function count(name, key, label) {
    const b = h("b", { "data-testid": "svc-" + name + "-" + key, text: "–" });
    return { span: h("span", {}, label + " ", b), b };
  }

  function makeCard(name) {
    const tags = h("span", { class: "tags" });
    const s = {
      rps: stat(name, "rps", "Requests", "/s"),
      p50: stat(name, "p50", "p50", "ms"),
      p99: stat(name, "p99", "p99", "ms"),
      errors: stat(name, "errors", "Errors", "%"),
    };
    const c = {
      ready: count(name, "ready", "ready"),
      starting: count(name, "starting", "starting"),
      draining: count(name, "draining", "draining"),
      desired: count(name, "desired", "desired"),
      forecast: count(name, "forecast", "forecast"),
      ahead: count(name, "ahead", "ahead"),
      queued: count(name, "queued", "queued at the gateway"),
    };
    const chart = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    chart.setAttribute("class", "chart");
    chart.setAttribute("role", "img");
    chart.setAttribute("aria-label", name + ": demand, capacity and forecast in requests per second");
    const total = h("b", { "data-testid": "svc-" + name + "-total", text: "–" });
    const totalLabel = h("span", { text: " requests in the window" });
    const card = h("article", { class: "card", "data-testid": "svc-" + name },
      h("div", { class: "card-head" }, h("h2", { text: name }), tags, h("span", { class: "total" }, total, totalLabel)),
      h("div", { class: "stats" }, s.rps.box, s.p50.box, s.p99.box, s.errors.box),
      h("div", { class: "instances" }, ...Object.values(c).map((x) => x.span)),
      chart,
      h("div", { class: "legend" },
        h("span", { class: "l-demand", text: "demand" }),
        h("span", { class: "l-capacity", text: "capacity" }),
        h("span", { class: "l-forecast", text: "forecast" })));
    return { card, tags, stats: s, counts: c, chart, total, totalLabel, points: [], ahead: null };
  }

  function renderTags(svc, view) {
    const tags = [h("span", { class: "tag", text: svc.balancer || "" })];
    if (!svc.balancer) tags.pop();
    for (const b of svc.breakers || []) {
      tags.push(h("span", { class: "tag " + b.state, "data-testid": "breaker-" + svc.name + "-" + b.name, text: "breaker " + b.name + ": " + b.state }));
    }
    view.tags.replaceChildren(...tags);
  }

  function renderService(svc, full, endMs) {
    let view = state.services.get(svc.name);
    if (!view) {
      view = makeCard(svc.name);
      state.services.set(svc.name, view);
    }
    const pts = svc.timeline.map((p) => ({ ms: Date.parse(p.t), rps: p.rps, capacity: p.capacity, forecast: p.forecast }));
    if (full) {
      view.points = pts;
    } else {
      const last = view.points.length ? view.points[view.points.length - 1].ms : -Infinity;
      for (const p of pts) if (p.ms > last) view.points.push(p);
    }
    // The snapshot's window holds the seconds strictly after its start.
    const cutoff = endMs - state.windowSeconds * 1000;
    while (view.points.length && view.points[0].ms <= cutoff) view.points.shift();
    view.ahead = svc.ahead ? { ms: Date.parse(svc.ahead.t), rps: svc.ahead.rps, lead: svc.ahead.lead_seconds } : null;

    const now = svc.now;
    view.stats.rps.value.textContent = fmt.rate(now.rps);
    view.stats.p50.value.textContent = fmt.ms(now.p50_ms);
    view.stats.p99.value.textContent = fmt.ms(now.p99_ms);
    view.stats.errors.value.textContent = fmt.pct(now.error_share);
    view.stats.errors.box.classList.toggle("bad", now.error_share >= 0.01);
    view.counts.ready.b.textContent = fmt.int(svc.instances.ready);
    view.counts.starting.b.textContent = fmt.int(svc.instances.starting);
    view.counts.draining.b.textContent = fmt.int(svc.instances.draining);
    view.counts.desired.b.textContent = fmt.int(svc.desired);
    view.counts.forecast.b.textContent = fmt.rate(now.forecast) + "/s";
    // The forecast past "now": shown only while the autoscaler makes one.
    view.counts.ahead.span.hidden = !view.ahead;
    view.counts.ahead.b.textContent = view.ahead ? fmt.rate(view.ahead.rps) + "/s in " + fmt.int(Math.round(view.ahead.lead)) + "s" : "–";
    // Requests waiting in the gateway's queue (time-averaged over the
    // newest second): a count, not a rate, so not on the chart; shown only
    // for services whose queue is measured.
    const queued = typeof now.queued === "number";
    view.counts.queued.span.hidden = !queued;
    view.counts.queued.b.textContent = queued ? fmt.rate(now.queued) : "–";
    let total = 0;
    for (const p of view.points) total += p.rps;
    view.total.textContent = fmt.int(Math.round(total));
    view.totalLabel.textContent = " requests in " + Math.round(state.windowSeconds / 60) + " min";
    renderTags(svc, view);
    return view;
  }

  function renderEndpoints(services) {
    const rows = [];
    for (const svc of services) {
      for (const ep of svc.endpoints) {
        const id = "ep-" + svc.name + "-" + ep.address;
        const states = (ep.state || "unknown").split(",").map((s) => s.trim());
        const cell = h("td", { "data-testid": id + "-state" },
          ...states.map((s) => h("span", { class: "tag " + s, text: s })));
        rows.push(h("tr", { "data-testid": id },
          h("td", { text: svc.name }),
          h("td", { class: "mono", text: ep.address }),
          cell,
          h("td", { class: "num", "data-testid": id + "-inflight", text: fmt.int(ep.in_flight) }),
          h("td", { class: "num", "data-testid": id + "-latency", text: fmt.ms(ep.latency_ewma_ms) + " ms" })));
      }
    }
    $("endpoints").replaceChildren(...rows);
  }

  function addEvent(e, atTop) {
    const key = e.t + "|" + e.service + "|" + e.kind + "|" + e.text;
    if (state.eventKeys.has(key)) return;
    state.eventKeys.add(key);
    const li = h("li", { "data-testid": "event" },
      h("time", { datetime: e.t, text: clock(e.t) }),
      h("span", { class: "kind " + e.kind, text: e.kind }),
      h("span", {}, h("span", { class: "svc", text: e.service || "gateway" }), e.text));
    const list = $("events");
    if (atTop) list.prepend(li);
    else list.append(li);
    while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
    $("no-events").hidden = true;
  }

  function apply(snap, full) {
    state.windowSeconds = snap.window_seconds || state.windowSeconds;
    const endMs = Date.parse(snap.time);
    const seen = new Set();
    const cards = [];
    for (const svc of snap.services) {
      seen.add(svc.name);
      cards.push(renderService(svc, full, endMs));
    }
    for (const name of [...state.services.keys()]) {
      if (!seen.has(name)) state.services.delete(name);
    }
    $("services").replaceChildren(...cards.map((v) => v.card));
    if (cards.length === 0) $("services").append(h("p", { class: "empty", text: "No services configured." }));
    // Charts are drawn after the cards are in the page, so they can be measured.
    for (const v of cards) window.shoalChart.draw(v.chart, v.points, state.windowSeconds, endMs, v.ahead);
    renderEndpoints(snap.services);
    if (full) {
      $("events").replaceChildren();
      state.eventKeys.clear();
      $("no-events").hidden = false;
      for (const e of snap.events || []) addEvent(e, false);
    }
    const updated = document.querySelector('[data-testid="updated"]');
    updated.textContent = clock(snap.time);
    updated.setAttribute("datetime", snap.time);
    document.body.dataset.snapshotTime = snap.time;
    state.last = snap;
  }

  function setConn(s) {
    const c = document.querySelector('[data-testid="conn"]');
    c.dataset.state = s;
    c.textContent = s === "live" ? "live" : s === "down" ? "reconnecting" : "connecting";
  }

  function connect() {
    const es = new EventSource("api/dashboard/stream");
    es.onopen = () => setConn("live");
    es.onerror = () => setConn("down");
    es.addEventListener("snapshot", (m) => apply(JSON.parse(m.data), true));
    es.addEventListener("update", (m) => apply(JSON.parse(m.data), false));
    es.addEventListener("event", (m) => addEvent(JSON.parse(m.data), true));
  }

  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      if (!state.last) return;
      const endMs = Date.parse(state.last.time);
      for (const v of state.services.values()) window.shoalChart.draw(v.chart, v.points, state.windowSeconds, endMs, v.ahead);
    }, 150);
  });

  connect();
})();
