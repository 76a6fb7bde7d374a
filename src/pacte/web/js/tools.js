// What the dashboard does beyond map, table and panel: play the periods, the ranked bar
// chart and the scatter plot, the indicator over time in the panel, the downloads of what
// is shown (several indicators, the map as PNG, the edited rule as YAML) and the rule
// editor. `app` is main.js's shared object (state, view, catalogue, map, helpers).

import { api } from "./api.js";
import { clear, el } from "./dom.js";
import { fr } from "./classify.js";
import { groupStats } from "./compare.js";
import { exportSelection, mapPNG, saveBlob, saveText } from "./exports.js";
import { renderPanel } from "./panel.js";
import { rankedBars, scatter } from "./plots.js";
import { timeChart } from "./chart.js";
import { applyEdits, decodeEdits, encodeEdits, isEdited, renderRuleEditor, toYAML } from "./rule.js";
import { writeState } from "./state.js";

const PLAY_MS = 1200;

function latest(app, id, level, prefer) {
  const avail = app.indicatorOf(id)?.available[level];
  if (!avail) return null;
  const source = avail[prefer] ? prefer : Object.keys(avail)[0];
  return { indicator: id, source, period: avail[source][avail[source].length - 1] };
}

// ---- time: play the periods of the current source
async function play(app) {
  const { state, $ } = app;
  if (app.playing) { app.playing = false; return; }
  const periods = app.indicatorOf(state.indicator).available[state.level][state.source];
  app.playing = true;
  $("play").textContent = "⏸ Pause";
  $("play").setAttribute("aria-pressed", "true");
  for (const p of periods) {
    if (!app.playing) break;
    state.period = p;
    if (state.from && state.from >= p) state.from = "";
    await app.load();
    app.status.plays += 1;
    await new Promise((r) => setTimeout(r, PLAY_MS));
  }
  app.playing = false;
  $("play").textContent = "▶ Lecture";
  $("play").setAttribute("aria-pressed", "false");
}

// ---- charts under the map: ranked bars and scatter, linked to the selection
async function renderPlots(app) {
  const { state, view, $ } = app;
  const box = clear($("plots"));
  $("ybox").hidden = state.tab !== "nuage";
  $("tablewrap").hidden = state.tab !== "table";
  box.hidden = state.tab === "table";
  for (const b of document.querySelectorAll(".tabs button")) b.setAttribute("aria-selected", String(b.dataset.tab === state.tab));
  const onSelect = (c) => app.select(c, { from: "plot" });
  if (state.tab === "barres") {
    box.append(rankedBars(view.shown, { selected: state.selected, unit: view.unit, onSelect }));
  } else if (state.tab === "nuage") {
    const y = latest(app, state.y || "lq_industry", state.level, state.source);
    if (!y) return;
    const yv = await api.values(state.level, y.indicator, y.period, y.source);
    const ys = new Map(yv.data.map((r) => [r.code, r.value]));
    const yi = app.indicatorOf(y.indicator);
    clear(box).append(scatter(view.shown.map((r) => ({ code: r.code, name: r.name, x: r.value, y: ys.get(r.code) ?? null })), {
      ax: { label: view.valueLabel, unit: view.unit }, ay: { label: `${yi.label} (${y.period})`, unit: yi.unit },
      selected: state.selected, onSelect }));
  }
}

export function renderExtras(app) {
  renderPlots(app).catch((err) => { app.status.error = err.message; });
}

// ---- the panel's indicator over time: territory, France, the group's median
async function renderTime(app, ctx) {
  const { state, view } = app;
  app.status.timeReady = false;
  const id = state.serie || state.indicator;
  const avail = app.indicatorOf(id)?.available[state.level];
  const host = document.getElementById("panel-time");
  if (!avail || !host) return;
  const source = avail[state.source] ? state.source : Object.keys(avail)[0];
  const [all, fra] = await Promise.all([api.values(state.level, id, "", source),
    api.values("fr", id, "", source).catch(() => null)]);
  const ind = app.indicatorOf(id);
  const code = ctx.answer.data.territory.code;
  const byPeriod = new Map();
  for (const r of all.data) {
    if (!byPeriod.has(r.period)) byPeriod.set(r.period, new Map());
    byPeriod.get(r.period).set(r.code, r);
  }
  const periods = [...byPeriod.keys()].sort();
  const codes = view.group?.codes ?? [];
  const lines = [
    { name: ctx.answer.data.territory.name, cls: "l-own", points: periods.map((p) => [p, byPeriod.get(p).get(code)?.value ?? null]) },
    { name: "France", cls: "l-fr", points: (fra?.data ?? []).map((r) => [r.period, r.value]) },
    { name: "Médiane du groupe", cls: "l-group", points: periods.map((p) => [p, groupStats(byPeriod.get(p), codes)?.median ?? null]) },
  ];
  const select = el("select", { id: "serie", "aria-label": "Indicateur au fil du temps" });
  app.fillSelect(select, app.indicatorOptions(state.level), id);
  select.addEventListener("change", () => { state.serie = select.value; writeState(state); renderTime(app, ctx); });
  clear(host).append(el("h3", {}, "Au fil du temps"), el("label", { class: "row" }, "Indicateur ", select),
    timeChart(lines, { label: `${ind.label}, ${app.srcName(source)}`, unit: ind.unit, id: "panel-timechart" })
      ?? el("p", { class: "sub" }, "Pas de série pour ce territoire."));
  app.status.timeReady = true;
}

async function afterPanel(app, ctx) {
  // the group's median of each key figure shown: the panel again, with them
  const node = document.getElementById("panel");
  if (ctx.keyRows?.length && ctx.group?.codes?.length) {
    const picked = await Promise.all(ctx.keyRows.map(async (r) => [`${r.indicator}|${r.source}|${r.period}`,
      new Map((await api.values(ctx.state.level, r.indicator, r.period, r.source)).data.map((x) => [x.code, x]))]));
    if (app.state.selected !== ctx.answer.data.territory.code) return;
    renderPanel(node, { ...ctx, groupValues: new Map(picked) });
  }
  await renderTime(app, ctx);
}

// ---- downloads
function selectedColumns(app) {
  const { state } = app;
  const ids = [...app.$("export-indicators").selectedOptions].map((o) => o.value);
  if (!ids.includes(state.indicator)) ids.unshift(state.indicator);
  return ids.map((id) => (id === state.indicator ? { indicator: id, source: state.source, period: state.period }
    : latest(app, id, state.level, state.source))).filter(Boolean);
}

async function downloadSelection(app, format) {
  const { state, view } = app;
  app.setStatus("Export en cours…");
  try {
    const blob = await exportSelection({ level: state.level, format, columns: selectedColumns(app),
      codes: view.shown.map((r) => r.code) });
    saveBlob(`pacte_selection_${state.level}.${format === "xlsx" ? "xlsx" : "csv"}`, blob);
    app.setStatus(null);
  } catch (err) { app.setStatus(`Erreur : ${err.message}`); }
}

async function downloadPNG(app) {
  const { view, state } = app;
  await app.map.idle();
  const blob = await mapPNG(app.map.map.getCanvas(), { title: `${app.cat.data.levels[state.level]} — ${view.valueLabel}`,
    legend: app.legend, sources: `${view.meta.attribution} · contours IGN · store ${view.meta.build_hash}` });
  saveBlob(`pacte_carte_${state.level}_${state.indicator}_${state.period}.png`, blob);
}

// ---- the rule editor
function ruleEditor(app, message) {
  const { state, $ } = app;
  const box = $("rule");
  if (!app.rule || !["epci", "ze2020"].includes(state.level)) {
    clear(box).append(el("p", { class: "sub" }, "Le classement existe aux niveaux EPCI et zones d'emploi 2020."));
    return;
  }
  const edits = decodeEdits(state.rule);
  const labels = Object.fromEntries(app.cat.data.indicators.map((i) => [i.id, i.label]));
  renderRuleEditor(box, { base: app.rule.data, edits, labels, srcName: app.srcName, status: message,
    onEdit: (e) => { state.rule = encodeEdits(e); writeState(state); },
    onRun: () => runRule(app),
    onReset: () => { state.rule = ""; writeState(state); ruleEditor(app); runRule(app); },
    onDownload: () => {
      const rule = applyEdits(app.rule.data, decodeEdits(state.rule));
      saveText(`regle_${state.level}.yaml`, toYAML(rule, [`Règle de ciblage pacte${isEdited(edits) ? ", modifiée dans le tableau de bord" : ""}.`,
        "À rejouer avec : pacte rank --weights CE_FICHIER.yaml", `Vue : ${window.location.href}`]), "application/yaml;charset=utf-8");
    } });
}

async function runRule(app) {
  const { state, $ } = app;
  const t0 = performance.now();
  $("rule-status").textContent = "Calcul du classement…";
  try {
    const ranking = await app.fetchRanking(state.level);
    app.setRanking(ranking);
    app.refresh();
    if (state.selected) await app.openPanel(state.selected);
    app.status.rankingRuns += 1;
    ruleEditor(app, `Classement recalculé en ${fr((performance.now() - t0) / 1000, 1)} s (${ranking.meta.draws} tirages, graine ${ranking.meta.seed}) : ${ranking.meta.rule}.`);
  } catch (err) {
    $("rule-status").textContent = `Erreur : ${err.message}`;
  }
}

export function bindTools(app) {
  const { state, $ } = app;
  app.afterPanel = (ctx) => afterPanel(app, ctx).catch((err) => { app.status.error = err.message; });
  $("play").addEventListener("click", () => play(app));
  for (const b of document.querySelectorAll(".tabs button")) {
    b.addEventListener("click", () => { state.tab = b.dataset.tab; writeState(state); renderPlots(app); });
  }
  app.fillSelect($("y"), app.indicatorOptions("epci"), state.y || "lq_industry");
  $("y").addEventListener("change", (e) => { state.y = e.target.value; writeState(state); renderPlots(app); });
  app.fillSelect($("export-indicators"), app.indicatorOptions("epci"), "");
  $("export-csv").addEventListener("click", () => downloadSelection(app, "csv-fr"));
  $("export-xlsx").addEventListener("click", () => downloadSelection(app, "xlsx"));
  $("png").addEventListener("click", () => downloadPNG(app).catch((err) => app.setStatus(`Erreur : ${err.message}`)));
  $("rule-open").addEventListener("click", () => {
    const card = $("rule");
    card.hidden = !card.hidden;
    $("rule-open").setAttribute("aria-expanded", String(!card.hidden));
    if (!card.hidden) {
      app.ruleP.then((r) => { app.rule = app.rule ?? r; ruleEditor(app); card.querySelector("input, select, button")?.focus(); });
    }
  });
  if (state.rule) { $("rule").hidden = false; app.ruleP.then((r) => { app.rule = app.rule ?? r; ruleEditor(app); }); }
}
