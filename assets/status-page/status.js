// The status page's script (a module, so strict): polls api/status every 2 s and draws what it returns. Served as
// /status.js beside the page (src/expose/status/status-page.ts). Label values are producer data:
// they are only ever written with textContent, never as markup.
const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
const SVG = "http://www.w3.org/2000/svg";
const SPAN_MS = 15 * 60 * 1000;
const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];
/** The page's own polls of the last 15 minutes: what the charts draw. */
const history = [];

function fill(id, rows, columns, numeric) {
  const body = document.querySelector(`#${id} tbody`);
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
  if (delta < 90) return `${number.format(delta)} s ago`;
  if (delta < 5400) return `${number.format(delta / 60)} min ago`;
  return `${new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 19)} UTC`;
}

/** Draws one line per series over the last 15 minutes; names go in as text, never as markup. */
function chart(id, series, format, empty = "no data yet") {
  const svg = document.getElementById(id);
  const legend = document.getElementById(`${id}-legend`);
  const now = history.length ? history[history.length - 1].at : Date.now();
  // The polls so far, up to 15 minutes: a page opened a minute ago shows that minute across the width.
  const span = Math.min(SPAN_MS, Math.max(60_000, history.length ? now - history[0].at : 0));
  svg.parentElement.querySelector(".since").textContent =
    span >= 120_000 ? `${number.format(span / 60_000)} min ago` : `${number.format(span / 1000)} s ago`;
  let peak = 0;
  for (const points of series.values()) for (const [, v] of points) if (v !== null && v > peak) peak = v;
  const top = peak > 0 ? peak * 1.1 : 1;
  svg.replaceChildren();
  const base = document.createElementNS(SVG, "line");
  base.setAttribute("x1", "0");
  base.setAttribute("x2", "900");
  base.setAttribute("y1", "99");
  base.setAttribute("y2", "99");
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
        line.setAttribute("points", run.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" "));
        line.setAttribute("stroke", color);
        svg.appendChild(line);
      }
      run = [];
    };
    for (const [t, v] of points) {
      if (v === null) {
        flush();
        continue;
      }
      run.push([900 * (1 - (now - t) / span), 99 - 98 * (v / top)]);
    }
    flush();
    const key = legend.appendChild(document.createElement("span"));
    key.style.setProperty("--swatch", color);
    key.textContent = name;
  }
  document.getElementById(`${id}-peak`).textContent = series.size ? `peak ${format(peak)}` : empty;
}

/** Each name's values across the polls kept, null where a poll had none. */
function lines(pick) {
  const names = new Set();
  for (const h of history) for (const name of Object.keys(pick(h.live))) names.add(name);
  const series = new Map();
  for (const name of [...names].sort()) {
    series.set(
      name,
      history.map((h) => [h.at, pick(h.live)[name] ?? null]),
    );
  }
  return series;
}

function render(s) {
  const state = document.getElementById("state");
  state.textContent = s.ready ? "ready" : `not ready: ${s.readyDetail}`;
  state.className = `state ${s.ready ? "ok" : "bad"}`;
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
    fill(
      "camera-table",
      e.rows.map((c) => [
        c.id,
        ago(c.lastSeenSeconds, s.generatedAtMs),
        live.windowSeconds > 0 ? number.format(live.entitiesPerSecond[c.id] ?? 0) : "–",
        number.format(c.count),
      ]),
      4,
      [2, 3],
    );
  });
  show("latency-section", s.latency, (l) => {
    heading("latency-section", l.title, l.by);
    fill(
      "model-table",
      l.rows.map((m) => [
        m.key,
        m.p95Seconds === null ? "–" : `${number.format(m.p95Seconds * 1000)} ms`,
        number.format(m.count),
      ]),
      3,
      [1, 2],
    );
  });
  show("success-section", s.success, (k) => {
    heading("success-section", k.title, k.by);
    fill(
      "key-table",
      k.rows.map((r) => [
        r.key,
        r.successRate === null ? "–" : `${number.format(r.successRate * 100)} %`,
        number.format(r.requests),
      ]),
      3,
      [1, 2],
    );
  });
  fill(
    "invalid-table",
    s.invalid.map((i) => [i.topic, i.reason, number.format(i.count)]),
    3,
    [2],
  );
  fill(
    "lag-table",
    s.lag.map((l) => [l.topic, l.partition, number.format(l.lag)]),
    3,
    [1, 2],
  );

  if (live.windowSeconds > 0) history.push({ at: s.generatedAtMs, live });
  while (history.length && history[0].at < s.generatedAtMs - SPAN_MS) history.shift();
  chart(
    "events-chart",
    lines((l) => l.eventsPerSecond),
    (v) => `${number.format(v)}/s`,
  );
  show("p95-figure", s.latency, (l) => {
    document.getElementById("p95-caption").textContent = `p95 per ${l.by}`;
    chart(
      "p95-chart",
      lines((f) =>
        Object.fromEntries(Object.entries(f.p95Seconds).map(([m, v]) => [m, v === null ? null : v * 1000])),
      ),
      (v) => `${number.format(v)} ms`,
    );
  });
  show("errors-figure", s.errors, (e) => {
    document.getElementById("errors-caption").textContent =
      e.title +
      ": " +
      number.format(e.failures) +
      " of " +
      number.format(e.calls) +
      " calls failed" +
      (e.calls > 0 ? ` (${number.format((100 * e.failures) / e.calls)} %)` : "");
    chart(
      "errors-chart",
      lines((f) => (f.errorRatio === null ? {} : { "all calls": f.errorRatio * 100 })),
      (v) => `${number.format(v)} %`,
      "no calls in the recent polls",
    );
  });
}

async function refresh() {
  try {
    const response = await fetch("api/status", { cache: "no-store" });
    if (response.ok) render(await response.json());
  } catch {
    const state = document.getElementById("state");
    state.textContent = "aggregator unreachable";
    state.className = "state bad";
  }
}
refresh();
setInterval(refresh, 2000);
