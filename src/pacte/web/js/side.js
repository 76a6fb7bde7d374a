// The side cards: the indicator's metadata sheet (the catalogue's text, downloadable) and
// the comparison group of the selected territory (API), with its median for the table.

import { api } from "./api.js";
import { clear, el } from "./dom.js";

export function renderAbout(app) {
  const { view, state, $ } = app;
  const sheet = app.meta?.data.indicators.find((i) => i.id === view.ind.id);
  const first = [...view.values.values()][0];
  const node = clear($("about"));
  const dd = (t, v, id) => [el("dt", {}, t), el("dd", { id }, v)];
  node.append(el("h2", { id: "about-title" }, view.ind.label),
    el("dl", { class: "facts", id: "about-sheet" },
      dd("Définition", sheet?.formula ?? view.ind.formula), dd("Unité", view.ind.unit), dd("Sens", view.ind.direction),
      dd("Période", state.period, "about-period"), dd("Source", app.srcName(state.source)),
      dd("Résolution", first?.resolution ?? view.ind.resolution),
      sheet ? [...dd("Sources", sheet.sources), ...dd("Niveaux", sheet.levels), ...dd("Périodes", sheet.periods)] : null),
    el("details", {}, el("summary", {}, "Millésimes et licences"),
      el("ul", { class: "prov" }, view.meta.sources.map((s) => el("li", {}, `${s.source} — ${s.vintage} — ${s.licence}`)))),
    el("p", { class: "links" }, el("a", { id: "about-download", href: `api/metadata/${encodeURIComponent(view.ind.id)}?format=html`,
      download: `pacte_fiche_${view.ind.id}.html` }, "Télécharger la fiche de métadonnées")));
  $("footer").textContent = `${view.meta.attribution} · store ${view.meta.build_hash} (construit le ${String(view.meta.built_at).slice(0, 10).split("-").reverse().join("/")})`;
}

// the comparison group of the selected territory (API), then its values for the panel
export async function loadGroup(app, code) {
  const { state, view } = app;
  try {
    const g = await api.compare(state.level, code, state.group, state.group === "codes" ? state.codes : "");
    if (state.selected !== code) return null;
    view.group = g.data;
    view.groupSet = new Set(g.data.codes);
    const vals = g.data.codes.map((c) => view.values.get(c)?.value).filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
    view.groupMedian = vals.length ? (vals[Math.floor((vals.length - 1) / 2)] + vals[Math.ceil((vals.length - 1) / 2)]) / 2 : null;
  } catch (err) {
    view.group = { label: `erreur : ${err.message}`, codes: [] };
    view.groupSet = null;
    view.groupMedian = null;
  }
  app.setRanking(view.ranking);
  app.refresh();
  return view.group;
}
