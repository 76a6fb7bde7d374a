// pacte dashboard: map and table linked, territory panel, permalink. Every request goes to
// the server that served this page (API under api/, layers under geo/).

import { api } from "./api.js";
import { addBasinLayer } from "./basins.js";
import { classOf, fr, viewBreaks, viewPalette } from "./classify.js";
import { clear, el } from "./dom.js";
import { legendModel, renderLegend } from "./legend.js";
import { TerritoryMap } from "./map.js";
import { renderPanel } from "./panel.js";
import { MAP_LEVELS, RANK_LEVELS, readState, writeState } from "./state.js";
import { columns, filterRows, highlightRow, renderTable, sortRows } from "./table.js";
import { bindSearch } from "./search.js";
import { GROUPS } from "./compare.js";
import { applyEdits, decodeEdits } from "./rule.js";
import { bindTools, renderExtras } from "./tools.js";
import { loadGroup, renderAbout } from "./side.js";

const N_CLASSES = 5;
const MAX_RADIUS = 28;
const $ = (id) => document.getElementById(id);

// flags read by the browser test and the benchmark (no fixed sleeps)
const status = { mapIdle: false, panelReady: false, views: 0, firstMapMs: null, error: null,
  timeReady: false, rankingRuns: 0, plays: 0 };
window.pacte = status;

const app = { state: readState(), cat: null, meta: null, rule: null, view: null, status, $ };
let loadId = 0;
let shownLevel = null;

const map = new TerritoryMap($("map"), {
  onHover: (code, point) => tooltip(code, point),
  onClick: (code) => select(code, { from: "map" }),
});
window.pacteMap = map.map;
app.map = map;
addBasinLayer(map.map, document.querySelector(".insets"));

function setStatus(text) {
  const s = $("status");
  s.textContent = text ?? "";
  s.hidden = !text;
}
app.setStatus = setStatus;

function indicatorOf(id) { return app.cat.data.indicators.find((i) => i.id === id); }
app.indicatorOf = indicatorOf;
app.srcName = (s) => app.meta?.data.source_names[s] ?? app.cat.data.sources[s]?.name ?? s;

function normalise() {
  const state = app.state;
  if (!MAP_LEVELS.includes(state.level)) state.level = "epci";
  const usable = app.cat.data.indicators.filter((i) => i.available[state.level]);
  if (!usable.some((i) => i.id === state.indicator)) state.indicator = usable[0].id;
  const avail = indicatorOf(state.indicator).available[state.level];
  if (!avail[state.source]) state.source = Object.keys(avail)[0];
  const periods = avail[state.source];
  if (!periods.includes(state.period)) state.period = periods[periods.length - 1];
  if (state.from && (!periods.includes(state.from) || state.from >= state.period)) state.from = "";
  if (!["quantiles", "jenks"].includes(state.method)) state.method = "quantiles";
  if (!["", "rural", "urbain"].includes(state.area)) state.area = "";
  if (!GROUPS.some((g) => g.value === state.group)) state.group = "semblables";
  if (!["table", "barres", "nuage"].includes(state.tab)) state.tab = "table";
}

export function fillSelect(select, options, value) {
  clear(select);
  for (const o of options) {
    if (o.group) {
      select.append(el("optgroup", { label: o.group },
        o.options.map((x) => el("option", { value: x.value }, x.label))));
    } else select.append(el("option", { value: o.value }, o.label));
  }
  select.value = value;
}
app.fillSelect = fillSelect;

export function indicatorOptions(level) {
  const groups = new Map();
  for (const i of app.cat.data.indicators) {
    if (!i.available[level]) continue;
    if (!groups.has(i.family_label)) groups.set(i.family_label, []);
    groups.get(i.family_label).push({ value: i.id, label: i.label });
  }
  return [...groups].map(([g, o]) => ({ group: g, options: o }));
}
app.indicatorOptions = indicatorOptions;

function fillControls() {
  const { state, cat } = app;
  fillSelect($("level"), MAP_LEVELS.map((l) => ({ value: l, label: cat.data.levels[l] })), state.level);
  fillSelect($("indicator"), indicatorOptions(state.level), state.indicator);
  const avail = indicatorOf(state.indicator).available[state.level];
  fillSelect($("source"), Object.keys(avail).map((s) => ({ value: s, label: app.srcName(s) })), state.source);
  const periods = avail[state.source];
  fillSelect($("period"), [...periods].reverse().map((p) => ({ value: p, label: p })), state.period);
  fillSelect($("from"), [{ value: "", label: "aucune (valeurs)" },
    ...periods.filter((p) => p < state.period).reverse().map((p) => ({ value: p, label: `depuis ${p}` }))], state.from);
  $("method").value = state.method;
  $("area").value = state.area;
  $("group").value = state.group;
  $("codes-box").hidden = state.group !== "codes";
  $("codes").value = state.codes;
}

const breaksOf = (values) => viewBreaks(values, Boolean(app.view?.change), app.state.method, N_CLASSES);

// the ranking: the stored one, or the edited rule's (POST api/ranking)
export async function fetchRanking(level) {
  if (!RANK_LEVELS.has(level)) return null;
  const edits = decodeEdits(app.state.rule);
  if (app.state.rule) app.rule = app.rule ?? await app.ruleP;
  if (app.state.rule && app.rule) {
    return api.rankingRule(level, applyEdits(app.rule.data, edits));
  }
  return api.ranking(level).catch(() => null);
}

async function load() {
  const id = ++loadId;
  status.mapIdle = false;
  normalise();
  fillControls();
  writeState(app.state);
  setStatus("Chargement…");
  const { level, indicator, period, source, from } = app.state;
  try {
    const [geo, values, ranking, national, before, nationalBefore, meta] = await Promise.all([
      api.geo(level),
      api.values(level, indicator, period, source),
      fetchRanking(level),
      api.values("fr", indicator, period, source).catch(() => null),
      from ? api.values(level, indicator, from, source) : Promise.resolve(null),
      from ? api.values("fr", indicator, from, source).catch(() => null) : Promise.resolve(null),
      app.metaP,
    ]);
    if (id !== loadId) return;
    if (!app.meta && meta) { app.meta = meta; fillControls(); }  // French names of the models
    if (shownLevel !== level) {
      await map.setLayer(geo);
      shownLevel = level;
      fillRegions(geo);
      app.search = geo.features.map((f) => f.properties);
      // maplibre posts the layer to its worker from promise callbacks: let them run before
      // the colours and the table take the main thread (else the worker waited for them)
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (id !== loadId) return;
    }
    const ind = indicatorOf(indicator);
    const change = Boolean(before);
    let byCode = new Map(values.data.map((r) => [r.code, r]));
    let nationalValue = national?.data?.[0]?.value ?? null;
    if (change) {  // the map of change between two periods
      const old = new Map(before.data.map((r) => [r.code, r]));
      byCode = new Map([...byCode].map(([c, r]) => {
        const o = old.get(c)?.value;
        const v = r.value === null || o === null || o === undefined ? null : r.value - o;
        return [c, { ...r, value: v }];
      }));
      const nb = nationalBefore?.data?.[0]?.value;
      nationalValue = nationalValue === null || nb === null || nb === undefined ? null : nationalValue - nb;
    }
    const unit = change && ind.unit === "%" ? "points de %" : ind.unit;
    const valueLabel = change ? `Évolution ${from}-${period} : ${ind.label}` : `${ind.label} (${period})`;
    const rows = geo.features.map((f) => ({ ...f.properties, value: byCode.get(f.properties.code)?.value ?? null,
      note: byCode.get(f.properties.code)?.note ?? "" }));
    app.view = { geo, values: byCode, national: nationalValue, meta: values.meta, rows, ind, unit, valueLabel,
      change, circles: ind.unit === "emplois", names: new Map(rows.map((r) => [r.code, r.name])) };
    setRanking(ranking);
    app.view.breaks = breaksOf(rows.map((r) => r.value).filter((v) => v !== null));
    app.view.palette = viewPalette(app.view);
    // the first view's table (1,255 rows: ~0.2 s of script and as much of layout in
    // Chromium) is drawn once the map is, not while maplibre's worker cuts its tiles
    const first = status.firstMapMs === null;
    refresh({ rows: !first });
    renderAbout(app);
    if (app.state.selected) await openPanel(app.state.selected, { fly: status.views === 0 });
    await map.idle();
    if (id !== loadId) return;
    if (first) {
      status.firstMapMs = performance.now();
      renderRows();
    }
    setStatus(null);
    status.views += 1;
    status.mapIdle = true;
  } catch (err) {
    if (id !== loadId) return;
    status.error = err.message;
    setStatus(`Erreur : ${err.message}`);
  }
}
app.load = load;
app.fetchRanking = fetchRanking;

// put a ranking answer (stored or recomputed) into the view's rows and the table columns
export function setRanking(ranking) {
  const view = app.view;
  view.ranking = ranking;
  view.rankBy = new Map((ranking?.data ?? []).map((r) => [r.code, r]));
  for (const r of view.rows) {
    const rk = view.rankBy.get(r.code);
    Object.assign(r, { rank: rk?.rank ?? null, score: rk?.score ?? null, rank_low: rk?.rank_low ?? null,
      rank_high: rk?.rank_high ?? null });
  }
  view.cols = columns({ label: view.valueLabel, unit: view.unit }, Boolean(ranking), view.groupSet);
}
app.setRanking = setRanking;

function fillRegions(geo) {
  const regs = new Map();
  for (const f of geo.features) if (f.properties.reg) regs.set(f.properties.reg, f.properties.reg_name);
  const opts = [{ value: "", label: "toutes" },
    ...[...regs].sort((a, b) => String(a[1]).localeCompare(String(b[1]), "fr"))
      .map(([v, l]) => ({ value: v, label: l ?? v }))];
  if (!regs.has(app.state.region)) app.state.region = "";
  fillSelect($("region"), opts, app.state.region);
}

// filters and sort: no refetch; rows: false leaves the table and charts to renderRows()
function refresh({ rows = true } = {}) {
  const { view, state } = app;
  const shown = filterRows(view.rows, state, view.groupSet);
  const keep = new Set(shown.map((r) => r.code));
  const out = new Set(view.rows.filter((r) => !keep.has(r.code)).map((r) => r.code));
  const col = new Map(), circ = new Map();
  const maxAbs = Math.max(0, ...view.rows.map((r) => Math.abs(r.value ?? 0)));
  for (const r of view.rows) {
    if (r.value === null) continue;
    const colour = view.palette[classOf(r.value, view.breaks)];
    if (view.circles) circ.set(r.code, { r: MAX_RADIUS * Math.sqrt(Math.abs(r.value) / (maxAbs || 1)), colour });
    else col.set(r.code, colour);
  }
  if (view.circles) for (const r of view.rows) if (r.value !== null) col.set(r.code, "#f1f1ee");
  map.paint(col, out);
  map.circles(circ, out);
  map.select(state.selected);
  for (const r of view.rows) {  // gap to the group's median, for the table
    r.gap = view.groupMedian === undefined || view.groupMedian === null || r.value === null ? null : r.value - view.groupMedian;
  }
  const sort = state.sort || (view.ranking ? "rank" : "-value");  // default: the ranking order
  view.shown = sortRows(shown, sort, view.cols);
  $("count").textContent = `${fr(view.shown.length, 0)} sur ${fr(view.rows.length, 0)} territoires`;
  $("table-title").textContent = `${app.cat.data.levels[state.level]} — ${view.valueLabel}`;
  app.legend = legendModel(view, { title: view.valueLabel,
    subtitle: `${view.unit} · ${app.srcName(state.source)} · ${view.change ? "classes symétriques autour de zéro" : state.method === "jenks" ? "seuils naturels (Jenks)" : "quantiles"}${view.circles ? " · cercles proportionnels" : ""}` });
  renderLegend($("legend"), app.legend);
  if (rows) renderRows();
  writeState(state);
}
app.refresh = refresh;

// the table (view.shown, in its order) and the charts of the current tab
function renderRows() {
  const { view, state } = app;
  const sort = state.sort || (view.ranking ? "rank" : "-value");
  renderTable($("table"), { cols: view.cols, rows: view.shown, state: { ...state, sort }, group: view.groupSet,
    onSelect: (code) => select(code, { from: "table" }), onSort, onHover: (c) => map.setHover(c) });
  highlightRow($("table"), state.selected, { scroll: true });
  renderExtras(app);
}

function tooltip(code, point) {
  const t = $("tooltip");
  if (!code || !app.view) { t.hidden = true; return; }
  const r = app.view.rows.find((x) => x.code === code);
  if (!r) { t.hidden = true; return; }
  clear(t).append(el("strong", {}, r.name),
    el("div", {}, r.value === null ? (r.note || "sans donnée") : `${fr(r.value)} ${app.view.unit}`),
    r.rank ? el("div", { class: "sub" }, `rang ${r.rank} (indice composite)`) : null);
  t.hidden = false;
  t.style.left = `${point.x + 14}px`;
  t.style.top = `${point.y + 14}px`;
}

async function openPanel(code, { fly = false } = {}) {
  status.panelReady = false;
  const node = $("panel");
  const { state, view } = app;
  try {
    const [answer] = await Promise.all([api.territory(state.level, code), loadGroup(app, code)]);
    if (state.selected !== code) return;
    const ctx = { answer, ind: view.ind, state, national: view.national, values: view.values,
      rankRow: view.rankBy.get(code), nRanked: view.rankBy.size, names: view.names, unit: view.unit,
      valueLabel: view.valueLabel, sources: app.cat.data.sources, sourceNames: app.meta?.data.source_names ?? {},
      sectors: app.meta?.data.series_sectors ?? {}, group: view.group, ruleEdited: Boolean(state.rule),
      levelLabel: app.cat.data.levels[state.level], onSelect: (c) => select(c, { from: "panel" }) };
    ctx.keyRows = renderPanel(node, ctx);
    map.select(code, { fly });
    status.panelReady = true;
    app.panelCtx = ctx;
    app.afterPanel?.(ctx);
  } catch (err) {
    clear(node).append(el("p", { class: "error" }, `Erreur : ${err.message}`));
    node.hidden = false;
  }
}
app.openPanel = openPanel;

async function select(code, { from }) {
  const { state } = app;
  state.selected = code || "";
  writeState(state);
  map.select(state.selected, { fly: from !== "map" && Boolean(code) });
  highlightRow($("table"), state.selected, { scroll: from !== "table" });
  if (!code) {
    $("panel").hidden = true; status.panelReady = false;
    Object.assign(app.view, { group: null, groupSet: null, groupMedian: null });
    setRanking(app.view.ranking); refresh();
    return;
  }
  await openPanel(code);
}
app.select = select;

function onSort(sort) {
  app.state.sort = sort;
  refresh();
}

// a new level keeps the selected territory: the one of the new level that holds the
// largest part of its population (an EPCI's zone d'emploi, and back)
async function changeLevel(level) {
  const { state } = app;
  const old = state.level, code = state.selected;
  status.mapIdle = false; status.panelReady = false;
  state.level = level; state.region = "";
  state.selected = "";
  if (code) {
    try { state.selected = (await api.locate(old, code, level)).data.code; } catch { state.selected = ""; }
  }
  if (!state.selected) $("panel").hidden = true;
  await load();
}

function bind() {
  const { state } = app;
  $("level").addEventListener("change", (e) => changeLevel(e.target.value));
  for (const key of ["indicator", "source", "period", "from"]) {
    $(key).addEventListener("change", (e) => { state[key] = e.target.value; load(); });
  }
  $("method").addEventListener("change", (e) => {
    state.method = e.target.value;
    app.view.breaks = breaksOf(app.view.rows.map((r) => r.value).filter((v) => v !== null));
    app.view.palette = viewPalette(app.view);
    refresh();
  });
  $("area").addEventListener("change", (e) => { state.area = e.target.value; refresh(); });
  $("region").addEventListener("change", (e) => { state.region = e.target.value; refresh(); });
  $("ingroup").addEventListener("change", (e) => { state.onlyGroup = e.target.checked; refresh(); });
  fillSelect($("group"), GROUPS, state.group);
  $("group").addEventListener("change", (e) => {
    state.group = e.target.value;
    $("codes-box").hidden = state.group !== "codes";
    if (state.selected && (state.group !== "codes" || state.codes)) openPanel(state.selected);
    writeState(state);
  });
  $("codes-apply").addEventListener("click", () => {
    state.codes = $("codes").value.split(/[\s,;]+/).filter(Boolean).join(",");
    if (state.selected) openPanel(state.selected);
    writeState(state);
  });
  $("codes-file").addEventListener("change", async (e) => {
    const f = e.target.files[0];
    if (!f) return;
    $("codes").value = (await f.text()).split(/[\s,;]+/).filter(Boolean).join(",");
    $("codes-apply").click();
  });
  $("permalink").addEventListener("click", async () => {
    const url = window.location.href;
    try { await navigator.clipboard.writeText(url); setStatus("Lien copié"); } catch { setStatus(url); }
    setTimeout(() => setStatus(null), 2500);
  });
  for (const b of document.querySelectorAll(".insets button")) b.addEventListener("click", () => map.view(b.dataset.view));
  $("controls").addEventListener("submit", (e) => e.preventDefault());
  bindSearch($("search"), $("search-list"), { rows: () => app.search ?? [], onPick: (code) => select(code, { from: "search" }) });
  bindTools(app);
}

async function boot() {
  try {
    // the metadata sheets and the rule are not on the first map's path: asked now, awaited
    // where they are needed
    app.metaP = api.metadata().catch(() => null);
    app.ruleP = api.rule().catch(() => null);
    app.cat = await api.catalogue();
    app.state.onlyGroup = false;
  } catch (err) {
    status.error = err.message;
    setStatus(`Erreur : ${err.message}`);
    return;
  }
  bind();
  await load();
}

boot();
