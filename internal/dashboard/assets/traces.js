// Shoal dashboard: the request trace view and the log. The list of kept
// traces (recent, slowest or failed) and the log are read from the admin
// API every few seconds; #trace=ID in the address opens one trace as a
// waterfall of its server span and its upstream attempts, with the log lines
// that carry its trace id. Log lines with a trace id link there. When the
// admin API has no /api/traces (a dashboard mounted on its own) the panels
// say so and stay idle.
"use strict";
(function () {
  const NS = "http://www.w3.org/2000/svg";
  const REFRESH_MS = 2000;
  const LIST_LIMIT = 15;
  const LOG_LIMIT = 20;
  const $ = (id) => document.getElementById(id);
  const state = { tab: "recent", open: "", available: true };

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

  function svg(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (parent) parent.appendChild(node);
    return node;
  }

  // Formats shared with test/browser/dashboard.test.mjs.
  const fmtMS = (v) => v.toFixed(1) + " ms";
  const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour12: false });

  async function getJSON(url) {
    const res = await fetch(url, { cache: "no-store" });
    let body = null;
    try { body = await res.json(); } catch (e) { body = null; }
    return { status: res.status, body };
  }

  const queries = {
    recent: "",
    slowest: "&sort=slowest",
    failed: "&status=error",
  };

  function traceLink(id, label) {
    return h("a", { href: "#trace=" + id, class: "mono", "data-testid": "log-trace-link", text: label || id.slice(0, 8) });
  }

  function statusClass(code, error) {
    if (code >= 500 || code === 0) return "bad";
    if (error) return "warn";
    if (code >= 400) return "warn";
    return "ok";
  }

  function renderList(list) {
    const rows = list.map((t) => {
      const row = h("tr", { "data-testid": "trace-row", "data-trace-id": t.trace_id, tabindex: "0" },
        h("td", { class: "muted", text: clock(t.start) }),
        h("td", { "data-testid": "trace-service", text: t.service || "–" }),
        h("td", { class: "mono req", text: (t.method || "") + " " + (t.path || t.name) }),
        h("td", { class: "num " + statusClass(t.status, t.error), "data-testid": "trace-status", text: String(t.status) }),
        h("td", { class: "num", "data-testid": "trace-duration", text: fmtMS(t.duration_ms) }),
        h("td", { class: "num", "data-testid": "trace-attempts", text: String(t.attempts) }));
      if (t.trace_id === state.open) row.classList.add("selected");
      const open = () => { location.hash = "trace=" + t.trace_id; };
      row.addEventListener("click", open);
      row.addEventListener("keydown", (e) => { if (e.key === "Enter") open(); });
      return row;
    });
    $("traces").replaceChildren(...rows);
    $("no-traces").hidden = rows.length > 0;
    document.body.dataset.tracesTab = state.tab;
  }

  async function refreshList() {
    const { status, body } = await getJSON("api/traces?limit=" + LIST_LIMIT + queries[state.tab]);
    if (status === 404) {
      state.available = false;
      $("no-traces").textContent = "This admin API keeps no traces.";
      $("no-traces").hidden = false;
      return;
    }
    if (status === 200) renderList(body);
  }

  // Rebuilding the list on every refresh detached each row a second after
  // it was drawn, so a trace link clicked at the wrong moment was lost
  // (and the browser test's click timed out waiting for a stable link):
  // the list is redrawn only when the lines changed.
  let logsKey = "";
  function renderLogs(recs) {
    const key = JSON.stringify(recs);
    if (key === logsKey) return;
    logsKey = key;
    const rows = recs.slice().reverse().map((r) => h("li", { "data-testid": "log-row", class: "lvl-" + r.level },
      h("time", { datetime: r.time, text: clock(r.time) }),
      h("span", { class: "src", text: r.source }),
      h("span", { class: "svc", text: r.service || "" }),
      h("span", { class: "text mono", text: r.text }),
      r.trace_id ? traceLink(r.trace_id) : h("span")));
    $("logs").replaceChildren(...rows);
    $("no-logs").hidden = rows.length > 0;
  }

  async function refreshLogs() {
    const { status, body } = await getJSON("api/logs?limit=" + LOG_LIMIT);
    if (status === 200) renderLogs(body);
  }

  // The waterfall: one row per span, in start order; bars share the
  // trace's time axis. Upstream attempts are numbered so retries read as
  // such.
  function waterfall(trace) {
    const ROW = 24, TOP = 20, LABEL = 0.42;
    const box = $("waterfall");
    const width = Math.max(320, Math.round(box.getBoundingClientRect().width) - 2);
    const spans = trace.span_list;
    const height = TOP + spans.length * ROW + 6;
    const root = svg("svg", { class: "wf", viewBox: "0 0 " + width + " " + height, width, height, role: "img", "aria-label": "trace waterfall" });
    const x0 = Math.round(width * LABEL), x1 = width - 64;
    let total = 0;
    for (const s of spans) total = Math.max(total, s.offset_ms + s.duration_ms);
    total = total || 1;
    const x = (ms) => x0 + (ms / total) * (x1 - x0);
    for (let i = 0; i <= 4; i++) {
      const gx = x((total * i) / 4).toFixed(1);
      svg("line", { class: "grid", x1: gx, x2: gx, y1: TOP - 4, y2: height }, root);
      const t = svg("text", { x: gx, y: 11, "text-anchor": i === 0 ? "start" : i === 4 ? "end" : "middle" }, root);
      t.textContent = (total * i / 4).toFixed(total < 10 ? 1 : 0) + " ms";
    }
    let attempt = 0;
    spans.forEach((s, i) => {
      const y = TOP + i * ROW;
      const g = svg("g", { "data-testid": "span-row", "data-kind": s.kind, "data-status": s.status }, root);
      const a = s.attributes || {};
      let label = s.name;
      if (s.kind === "client") {
        attempt++;
        const addr = (a["server.address"] || "") + (a["server.port"] ? ":" + a["server.port"] : "");
        label = "attempt " + attempt + " → " + addr;
      }
      const code = a["http.response.status_code"];
      if (code) label += "  " + code;
      const depth = s.kind === "client" ? 14 : 0;
      const text = svg("text", { x: 4 + depth, y: y + 15, class: "label" }, g);
      text.textContent = label;
      const bx = x(s.offset_ms), bw = Math.max(2, x(s.offset_ms + s.duration_ms) - bx);
      const bar = svg("rect", { x: bx.toFixed(1), y: y + 5, width: bw.toFixed(1), height: ROW - 10, rx: 2, class: "bar " + s.kind + (s.status === "error" ? " error" : "") }, g);
      const tip = svg("title", {}, bar);
      tip.textContent = s.name + ": " + fmtMS(s.duration_ms) + (s.status_message ? " (" + s.status_message + ")" : "");
      const d = svg("text", { x: (bx + bw + 4).toFixed(1), y: y + 15, class: "dur", "data-testid": "span-duration" }, g);
      d.textContent = fmtMS(s.duration_ms);
    });
    return root;
  }

  function problems(trace) {
    const out = [];
    let attempt = 0;
    for (const s of trace.span_list) {
      if (s.kind === "client") attempt++;
      for (const e of s.events || []) {
        const msg = (e.attributes || {})["exception.message"] || e.name;
        out.push(h("li", { text: (s.kind === "client" ? "attempt " + attempt : s.name) + ": " + msg }));
      }
      if (!(s.events || []).length && s.status === "error" && s.status_message) {
        out.push(h("li", { text: (s.kind === "client" ? "attempt " + attempt : s.name) + ": " + s.status_message }));
      }
    }
    return out;
  }

  async function openTrace(id) {
    state.open = id;
    for (const row of document.querySelectorAll('[data-testid="trace-row"]')) {
      row.classList.toggle("selected", row.dataset.traceId === id);
    }
    const box = $("waterfall");
    box.dataset.traceId = "";
    if (!id) {
      box.replaceChildren(h("p", { class: "empty", text: "Pick a request to see its trace." }));
      return;
    }
    const { status, body } = await getJSON("api/traces/" + encodeURIComponent(id));
    if (state.open !== id) return; // another trace was picked meanwhile
    if (status !== 200) {
      const why = body && body.error ? body.error : "HTTP " + status;
      box.replaceChildren(h("p", { class: "empty", "data-testid": "trace-missing", text: why }));
      box.dataset.traceId = id;
      return;
    }
    const t = body;
    const head = h("div", { class: "wf-head", "data-testid": "trace-summary" },
      h("span", { class: "mono req", text: (t.method || "") + " " + (t.path || t.name) }),
      h("span", { class: "tag " + statusClass(t.status, t.error), text: String(t.status) }),
      h("span", { text: t.service || "" }),
      h("span", { text: fmtMS(t.duration_ms) }),
      h("span", { text: t.attempts + (t.attempts === 1 ? " attempt" : " attempts") }),
      h("span", { class: "mono muted", text: t.trace_id }));
    const probs = problems(t);
    const logs = h("ol", { class: "logs", "data-testid": "trace-logs" });
    box.replaceChildren(head, waterfall(t));
    if (probs.length) box.append(h("ul", { class: "problems" }, ...probs));
    box.append(h("h3", { text: "Log lines of this request" }), logs);
    box.dataset.traceId = id;
    const res = await getJSON("api/logs?trace_id=" + encodeURIComponent(id));
    if (res.status === 200 && state.open === id) {
      logs.replaceChildren(...res.body.map((r) => h("li", { "data-testid": "trace-log-row", class: "lvl-" + r.level },
        h("time", { datetime: r.time, text: clock(r.time) }),
        h("span", { class: "src", text: r.source }),
        h("span", { class: "svc", text: r.service || "" }),
        h("span", { class: "text mono", text: r.text }))));
    }
  }

  function fromHash() {
    const m = /^#trace=([0-9a-fA-F]{32})$/.exec(location.hash);
    openTrace(m ? m[1].toLowerCase() : "");
  }

  function setTab(tab) {
    state.tab = tab;
    for (const b of document.querySelectorAll("#trace-tabs button")) {
      b.setAttribute("aria-selected", String(b.dataset.tab === tab));
    }
    refreshList();
  }

  async function tick() {
    if (document.visibilityState === "visible") {
      try {
        if (state.available) await refreshList();
        await refreshLogs();
      } catch (e) {
        // The gateway may be restarting; the next tick tries again.
      }
    }
    setTimeout(tick, REFRESH_MS);
  }

  for (const b of document.querySelectorAll("#trace-tabs button")) {
    b.addEventListener("click", () => setTab(b.dataset.tab));
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
  tick();
})();
