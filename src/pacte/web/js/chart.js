// Job series as a plain SVG line chart (no chart library): total and industrial jobs.

import { el, svg } from "./dom.js";
import { fr } from "./classify.js";

// jobs: rows {source, period, year, sector, jobs}; industry: sector codes of the source
export function jobSeries(jobs, sources) {
  const bySource = new Map();
  for (const r of jobs) {
    if (!bySource.has(r.source)) bySource.set(r.source, []);
    bySource.get(r.source).push(r);
  }
  let best = null;
  for (const [src, rows] of bySource) {
    const years = new Set(rows.map((r) => r.year));
    if (!best || years.size > best.years) best = { src, rows, years: years.size };
  }
  if (!best) return null;
  const industry = new Set(sources[best.src]?.industry ?? []);
  const lastPeriod = new Map();  // quarterly series: keep each year's last quarter
  for (const r of best.rows) {
    if (!lastPeriod.has(r.year) || r.period > lastPeriod.get(r.year)) lastPeriod.set(r.year, r.period);
  }
  const total = new Map(), ind = new Map(), hasTotal = best.rows.some((r) => r.sector === "TOTAL");
  for (const r of best.rows) {
    if (r.period !== lastPeriod.get(r.year) || r.jobs === null) continue;
    if (r.sector === "TOTAL" || !hasTotal) total.set(r.year, (total.get(r.year) ?? 0) + r.jobs);
    if (industry.has(r.sector)) ind.set(r.year, (ind.get(r.year) ?? 0) + r.jobs);
  }
  const years = [...total.keys()].sort((a, b) => a - b);
  return {
    source: best.src, label: sources[best.src]?.name ?? best.src,
    resolution: best.rows[0].resolution,
    lines: [
      { name: "Emploi total", cls: "l-total", points: years.map((y) => [y, total.get(y)]) },
      { name: "Emploi industriel", cls: "l-industry",
        points: years.filter((y) => ind.has(y)).map((y) => [y, ind.get(y)]) },
    ].filter((l) => l.points.length > 0),
  };
}

export function lineChart(series, { width = 340, height = 170 } = {}) {
  const m = { top: 10, right: 12, bottom: 24, left: 56 };
  const pts = series.lines.flatMap((l) => l.points);
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y1 = Math.max(...ys) * 1.05;
  const X = (x) => m.left + ((x - x0) / Math.max(1, x1 - x0)) * (width - m.left - m.right);
  const Y = (y) => height - m.bottom - (y / (y1 || 1)) * (height - m.top - m.bottom);
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img",
    "aria-label": `Emplois (${series.label})` });
  for (const f of [0, 0.5, 1]) {
    const y = Y(y1 * f / 1.05);
    root.append(svg("line", { x1: m.left, x2: width - m.right, y1: y, y2: y, class: "grid" }),
      svg("text", { x: m.left - 4, y: y + 4, class: "ylab" }, fr(y1 * f / 1.05, 0)));
  }
  const ticks = [...new Set(xs)].sort((a, b) => a - b);
  const every = Math.ceil(ticks.length / 6);
  const last = ticks.length - 1;
  ticks.forEach((t, i) => {
    // every `every`-th year, and the last one; a regular tick too close to the last is
    // dropped (2021 and 2022 would overlap)
    if ((i % every === 0 && (i === last || last - i >= Math.max(2, every / 2))) || i === last) {
      root.append(svg("text", { x: X(t), y: height - 6, class: "xlab" }, t));
    }
  });
  for (const l of series.lines) {
    const d = l.points.map((p, i) => `${i ? "L" : "M"}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join("");
    root.append(svg("path", { d, class: `line ${l.cls}` }));
    for (const p of l.points) {
      root.append(svg("circle", { cx: X(p[0]), cy: Y(p[1]), r: 2.5, class: `dot ${l.cls}` },
        svg("title", {}, `${l.name} ${p[0]} : ${fr(p[1], 0)}`)));
    }
  }
  const legend = el("div", { class: "chart-legend" },
    series.lines.map((l) => el("span", { class: `key ${l.cls}` }, l.name)));
  return el("figure", { class: "chartbox" }, root, legend,
    el("figcaption", {}, `${series.label} — ${series.resolution}`));
}

// The sector mix of a territory: the source's sectors at its last year (quarterly series:
// last quarter), as shares of the source's TOTAL row (the total `pacte show` prints). Only
// the sectors that partition the total enter (`sectors`: the census's 15 functions, never
// its « cadres des fonctions métropolitaines » that overlap them); the first `top` shown,
// the rest of the total in one bar, so that the bars sum to the total.
export function sectorMix(jobs, sources, sectors = {}, top = 8) {
  const series = jobSeries(jobs, sources);
  if (!series) return null;
  const part = sectors[series.source] ? new Set(sectors[series.source]) : null;
  const own = jobs.filter((r) => r.source === series.source && r.jobs !== null);
  const rows = own.filter((r) => r.sector !== "TOTAL" && (!part || part.has(r.sector)));
  if (!rows.length) return null;
  const year = Math.max(...rows.map((r) => r.year));
  const inYear = rows.filter((r) => r.year === year);
  const period = inYear.map((r) => r.period).sort().at(-1);
  const last = inYear.filter((r) => r.period === period);
  const totalRow = own.find((r) => r.sector === "TOTAL" && r.year === year && r.period === period);
  const total = totalRow ? totalRow.jobs : last.reduce((s, r) => s + r.jobs, 0);
  if (!(total > 0)) return null;
  const industry = new Set(sources[series.source]?.industry ?? []);
  const parts = last.map((r) => ({ sector: r.sector, label: r.sector_label ?? r.sector, jobs: r.jobs,
    share: (100 * r.jobs) / total, industry: industry.has(r.sector) }))
    .sort((a, b) => b.jobs - a.jobs);
  const shown = parts.slice(0, top);
  const rest = parts.length - shown.length;
  const jobsRest = total - shown.reduce((s, r) => s + r.jobs, 0);
  if (rest) {
    shown.push({ sector: "", label: `${rest} autres secteurs`, jobs: jobsRest,
      share: (100 * jobsRest) / total, industry: false });
  }
  return { source: series.source, label: series.label, period, total, parts: shown };
}

// Any indicator over time: one line per series ({name, cls, points: [[period, value]]}),
// periods as categories in their order (years or « 2006-2011 »).
export function timeChart(lines, { label, unit, width = 340, height = 170, id = null } = {}) {
  const m = { top: 10, right: 12, bottom: 24, left: 56 };
  const periods = [...new Set(lines.flatMap((l) => l.points.map((p) => p[0])))].sort();
  const ys = lines.flatMap((l) => l.points.map((p) => p[1])).filter((y) => y !== null);
  if (!ys.length || !periods.length) return null;
  let y0 = Math.min(0, ...ys), y1 = Math.max(0, ...ys);
  if (y0 === y1) y1 = y0 + 1;
  const pad = (y1 - y0) * 0.05; y0 -= y0 < 0 ? pad : 0; y1 += pad;
  const X = (p) => m.left + (periods.length === 1 ? 0.5 : periods.indexOf(p) / (periods.length - 1))
    * (width - m.left - m.right);
  const Y = (y) => height - m.bottom - ((y - y0) / (y1 - y0)) * (height - m.top - m.bottom);
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img",
    "aria-label": `${label} au fil du temps` });
  for (const f of [0, 0.5, 1]) {
    const v = y0 + (y1 - y0) * f;
    root.append(svg("line", { x1: m.left, x2: width - m.right, y1: Y(v), y2: Y(v), class: "grid" }),
      svg("text", { x: m.left - 4, y: Y(v) + 4, class: "ylab" }, fr(v)));
  }
  const every = Math.ceil(periods.length / 5);
  periods.forEach((p, i) => {
    if (i % every === 0 || i === periods.length - 1) {
      root.append(svg("text", { x: X(p), y: height - 6, class: "xlab" }, p.length > 9 ? p.slice(2) : p));
    }
  });
  for (const l of lines) {
    const pts = l.points.filter((p) => p[1] !== null);
    if (!pts.length) continue;
    const d = pts.map((p, i) => `${i ? "L" : "M"}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join("");
    root.append(svg("path", { d, class: `line ${l.cls}` }));
    for (const p of pts) {
      root.append(svg("circle", { cx: X(p[0]), cy: Y(p[1]), r: 2.5, class: `dot ${l.cls}` },
        svg("title", {}, `${l.name} ${p[0]} : ${fr(p[1])} ${unit}`)));
    }
  }
  return el("figure", { class: "chartbox", id },
    root, el("div", { class: "chart-legend" }, lines.map((l) => el("span", { class: `key ${l.cls}` }, l.name))),
    el("figcaption", {}, `${label} (${unit})`));
}

// Horizontal bars of a sector mix (plain SVG: widths are attributes, no inline style).
export function barChart(mix, { width = 340, bar = 14, gap = 5 } = {}) {
  const left = 150, right = 46;
  const height = mix.parts.length * (bar + gap) + gap;
  const max = Math.max(...mix.parts.map((p) => p.share));
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart bars", role: "img",
    "aria-label": `Répartition des emplois (${mix.label}, ${mix.period})` });
  mix.parts.forEach((p, i) => {
    const y = gap + i * (bar + gap);
    const w = ((width - left - right) * p.share) / (max || 1);
    const name = p.label.length > 26 ? `${p.label.slice(0, 25)}…` : p.label;
    root.append(
      svg("text", { x: left - 6, y: y + bar - 3, class: "ylab" }, name),
      svg("rect", { x: left, y, width: Math.max(1, w).toFixed(1), height: bar, "data-jobs": p.jobs,
        "data-sector": p.sector, class: p.industry ? "mixbar industry" : "mixbar" },
        svg("title", {}, `${p.label} : ${fr(p.jobs, 0)} emplois (${fr(p.share, 1)} %)`)),
      svg("text", { x: left + w + 4, y: y + bar - 3, class: "vlab" }, `${fr(p.share, 1)} %`));
  });
  return el("figure", { class: "chartbox", id: "panel-mix", dataset: { total: mix.total } }, root,
    el("figcaption", {}, `${mix.label}, ${mix.period} : ${fr(mix.total, 0)} emplois ; en rouge, l'industrie`));
}
