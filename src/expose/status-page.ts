import type { Handler } from "hono";

/**
 * The live status page: plain HTML, CSS and a little JavaScript, no build.
 * It polls `api/status` every 2 s and derives rates from the difference of two
 * polls. Every value is written with `textContent`: camera ids and key ids are
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
  <div class="tile"><div class="value" id="consumed">…</div><div class="label">events consumed</div></div>
  <div class="tile"><div class="value" id="cameras">…</div><div class="label">cameras</div></div>
  <div class="tile"><div class="value" id="invalid">…</div><div class="label">invalid events</div></div>
  <div class="tile"><div class="value" id="lag">…</div><div class="label">consumer lag</div></div>
</div>
<div class="grid">
  <section><h2>Cameras</h2><table id="camera-table"><thead><tr><th>camera</th><th>last seen</th><th class="num">frames/s</th><th class="num">frames</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Detection latency per model</h2><table id="model-table"><thead><tr><th>model</th><th class="num">p95</th><th class="num">frames</th></tr></thead><tbody></tbody></table></section>
  <section><h2>LLM success rate per API key</h2><table id="key-table"><thead><tr><th>key id</th><th class="num">success</th><th class="num">calls</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Invalid events</h2><table id="invalid-table"><thead><tr><th>topic</th><th>reason</th><th class="num">count</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Consumer lag</h2><table id="lag-table"><thead><tr><th>topic</th><th class="num">partition</th><th class="num">lag</th></tr></thead><tbody></tbody></table></section>
</div>
<script>
"use strict";
const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
let previous;

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

function ago(seconds, now) {
  if (seconds === null) return "–";
  const delta = Math.max(0, now / 1000 - seconds);
  if (delta < 90) return number.format(delta) + " s ago";
  if (delta < 5400) return number.format(delta / 60) + " min ago";
  return new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

function perSecond(now, before, pick) {
  if (!before) return "–";
  const seconds = (now.generatedAtMs - before.generatedAtMs) / 1000;
  return seconds > 0 ? number.format(Math.max(0, pick(now) - pick(before)) / seconds) : "–";
}

function render(s) {
  const state = document.getElementById("state");
  state.textContent = s.ready ? "ready" : "not ready: " + s.readyDetail;
  state.className = "state " + (s.ready ? "ok" : "bad");
  document.getElementById("rate").textContent = perSecond(s, previous, (x) => x.events.consumed);
  document.getElementById("consumed").textContent = number.format(s.events.consumed);
  document.getElementById("cameras").textContent = number.format(s.cameras.length);
  document.getElementById("invalid").textContent = number.format(s.events.invalid);
  document.getElementById("lag").textContent = number.format(s.lag.reduce((sum, l) => sum + l.lag, 0));
  const before = new Map((previous ? previous.cameras : []).map((c) => [c.cameraId, c.frames]));
  const seconds = previous ? (s.generatedAtMs - previous.generatedAtMs) / 1000 : 0;
  fill("camera-table", s.cameras.map((c) => [
    c.cameraId,
    ago(c.lastSeenSeconds, s.generatedAtMs),
    seconds > 0 ? number.format(Math.max(0, c.frames - (before.get(c.cameraId) ?? c.frames)) / seconds) : "–",
    number.format(c.frames),
  ]), 4, [2, 3]);
  fill("model-table", s.models.map((m) => [
    m.modelType, m.p95Seconds === null ? "–" : number.format(m.p95Seconds * 1000) + " ms", number.format(m.frames),
  ]), 3, [1, 2]);
  fill("key-table", s.apiKeys.map((k) => [
    k.keyId, k.successRate === null ? "–" : number.format(k.successRate * 100) + " %", number.format(k.requests),
  ]), 3, [1, 2]);
  fill("invalid-table", s.invalid.map((i) => [i.topic, i.reason, number.format(i.count)]), 3, [2]);
  fill("lag-table", s.lag.map((l) => [l.topic, l.partition, number.format(l.lag)]), 3, [1, 2]);
  previous = s;
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
