// Shoal dashboard chart: demand, capacity and forecast of one service over
// the window, drawn as SVG in the element's own pixel size (so text and lines
// are never stretched). Exposes window.shoalChart.draw.
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
  // rps, capacity and forecast; endMs is the right edge of the window.
  function draw(svg, points, windowSeconds, endMs) {
    const width = Math.max(120, Math.round(svg.getBoundingClientRect().width));
    const height = Math.max(80, Math.round(svg.getBoundingClientRect().height));
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.replaceChildren();

    const spanMs = windowSeconds * 1000;
    const startMs = endMs - spanMs;
    const innerW = width - PAD.left - PAD.right;
    const innerH = height - PAD.top - PAD.bottom;
    let top = 0;
    for (const p of points) top = Math.max(top, p.rps, p.capacity, p.forecast);
    const yMax = niceMax(top * 1.1);
    const x = (ms) => PAD.left + ((ms - startMs) / spanMs) * innerW;
    const y = (v) => PAD.top + innerH - (Math.min(v, yMax) / yMax) * innerH;

    // Grid and y labels: four bands.
    for (let i = 0; i <= 4; i++) {
      const v = (yMax * i) / 4;
      const gy = y(v).toFixed(1);
      el("line", { class: "grid", x1: PAD.left, x2: width - PAD.right, y1: gy, y2: gy }, svg);
      const t = el("text", { x: PAD.left - 5, y: Number(gy) + 3, "text-anchor": "end" }, svg);
      t.textContent = fmtTick(v);
    }
    // x labels: minutes before now.
    const stepS = windowSeconds > 600 ? 300 : 60;
    for (let s = 0; s <= windowSeconds; s += stepS) {
      const t = el("text", { x: x(endMs - s * 1000), y: height - 4, "text-anchor": s === 0 ? "end" : "middle" }, svg);
      t.textContent = s === 0 ? "now" : "−" + Math.round(s / 60) + "m";
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
  }

  window.shoalChart = { draw };
})();
