// pacte dashboard: map and table linked, territory panel, permalink. Every request goes to
// the server that served this page (API under api/, layers under geo/).

import { api } from "./api.js";
import { addBasinLayer } from "./basins.js";
import { classOf, colours, fr, jenksBreaks, NO_DATA, quantileBreaks } from "./classify.js";
import { clear, el } from "./dom.js";
import { TerritoryMap } from "./map.js";
import { renderPanel } from "./panel.js";
import { readState, writeState } from "./state.js";
import { columns, download, filterRows, highlightRow, renderTable, sortRows, toCSV } from "./table.js";

const MAP_LEVELS = ["epci", "ze2020", "dep", "reg"];
const RANK_LEVELS = new Set(["epci", "ze2020", "ze2010"]);
const N_CLASSES = 5;
const $ = (id) => document.getElementById(id);

// flags read by the browser test and the benchmark (no fixed sleeps)
const status = { mapIdle: false, panelReady: false, views: 0, firstMapMs: null, error: null };
window.pacte = status;

let state = readState();
let cat = null;       // catalogue answer
let view = null;      // {geo, values, ranking, national, meta, rows, cols}
let loadId = 0;
let shownLevel = null;

const map = new TerritoryMap($("map"), {
  onHover: (code, point) => tooltip(code, point),
  onClick: (code) => select(code, { from: "map" }),
});
window.pacteMap = map.map;
addBasinLayer(map.map, document.querySelector(".insets"));

function setStatus(text) {
  const s = $("status");
  s.textContent = text ?? "";
  s.hidden = !text;
}

function indicatorOf(id) { return cat.data.indicators.find((i) => i.id === id); }

function normalise() {
  if (!MAP_LEVELS.includes(state.level)) state.level = "epci";
  const usable = cat.data.indicators.filter((i) => i.available[state.level]);
  if (!usable.some((i) => i.id === state.indicator)) state.indicator = usable[0].id;
  const avail = indicatorOf(state.indicator).available[state.level];
  if (!avail[state.source]) state.source = Object.keys(avail)[0];
  const periods = avail[state.source];
  if (!periods.includes(state.period)) state.period = periods[periods.length - 1];
  if (!["quantiles", "jenks"].includes(state.method)) state.method = "quantiles";
  if (!["", "rural", "urbain"].includes(state.area)) state.area = "";
}

function fillSelect(select, options, value) {
  clear(select);
  for (const o of options) {
    if (o.group) {
      select.append(el("optgroup", { label: o.group },
        o.options.map((x) => el("option", { value: x.value }, x.label))));
    } else select.append(el("option", { value: o.value }, o.label));
  }
  select.value = value;
}

function fillControls() {
  const levels = cat.data.levels;
  fillSelect($("level"), MAP_LEVELS.map((l) => ({ value: l, label: levels[l] })), state.level);
  const groups = new Map();
  for (const i of cat.data.indicators) {
    if (!i.available[state.level]) continue;
    if (!groups.has(i.family_label)) groups.set(i.family_label, []);
    groups.get(i.family_label).push({ value: i.id, label: i.label });
  }
  fillSelect($("indicator"), [...groups].map(([g, o]) => ({ group: g, options: o })), state.indicator);
  const avail = indicatorOf(state.indicator).available[state.level];
  const srcName = (s) => cat.data.sources[s]?.name ?? (s === "valuechain" ? "chaînes de valeur" : s === "exposure" ? "mondialisation (WIOD)" : s);
  fillSelect($("source"), Object.keys(avail).map((s) => ({ value: s, label: srcName(s) })), state.source);
  fillSelect($("period"), [...avail[state.source]].reverse().map((p) => ({ value: p, label: p })), state.period);
  $("method").value = state.method;
  $("area").value = state.area;
}

function breaksOf(values) {
  if (values.length < 2) return [];
  return state.method === "jenks" ? jenksBreaks(values, N_CLASSES) : quantileBreaks(values, N_CLASSES);
}

async function load() {
  const id = ++loadId;
  status.mapIdle = false;
  normalise();
  fillControls();
  writeState(state);
  setStatus("Chargement…");
  const { level, indicator, period, source } = state;
  try {
    const [geo, values, ranking, national] = await Promise.all([
      api.geo(level),
      api.values(level, indicator, period, source),
      RANK_LEVELS.has(level) ? api.ranking(level).catch(() => null) : Promise.resolve(null),
      api.values("fr", indicator, period, source).catch(() => null),
    ]);
    if (id !== loadId) return;
    if (shownLevel !== level) {
      await map.setLayer(geo);
      shownLevel = level;
      fillRegions(geo);
    }
    const byCode = new Map(values.data.map((r) => [r.code, r]));
    const rankBy = new Map((ranking?.data ?? []).map((r) => [r.code, r]));
    const rows = geo.features.map((f) => {
      const p = f.properties, v = byCode.get(p.code), rk = rankBy.get(p.code);
      return { ...p, value: v?.value ?? null, note: v?.note ?? "", rank: rk?.rank ?? null,
        score: rk?.score ?? null, rank_low: rk?.rank_low ?? null, rank_high: rk?.rank_high ?? null };
    });
    const ind = indicatorOf(indicator);
    view = { geo, values: byCode, ranking, rankBy, national: national?.data?.[0]?.value ?? null,
      meta: values.meta, rows, ind, cols: columns(ind, Boolean(ranking)),
      names: new Map(rows.map((r) => [r.code, r.name])) };
    view.breaks = breaksOf(rows.map((r) => r.value).filter((v) => v !== null));
    view.palette = colours(view.breaks.length + 1);
    refresh();
    renderAbout();
    if (state.selected) await openPanel(state.selected, { fly: status.views === 0 });
    await map.idle();
    if (id !== loadId) return;
    setStatus(null);
    status.views += 1;
    if (status.firstMapMs === null) status.firstMapMs = performance.now();
    status.mapIdle = true;
  } catch (err) {
    if (id !== loadId) return;
    status.error = err.message;
    setStatus(`Erreur : ${err.message}`);
  }
}

function fillRegions(geo) {
  const regs = new Map();
  for (const f of geo.features) if (f.properties.reg) regs.set(f.properties.reg, f.properties.reg_name);
  const opts = [{ value: "", label: "toutes" },
    ...[...regs].sort((a, b) => String(a[1]).localeCompare(String(b[1]), "fr"))
      .map(([v, l]) => ({ value: v, label: l ?? v }))];
  if (!regs.has(state.region)) state.region = "";
  fillSelect($("region"), opts, state.region);
}

// filters and sort: no refetch
function refresh() {
  const shown = filterRows(view.rows, state);
  const keep = new Set(shown.map((r) => r.code));
  const col = new Map();
  for (const r of view.rows) {
    if (r.value !== null) col.set(r.code, view.palette[classOf(r.value, view.breaks)]);
  }
  map.paint(col, new Set(view.rows.filter((r) => !keep.has(r.code)).map((r) => r.code)));
  map.select(state.selected);
  const sort = state.sort || (view.ranking ? "rank" : "-value");  // default: the ranking order
  view.shown = sortRows(shown, sort, view.cols);
  renderTable($("table"), { cols: view.cols, rows: view.shown, state: { ...state, sort },
    onSelect: (code) => select(code, { from: "table" }), onSort, onHover: (c) => map.setHover(c) });
  highlightRow($("table"), state.selected, { scroll: true });
  $("count").textContent = `${fr(view.shown.length, 0)} sur ${fr(view.rows.length, 0)} territoires`;
  $("table-title").textContent = `${cat.data.levels[state.level]} — ${view.ind.label} (${state.period})`;
  renderLegend();
  writeState(state);
}

function renderLegend() {
  const { breaks, palette, ind, rows } = view;
  const vals = rows.map((r) => r.value).filter((v) => v !== null);
  const lo = Math.min(...vals), hi = Math.max(...vals);
  const counts = new Array(palette.length).fill(0);
  for (const v of vals) counts[classOf(v, breaks)] += 1;
  const edges = [lo, ...breaks, hi];
  const items = palette.map((c, i) => el("li", {},
    el("span", { class: "swatch", dataset: { colour: c } }),
    `${fr(edges[i])} – ${fr(edges[i + 1])}`, el("span", { class: "n" }, ` (${counts[i]})`)));
  const missing = rows.length - vals.length;
  if (missing) {
    items.push(el("li", {}, el("span", { class: "swatch", dataset: { colour: NO_DATA } }),
      "sans donnée", el("span", { class: "n" }, ` (${missing})`)));
  }
  const node = clear($("legend"));
  node.append(el("h3", {}, ind.label), el("p", { class: "sub" }, `${ind.unit} · ${state.period} · ${state.method === "jenks" ? "seuils naturels (Jenks)" : "quantiles"}`),
    el("ul", { id: "legend-classes" }, items));
  for (const sw of node.querySelectorAll(".swatch")) sw.style.background = sw.dataset.colour;
}

function renderAbout() {
  const { ind, meta } = view;
  const first = [...view.values.values()][0];
  const node = clear($("about"));
  node.append(el("h2", { id: "about-title" }, ind.label),
    el("dl", { class: "facts" },
      el("dt", {}, "Définition"), el("dd", {}, ind.formula),
      el("dt", {}, "Unité"), el("dd", {}, ind.unit),
      el("dt", {}, "Sens"), el("dd", {}, ind.direction),
      el("dt", {}, "Période"), el("dd", { id: "about-period" }, state.period),
      el("dt", {}, "Source"), el("dd", {}, cat.data.sources[state.source]?.name ?? state.source),
      el("dt", {}, "Résolution"), el("dd", {}, first?.resolution ?? ind.resolution)),
    el("details", {}, el("summary", {}, "Millésimes et licences"),
      el("ul", { class: "prov" }, meta.sources.map((s) =>
        el("li", {}, `${s.source} — ${s.vintage} — ${s.licence}`)))));
  $("footer").textContent = `${meta.attribution} · store ${meta.build_hash} (construit le ${String(meta.built_at).slice(0, 10)})`;
}

function tooltip(code, point) {
  const t = $("tooltip");
  if (!code || !view) { t.hidden = true; return; }
  const r = view.rows.find((x) => x.code === code);
  if (!r) { t.hidden = true; return; }
  clear(t).append(el("strong", {}, r.name),
    el("div", {}, r.value === null ? (r.note || "sans donnée") : `${fr(r.value)} ${view.ind.unit}`),
    r.rank ? el("div", { class: "sub" }, `rang ${r.rank} (indice composite)`) : null);
  t.hidden = false;
  t.style.left = `${point.x + 14}px`;
  t.style.top = `${point.y + 14}px`;
}

async function openPanel(code, { fly = false } = {}) {
  status.panelReady = false;
  const node = $("panel");
  try {
    const answer = await api.territory(state.level, code);
    if (state.selected !== code) return;
    renderPanel(node, { answer, ind: view.ind, state, national: view.national, values: view.values,
      rankRow: view.rankBy.get(code), nRanked: view.rankBy.size, names: view.names,
      sources: cat.data.sources, levelLabel: cat.data.levels[state.level], onSelect: (c) => select(c, { from: "panel" }) });
    map.select(code, { fly });
    status.panelReady = true;
  } catch (err) {
    clear(node).append(el("p", { class: "error" }, `Erreur : ${err.message}`));
    node.hidden = false;
  }
}

async function select(code, { from }) {
  state.selected = code || "";
  writeState(state);
  map.select(state.selected, { fly: from !== "map" && Boolean(code) });
  highlightRow($("table"), state.selected, { scroll: from !== "table" });
  if (!code) { $("panel").hidden = true; status.panelReady = false; return; }
  await openPanel(code);
}

function onSort(sort) {
  state.sort = sort;
  refresh();
}

function bind() {
  const reload = (key) => (e) => {
    state[key] = e.target.value;
    if (key === "level") { state.selected = ""; state.region = ""; $("panel").hidden = true; }
    load();
  };
  for (const key of ["level", "indicator", "source", "period"]) $(key).addEventListener("change", reload(key));
  $("method").addEventListener("change", (e) => {
    state.method = e.target.value;
    view.breaks = breaksOf(view.rows.map((r) => r.value).filter((v) => v !== null));
    view.palette = colours(view.breaks.length + 1);
    refresh();
  });
  $("area").addEventListener("change", (e) => { state.area = e.target.value; refresh(); });
  $("region").addEventListener("change", (e) => { state.region = e.target.value; refresh(); });
  $("export").addEventListener("click", () => {
    const header = [`${view.ind.label} (${view.ind.unit}), ${state.period}, source ${cat.data.sources[state.source]?.name ?? state.source}`,
      `niveau ${cat.data.levels[state.level]} ; filtres : espace ${state.area || "tous"}, région ${state.region || "toutes"}`,
      `${view.meta.attribution} ; store ${view.meta.build_hash}`, `vue : ${window.location.href}`];
    download(`pacte-${state.level}-${state.indicator}-${state.period}.csv`, toCSV(view.cols, view.shown, header));
  });
  $("permalink").addEventListener("click", async () => {
    const url = window.location.href;
    try { await navigator.clipboard.writeText(url); setStatus("Lien copié"); } catch { setStatus(url); }
    setTimeout(() => setStatus(null), 2500);
  });
  for (const b of document.querySelectorAll(".insets button")) {
    b.addEventListener("click", () => map.view(b.dataset.view));
  }
  $("controls").addEventListener("submit", (e) => e.preventDefault());
}

async function boot() {
  try {
    cat = await api.catalogue();
  } catch (err) {
    status.error = err.message;
    setStatus(`Erreur : ${err.message}`);
    return;
  }
  bind();
  await load();
}

boot();
