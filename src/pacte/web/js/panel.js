// The territory panel: identity, the indicator shown vs France and peers, key figures vs
// France, composite rank and its interval, job series chart, sector mix, peers, and the
// links to the territory's profile (PDF and HTML, served by the API).

import { el, clear } from "./dom.js";
import { fr } from "./classify.js";
import { barChart, jobSeries, lineChart, sectorMix } from "./chart.js";

// Levels with a profile (pacte.geography.PROFILE_LEVELS)
const PROFILE_LEVELS = ["epci", "ze2020", "ze2010", "dep", "reg"];
const HEADLINE = ["industry_share", "lq_industry", "industry_job_change_rel", "resistance",
  "job_change_rel", "drop_from_peak", "import_exposure_china", "supported_jobs_local"];

function median(xs) {
  const v = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (!v.length) return null;
  const h = Math.floor(v.length / 2);
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

// ctx: {answer, ind, state, national, values (code -> row), rankRow, names, sources, onSelect}
export function renderPanel(root, ctx) {
  clear(root);
  root.hidden = false;
  // DOM append() would write "null" for the optional parts
  const node = { append: (...xs) => root.append(...xs.filter((x) => x !== null && x !== undefined)) };
  const t = ctx.answer.data.territory;
  const parents = ctx.answer.data.parents;
  const unit = ctx.ind.unit;
  const own = ctx.values.get(t.code);
  node.append(
    el("button", { type: "button", class: "close", "aria-label": "Fermer", onclick: () => ctx.onSelect("") }, "×"),
    el("h2", { id: "panel-name" }, t.name),
    el("p", { class: "sub" }, `${ctx.levelLabel} ${t.code}`,
      parents.length ? ` · ${parents.map((p) => p.name).join(" · ")}` : ""),
    el("dl", { class: "facts" },
      el("dt", {}, "Population (2023)"), el("dd", {}, fr(t.population, 0)),
      t.area_type ? [el("dt", {}, "Type d'espace"), el("dd", {}, t.area_type)] : null,
      t.n_communes ? [el("dt", {}, "Communes"), el("dd", {}, fr(t.n_communes, 0))] : null),
  );

  // the indicator on the map, vs France and peers
  const ranked = [...ctx.values.values()].filter((r) => r.value !== null)
    .sort((a, b) => b.value - a.value);
  const pos = ranked.findIndex((r) => r.code === t.code);
  const peers = (ctx.rankRow?.peers ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const peerMedian = median(peers.map((c) => ctx.values.get(c)?.value));
  node.append(el("h3", {}, `${ctx.ind.label} (${ctx.state.period})`),
    el("table", { class: "figures", id: "panel-figures" },
      el("tbody", {},
        el("tr", {}, el("th", {}, t.name), el("td", { id: "panel-value" }, `${fr(own?.value)} ${unit}`)),
        el("tr", {}, el("th", {}, "France"), el("td", {}, ctx.national === null ? "—" : `${fr(ctx.national)} ${unit}`)),
        peers.length ? el("tr", {}, el("th", {}, `Médiane des ${peers.length} territoires semblables`),
          el("td", {}, `${fr(peerMedian)} ${unit}`)) : null,
        pos >= 0 ? el("tr", {}, el("th", {}, "Position (valeur décroissante)"),
          el("td", {}, `${pos + 1}e sur ${ranked.length}`)) : null)),
    own?.note ? el("p", { class: "note" }, own.note) : null);

  if (ctx.rankRow) {
    const r = ctx.rankRow;
    node.append(el("h3", {}, "Indice composite de vulnérabilité"),
      el("p", { id: "panel-rank" },
        el("strong", {}, `${r.rank}e`), ` sur ${ctx.nRanked} — intervalle à 90 % : `,
        el("strong", {}, `${r.rank_low}e – ${r.rank_high}e`), ` (score ${fr(r.score, 2)})`),
      el("p", { class: "sub" }, `${r.type} ; dimension principale : ${r.top_dimension}`));
  }

  const ind = ctx.answer.data.indicators ?? [];
  const key = [];
  for (const id of HEADLINE) {
    const rows = ind.filter((r) => r.indicator === id && r.value !== null);
    if (!rows.length) continue;
    const pref = rows.filter((r) => r.source === ctx.state.source);
    const pick = (pref.length ? pref : rows).sort((a, b) => (a.period < b.period ? 1 : -1))[0];
    key.push(pick);
  }
  if (key.length) {
    node.append(el("h3", {}, "Chiffres clés (France en regard)"),
      el("table", { class: "figures" },
        el("thead", {}, el("tr", {}, el("th", {}, "Indicateur"), el("th", {}, "Territoire"), el("th", {}, "France"))),
        el("tbody", {}, key.map((r) => el("tr", {},
          el("th", {}, `${r.label} (${r.period}, ${ctx.sources[r.source]?.name ?? r.source})`),
          el("td", {}, `${fr(r.value)} ${r.unit}`),
          el("td", {}, r.national === null ? "—" : `${fr(r.national)} ${r.unit}`))))));
  }

  const series = jobSeries(ctx.answer.data.jobs ?? [], ctx.sources);
  if (series && series.lines.length) {
    node.append(el("h3", {}, "Emplois"), lineChart(series));
  }

  if (peers.length) {
    node.append(el("h3", {}, "Territoires les plus semblables"),
      el("ul", { class: "peers" }, peers.map((c) => el("li", {},
        el("a", { href: "#", onclick: (e) => { e.preventDefault(); ctx.onSelect(c); } },
          ctx.names.get(c) ?? c)))));
  }
  const mix = sectorMix(ctx.answer.data.jobs ?? [], ctx.sources);
  if (mix && mix.parts.length > 1) {
    node.append(el("h3", {}, "Répartition des emplois par secteur"), barChart(mix));
  }

  if (PROFILE_LEVELS.includes(ctx.state.level)) {
    const base = `api/profile/${encodeURIComponent(ctx.state.level)}/${encodeURIComponent(t.code)}`;
    node.append(el("h3", {}, "Profil du territoire"),
      el("p", { class: "links", id: "panel-profile" },
        el("a", { href: `${base}?format=pdf`, target: "_blank", rel: "noopener" }, "Profil PDF (2 pages A4)"),
        " · ",
        el("a", { href: `${base}?format=html`, target: "_blank", rel: "noopener" }, "Profil HTML (avec l'annexe)")));
  }
}
