// Shoal dashboard chart: demand, capacity and forecast of one service over
// the window, drawn as SVG in the element's own pixel size (so text and lines
// are never stretched). When the autoscaler forecasts, the chart runs past
// "now" to the forecast's time and the dashed forecast line continues
// there. Exposes window.shoalChart.draw.
"use strict";
(function () {
  const NS = "http://www.w3.org/2000/svg";
  const PAD = { left: 38, right: 8, top: 8, bottom: 18 };

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (parent) parent.appendChild(node);
    return node;
  }

  // niceMax rounds up to 1, 2 or 5 times a power of ten, so ticks are round.
  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
    return 10 * p;
  }

  function fmtTick(v) {
    if (v >= 1000) return (v / 1000).toFixed(v % 1000 === 0 ? 0 : 1) + "k";
    return v < 10 && v % 1 !== 0 ? v.toFixed(1) : String(Math.round(v));
  }

  function path(points, x, y, key, step) {
    let d = "";
    let prev = null;
    for (const p of points) {
      const px = x(p.ms).toFixed(1);
      const py = y(p[key]).toFixed(1);
      if (prev === null) d += "M" + px + " " + py;
      else if (step) d += "H" + px + "V" + py;
      else d += "L" + px + " " + py;
      prev = p;
    }
    return d;
  }

  // draw replaces the chart's content. points carry ms (epoch milliseconds),
  // rps, capacity and forecast; endMs is "now", the newest data's edge.
  // ahead, when set, is the autoscaler's newest forecast {ms, rps}, usually
  // after endMs: the chart then extends to it (at most a quarter of the
  // window) and draws the forecast line on into the future.
  function draw(svg, points, windowSeconds, endMs, ahead) {
    const width = Math.max(120, Math.round(svg.getBoundingClientRect().width));
    const height = Math.max(80, Math.round(svg.getBoundingClientRect().height));
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.replaceChildren();

    const pastMs = windowSeconds * 1000;
    const startMs = endMs - pastMs;
    // The strip past "now" is at least a twentieth of the window, so a
    // short lead stays visible; the forecast point sits at its own time.
    const future = ahead && ahead.ms > endMs ? Math.min(Math.max(ahead.ms - endMs, pastMs / 20), pastMs / 4) : 0;
    const spanMs = pastMs + future;
    const innerW = width - PAD.left - PAD.right;
    const innerH = height - PAD.top - PAD.bottom;
    let top = 0;
    for (const p of points) top = Math.max(top, p.rps, p.capacity, p.forecast);
    if (future) top = Math.max(top, ahead.rps);
    const yMax = niceMax(top * 1.1);
    const x = (ms) => PAD.left + ((Math.min(ms, endMs + future) - startMs) / spanMs) * innerW;
    const y = (v) => PAD.top + innerH - (Math.min(v, yMax) / yMax) * innerH;

    if (future) {
      el("rect", { class: "future", x: x(endMs).toFixed(1), y: PAD.top, width: (x(endMs + future) - x(endMs)).toFixed(1), height: innerH }, svg);
    }
    // Grid and y labels: four bands.
    for (let i = 0; i <= 4; i++) {
      const v = (yMax * i) / 4;
      const gy = y(v).toFixed(1);
      el("line", { class: "grid", x1: PAD.left, x2: width - PAD.right, y1: gy, y2: gy }, svg);
      const t = el("text", { x: PAD.left - 5, y: Number(gy) + 3, "text-anchor": "end" }, svg);
      t.textContent = fmtTick(v);
    }
    // x labels: minutes before now, and the forecast's lead after it.
    const stepS = windowSeconds > 600 ? 300 : 60;
    for (let s = 0; s <= windowSeconds; s += stepS) {
      const anchor = s === 0 ? (future ? "middle" : "end") : "middle";
      const t = el("text", { x: x(endMs - s * 1000), y: height - 4, "text-anchor": anchor }, svg);
      t.textContent = s === 0 ? "now" : "−" + Math.round(s / 60) + "m";
    }
    if (future) {
      el("line", { class: "now", x1: x(endMs).toFixed(1), x2: x(endMs).toFixed(1), y1: PAD.top, y2: PAD.top + innerH }, svg);
      const t = el("text", { class: "ahead-label", x: width - PAD.right - 2, y: PAD.top + 10, "text-anchor": "end" }, svg);
      t.textContent = "+" + Math.round((ahead.ms - endMs) / 1000) + "s";
    }
    const visible = points.filter((p) => p.ms >= startMs);
    if (visible.length === 0) return;

    const demand = path(visible, x, y, "rps", false);
    const base = y(0).toFixed(1);
    el("path", {
      class: "demand-area",
      d: demand + "L" + x(visible[visible.length - 1].ms).toFixed(1) + " " + base + "L" + x(visible[0].ms).toFixed(1) + " " + base + "Z",
    }, svg);
    el("path", { class: "capacity", d: path(visible, x, y, "capacity", true) }, svg);
    el("path", { class: "demand", d: demand }, svg);
    // The forecast goes on top: it often runs right along the demand.
    if (visible.some((p) => p.forecast > 0)) {
      el("path", { class: "forecast", d: path(visible, x, y, "forecast", false) }, svg);
    }
    if (future) {
      // From the newest second (its forecast, or its demand when none was
      // made for it) to the forecast one lead ahead.
      const last = visible[visible.length - 1];
      const from = last.forecast > 0 ? last.forecast : last.rps;
      const d = "M" + x(last.ms).toFixed(1) + " " + y(from).toFixed(1) + "L" + x(ahead.ms).toFixed(1) + " " + y(ahead.rps).toFixed(1);
      el("path", { class: "forecast ahead", d }, svg);
      el("circle", { class: "forecast-dot", cx: x(ahead.ms).toFixed(1), cy: y(ahead.rps).toFixed(1), r: 2.5 }, svg);
    }
  }

  window.shoalChart = { draw };
})();
