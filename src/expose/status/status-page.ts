import type { Handler } from "hono";

/**
 * The live status page: plain HTML, CSS, inline SVG and a little JavaScript,
 * no build and no external asset (it may be served air-gapped). It polls
 * `api/status` every 2 s; rates come from the server (so the first poll has
 * them) and the charts draw the page's own polls of the last 15 minutes.
 * Sections, titles and label names come from the catalogue's `status`
 * section. Every value is written with `textContent`: label values are
 * producer data and never become markup.
 */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>metrics-aggregator</title>
<link rel="icon" href="data:,">
<style>
  :root { color-scheme: light dark; --muted: #6b7280; --ok: #15803d; --bad: #b91c1c; }
  * { box-sizing: border-box; }
  body { font-family: system-ui, -apple-system, sans-serif; margin: 0; padding: 1rem; max-width: 72rem; margin-inline: auto; }
  header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .5rem 1rem; }
  h1 { font-size: 1.25rem; margin: 0; }
  nav a { margin-right: .75rem; }
  .state { font-weight: 600; }
  .state.ok { color: var(--ok); } .state.bad { color: var(--bad); }
  .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .75rem; margin: 1rem 0; }
  .tile { border: 1px solid #8884; border-radius: .5rem; padding: .75rem; }
  .tile .value { font-size: 1.5rem; font-variant-numeric: tabular-nums; }
  .tile .label { color: var(--muted); font-size: .85rem; }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 20rem), 1fr)); gap: 1rem; margin-bottom: 1rem; }
  figure { margin: 0; border: 1px solid #8884; border-radius: .5rem; padding: .5rem .75rem; }
  figcaption { font-size: .9rem; font-weight: 600; display: flex; justify-content: space-between; gap: .5rem; }
  figcaption .peak { color: var(--muted); font-weight: 400; font-variant-numeric: tabular-nums; }
  svg.chart { width: 100%; height: 6.5rem; display: block; }
  svg.chart polyline { fill: none; stroke-width: 2; vector-effect: non-scaling-stroke; }
  svg.chart line { stroke: #8886; stroke-width: 1; vector-effect: non-scaling-stroke; }
  .legend { display: flex; flex-wrap: wrap; gap: .25rem .75rem; font-size: .8rem; color: var(--muted); min-height: 1rem; }
  .legend span::before { content: ""; display: inline-block; width: .6rem; height: .6rem; border-radius: 50%; margin-right: .3rem; background: var(--swatch); }
  .axis { display: flex; justify-content: space-between; font-size: .75rem; color: var(--muted); }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 24rem), 1fr)); gap: 1rem; }
  section { overflow-x: auto; }
  h2 { font-size: 1rem; margin: .5rem 0; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #8883; white-space: nowrap; }
  td.num, th.num { text-align: right; }
  .empty { color: var(--muted); }
</style>
</head>
<body>
<header>
  <h1>metrics-aggregator</h1>
  <span id="state" class="state">…</span>
  <nav><a href="metrics">/metrics</a><a href="healthz">/healthz</a><a href="readyz">/readyz</a></nav>
</header>
<div class="tiles">
  <div class="tile"><div class="value" id="rate">…</div><div class="label">events/s</div></div>
  <div class="tile"><div class="value" id="consumed">…</div><div class="label">events counted</div></div>
  <div class="tile" id="entities-tile"><div class="value" id="cameras">…</div><div class="label" id="entities-label"></div></div>
  <div class="tile"><div class="value" id="invalid">…</div><div class="label">invalid events</div></div>
  <div class="tile"><div class="value" id="lag">…</div><div class="label">consumer lag</div></div>
</div>
<div class="charts">
  <figure><figcaption>events/s per topic <span class="peak" id="events-chart-peak"></span></figcaption><svg class="chart" id="events-chart" viewBox="0 0 900 100" preserveAspectRatio="none"></svg><div class="axis"><span class="since">–</span><span>now</span></div><div class="legend" id="events-chart-legend"></div></figure>
  <figure id="p95-figure"><figcaption><span id="p95-caption"></span> <span class="peak" id="p95-chart-peak"></span></figcaption><svg class="chart" id="p95-chart" viewBox="0 0 900 100" preserveAspectRatio="none"></svg><div class="axis"><span class="since">–</span><span>now</span></div><div class="legend" id="p95-chart-legend"></div></figure>
  <figure id="errors-figure"><figcaption><span id="errors-caption"></span> <span class="peak" id="errors-chart-peak"></span></figcaption><svg class="chart" id="errors-chart" viewBox="0 0 900 100" preserveAspectRatio="none"></svg><div class="axis"><span class="since">–</span><span>now</span></div><div class="legend" id="errors-chart-legend"></div></figure>
</div>
<div class="grid">
  <section id="entities-section"><h2></h2><table id="camera-table"><thead><tr><th></th><th>last seen</th><th class="num">events/s</th><th class="num">events</th></tr></thead><tbody></tbody></table></section>
  <section id="latency-section"><h2></h2><table id="model-table"><thead><tr><th></th><th class="num">p95</th><th class="num">events</th></tr></thead><tbody></tbody></table></section>
  <section id="success-section"><h2></h2><table id="key-table"><thead><tr><th></th><th class="num">success</th><th class="num">calls</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Invalid events</h2><table id="invalid-table"><thead><tr><th>topic</th><th>reason</th><th class="num">count</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Consumer lag</h2><table id="lag-table"><thead><tr><th>topic</th><th class="num">partition</th><th class="num">lag</th></tr></thead><tbody></tbody></table></section>
</div>
<script>
"use strict";
const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
const SVG = "http://www.w3.org/2000/svg";
const SPAN_MS = 15 * 60 * 1000;
const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];
/** The page's own polls of the last 15 minutes: what the charts draw. */
const history = [];

function fill(id, rows, columns, numeric) {
  const body = document.querySelector("#" + id + " tbody");
  const fresh = document.createElement("tbody");
  if (rows.length === 0) {
    const td = document.createElement("td");
    td.colSpan = columns;
    td.className = "empty";
    td.textContent = "none yet";
    fresh.appendChild(document.createElement("tr")).appendChild(td);
  }
  for (const row of rows) {
    const tr = fresh.appendChild(document.createElement("tr"));
    row.forEach((cell, i) => {
      const td = tr.appendChild(document.createElement("td"));
      td.textContent = cell;
      if (numeric.includes(i)) td.className = "num";
    });
  }
  body.replaceWith(fresh);
}

/** Shows an element and fills it when the catalogue names its section; hides it otherwise. */
function show(id, section, draw) {
  document.getElementById(id).hidden = !section;
  if (section) draw(section);
}

/** A section's title and the name of the label its first column shows, as text. */
function heading(id, title, label) {
  const section = document.getElementById(id);
  section.querySelector("h2").textContent = title;
  section.querySelector("th").textContent = label;
}

function ago(seconds, now) {
  if (seconds === null) return "–";
  const delta = Math.max(0, now / 1000 - seconds);
  if (delta < 90) return number.format(delta) + " s ago";
  if (delta < 5400) return number.format(delta / 60) + " min ago";
  return new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

/** Draws one line per series over the last 15 minutes; names go in as text, never as markup. */
function chart(id, series, format, empty = "no data yet") {
  const svg = document.getElementById(id);
  const legend = document.getElementById(id + "-legend");
  const now = history.length ? history[history.length - 1].at : Date.now();
  // The polls so far, up to 15 minutes: a page opened a minute ago shows that minute across the width.
  const span = Math.min(SPAN_MS, Math.max(60_000, history.length ? now - history[0].at : 0));
  svg.parentElement.querySelector(".since").textContent =
    span >= 120_000 ? number.format(span / 60_000) + " min ago" : number.format(span / 1000) + " s ago";
  let peak = 0;
  for (const points of series.values()) for (const [, v] of points) if (v !== null && v > peak) peak = v;
  const top = peak > 0 ? peak * 1.1 : 1;
  svg.replaceChildren();
  const base = document.createElementNS(SVG, "line");
  base.setAttribute("x1", "0"); base.setAttribute("x2", "900"); base.setAttribute("y1", "99"); base.setAttribute("y2", "99");
  svg.appendChild(base);
  legend.replaceChildren();
  let i = 0;
  for (const [name, points] of series) {
    const color = COLORS[i++ % COLORS.length];
    let run = [];
    const flush = () => {
      if (run.length === 1) run.push([run[0][0] + 1, run[0][1]]);
      if (run.length > 1) {
        const line = document.createElementNS(SVG, "polyline");
        line.setAttribute("points", run.map(([x, y]) => x.toFixed(1) + "," + y.toFixed(1)).join(" "));
        line.setAttribute("stroke", color);
        svg.appendChild(line);
      }
      run = [];
    };
    for (const [t, v] of points) {
      if (v === null) { flush(); continue; }
      run.push([900 * (1 - (now - t) / span), 99 - 98 * (v / top)]);
    }
    flush();
    const key = legend.appendChild(document.createElement("span"));
    key.style.setProperty("--swatch", color);
    key.textContent = name;
  }
  document.getElementById(id + "-peak").textContent = series.size ? "peak " + format(peak) : empty;
}

/** Each name's values across the polls kept, null where a poll had none. */
function lines(pick) {
  const names = new Set();
  for (const h of history) for (const name of Object.keys(pick(h.live))) names.add(name);
  const series = new Map();
  for (const name of [...names].sort()) {
    series.set(name, history.map((h) => [h.at, pick(h.live)[name] ?? null]));
  }
  return series;
}

function render(s) {
  const state = document.getElementById("state");
  state.textContent = s.ready ? "ready" : "not ready: " + s.readyDetail;
  state.className = "state " + (s.ready ? "ok" : "bad");
  const live = s.live;
  const rate = Object.values(live.eventsPerSecond).reduce((sum, r) => sum + r, 0);
  document.getElementById("rate").textContent = live.windowSeconds > 0 ? number.format(rate) : "–";
  document.getElementById("consumed").textContent = number.format(s.events.counted);
  show("entities-tile", s.entities, (e) => {
    document.getElementById("cameras").textContent = number.format(e.rows.length);
    document.getElementById("entities-label").textContent = e.title.toLowerCase();
  });
  document.getElementById("invalid").textContent = number.format(s.events.invalid);
  document.getElementById("lag").textContent = number.format(s.lag.reduce((sum, l) => sum + l.lag, 0));
  show("entities-section", s.entities, (e) => {
    heading("entities-section", e.title, e.label);
    fill("camera-table", e.rows.map((c) => [
      c.id,
      ago(c.lastSeenSeconds, s.generatedAtMs),
      live.windowSeconds > 0 ? number.format(live.entitiesPerSecond[c.id] ?? 0) : "–",
      number.format(c.count),
    ]), 4, [2, 3]);
  });
  show("latency-section", s.latency, (l) => {
    heading("latency-section", l.title, l.by);
    fill("model-table", l.rows.map((m) => [
      m.key, m.p95Seconds === null ? "–" : number.format(m.p95Seconds * 1000) + " ms", number.format(m.count),
    ]), 3, [1, 2]);
  });
  show("success-section", s.success, (k) => {
    heading("success-section", k.title, k.by);
    fill("key-table", k.rows.map((r) => [
      r.key, r.successRate === null ? "–" : number.format(r.successRate * 100) + " %", number.format(r.requests),
    ]), 3, [1, 2]);
  });
  fill("invalid-table", s.invalid.map((i) => [i.topic, i.reason, number.format(i.count)]), 3, [2]);
  fill("lag-table", s.lag.map((l) => [l.topic, l.partition, number.format(l.lag)]), 3, [1, 2]);

  if (live.windowSeconds > 0) history.push({ at: s.generatedAtMs, live });
  while (history.length && history[0].at < s.generatedAtMs - SPAN_MS) history.shift();
  chart("events-chart", lines((l) => l.eventsPerSecond), (v) => number.format(v) + "/s");
  show("p95-figure", s.latency, (l) => {
    document.getElementById("p95-caption").textContent = "p95 per " + l.by;
    chart("p95-chart", lines((f) => Object.fromEntries(Object.entries(f.p95Seconds).map(([m, v]) => [m, v === null ? null : v * 1000]))), (v) => number.format(v) + " ms");
  });
  show("errors-figure", s.errors, (e) => {
    document.getElementById("errors-caption").textContent = e.title + ": " + number.format(e.failures) + " of " +
      number.format(e.calls) + " calls failed" + (e.calls > 0 ? " (" + number.format((100 * e.failures) / e.calls) + " %)" : "");
    chart("errors-chart", lines((f) => (f.errorRatio === null ? {} : { "all calls": f.errorRatio * 100 })), (v) => number.format(v) + " %", "no calls in the recent polls");
  });
}

async function refresh() {
  try {
    const response = await fetch("api/status", { cache: "no-store" });
    if (response.ok) render(await response.json());
  } catch (error) {
    const state = document.getElementById("state");
    state.textContent = "aggregator unreachable";
    state.className = "state bad";
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
`;

/** `GET /`: the live status page, linking `/metrics`, `/healthz` and `/readyz`. Holds no configuration or secrets. */
export function statusPageHandler(): Handler {
  return (c) => c.html(PAGE);
}
