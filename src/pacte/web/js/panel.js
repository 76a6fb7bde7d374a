// The territory panel: identity, the indicator shown vs France and the comparison group the
// user chose (median and distribution), key figures vs France and the group, composite rank
// and its interval, the indicator over time (territory, France, group median), job series,
// sector mix (the rows and total of `pacte show`), the group's members, and the territory's
// profile (PDF and HTML, served by the API).

import { el, clear } from "./dom.js";
import { fr } from "./classify.js";
import { barChart, jobSeries, lineChart, sectorMix } from "./chart.js";
import { distributionStrip, groupStats, positionIn } from "./compare.js";

// Levels with a profile (pacte.geography.PROFILE_LEVELS)
const PROFILE_LEVELS = ["epci", "ze2020", "ze2010", "dep", "reg"];
const HEADLINE = ["industry_share", "lq_industry", "industry_job_change_rel", "resistance",
  "job_change_rel", "drop_from_peak", "import_exposure_china", "supported_jobs_local"];

function ordinal(n) { return n === 1 ? "1er" : `${n}\u1d49`; }

// ctx: {answer, ind, state, national, values (code -> row), rankRow, nRanked, names,
//       sources, sourceNames, sectors, group {label, codes}, groupValues (indicator -> Map),
//       levelLabel, valueLabel, unit, onSelect}
export function renderPanel(root, ctx) {
  clear(root);
  root.hidden = false;
  const node = { append: (...xs) => root.append(...xs.filter((x) => x !== null && x !== undefined)) };
  const t = ctx.answer.data.territory;
  const parents = ctx.answer.data.parents;
  const unit = ctx.unit;
  const own = ctx.values.get(t.code);
  const srcName = (s) => ctx.sourceNames[s] ?? ctx.sources[s]?.name ?? s;
  node.append(
    el("button", { type: "button", class: "close", "aria-label": "Fermer le panneau", onclick: () => ctx.onSelect("") }, "×"),
    el("h2", { id: "panel-name" }, t.name),
    el("p", { class: "sub" }, `${ctx.levelLabel} ${t.code}`,
      parents.length ? ` · ${parents.map((p) => p.name).join(" · ")}` : ""),
    el("dl", { class: "facts" },
      el("dt", {}, "Population (2023)"), el("dd", {}, fr(t.population, 0)),
      t.area_type ? [el("dt", {}, "Type d'espace"), el("dd", {}, t.area_type)] : null,
      t.n_communes ? [el("dt", {}, "Communes"), el("dd", {}, fr(t.n_communes, 0))] : null),
  );

  // the indicator on the map, vs France and the comparison group
  const ranked = [...ctx.values.values()].filter((r) => r.value !== null).sort((a, b) => b.value - a.value);
  const pos = ranked.findIndex((r) => r.code === t.code);
  const codes = ctx.group?.codes ?? [];
  const stats = groupStats(ctx.values, codes);
  node.append(el("h3", {}, `${ctx.valueLabel} (${unit})`),
    el("table", { class: "figures", id: "panel-figures" },
      el("tbody", {},
        el("tr", {}, el("th", { scope: "row" }, t.name), el("td", { id: "panel-value" }, `${fr(own?.value)} ${unit}`)),
        el("tr", {}, el("th", { scope: "row" }, "France"), el("td", {}, ctx.national === null ? "—" : `${fr(ctx.national)} ${unit}`)),
        stats ? el("tr", {}, el("th", { scope: "row" }, `Médiane du groupe (${stats.n} territoires)`),
          el("td", { id: "panel-group-median" }, `${fr(stats.median)} ${unit}`)) : null,
        stats && own?.value !== null && own?.value !== undefined ? el("tr", {}, el("th", { scope: "row" }, "Position dans le groupe"),
          el("td", { id: "panel-group-pos" }, `${ordinal(positionIn(stats, own.value))} sur ${stats.n + 1}`)) : null,
        pos >= 0 ? el("tr", {}, el("th", { scope: "row" }, "Position en France (valeur décroissante)"),
          el("td", {}, `${ordinal(pos + 1)} sur ${fr(ranked.length, 0)}`)) : null)),
    ctx.group ? el("p", { class: "sub", id: "panel-group" }, `Groupe de comparaison : ${ctx.group.label}`) : null,
    stats ? distributionStrip(stats, own?.value ?? null, { unit }) : null,
    own?.note ? el("p", { class: "note" }, own.note) : null);

  if (ctx.rankRow) {
    const r = ctx.rankRow;
    node.append(el("h3", {}, `Indice composite de vulnérabilité${ctx.ruleEdited ? " (règle modifiée)" : ""}`),
      el("p", { id: "panel-rank" },
        el("strong", {}, ordinal(r.rank)), ` sur ${fr(ctx.nRanked, 0)} — intervalle à 90 % : `,
        el("strong", {}, `${ordinal(r.rank_low)} – ${ordinal(r.rank_high)}`), ` (score ${fr(r.score, 2)})`),
      r.eligible === false ? el("p", { class: "note" }, `Non éligible : ${r.eligibility_note}`) : null,
      el("p", { class: "sub" }, `${r.type} ; dimension principale : ${r.top_dimension}`));
  }

  const ind = ctx.answer.data.indicators ?? [];
  // the key figures declared once (catalogue/headline.py): the profile's and `pacte show`'s
  const key = (ctx.answer.data.headline ?? []).filter((r) => r.value !== null);
  if (!key.length) for (const id of HEADLINE) {
    const rows = ind.filter((r) => r.indicator === id && r.value !== null);
    if (!rows.length) continue;
    const pref = rows.filter((r) => r.source === ctx.state.source);
    key.push((pref.length ? pref : rows).sort((a, b) => (a.period < b.period ? 1 : -1))[0]);
  }
  if (key.length) {
    const gv = ctx.groupValues ?? new Map();
    node.append(el("h3", {}, "Chiffres clés (France et groupe en regard)"),
      el("table", { class: "figures keys", id: "panel-keys" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Indicateur"), el("th", { scope: "col" }, "Territoire"),
          el("th", { scope: "col" }, "France"), el("th", { scope: "col" }, "Groupe"))),
        el("tbody", {}, key.map((r) => {
          const g = gv.get(`${r.indicator}|${r.source}|${r.period}`);
          const gs = g ? groupStats(g, codes) : null;
          return el("tr", {},
            el("th", { scope: "row" }, `${r.label} (${r.unit}) `, el("span", { class: "sub" }, `${r.period}, ${srcName(r.source)}${r.resolution_short ? ` (${r.resolution_short})` : ""}`)),
            el("td", {}, fr(r.value)), el("td", {}, r.national === null ? "—" : fr(r.national)),
            el("td", {}, g ? (gs ? fr(gs.median) : "—") : "…"));
        }))));
  }

  node.append(el("div", { id: "panel-time" }));

  const series = jobSeries(ctx.answer.data.jobs ?? [], ctx.sources);
  if (series && series.lines.length) node.append(el("h3", {}, "Emplois"), lineChart(series));
  const mix = sectorMix(ctx.answer.data.jobs ?? [], ctx.sources, ctx.sectors);
  if (mix && mix.parts.length > 1) node.append(el("h3", {}, "Répartition des emplois par secteur"), barChart(mix));

  if (codes.length) {
    node.append(el("details", { class: "members" }, el("summary", {}, `Membres du groupe (${codes.length})`),
      el("ul", { class: "peers" }, codes.slice(0, 60).map((c) => el("li", {},
        el("a", { href: "#", onclick: (e) => { e.preventDefault(); ctx.onSelect(c); } }, ctx.names.get(c) ?? c))))));
  }

  if (PROFILE_LEVELS.includes(ctx.state.level)) {
    const base = `api/profile/${encodeURIComponent(ctx.state.level)}/${encodeURIComponent(t.code)}`;
    node.append(el("h3", {}, "Profil du territoire"),
      el("p", { class: "links", id: "panel-profile" },
        el("a", { href: `${base}?format=pdf`, target: "_blank", rel: "noopener" }, "Profil PDF (2 pages A4)"),
        " · ",
        el("a", { href: `${base}?format=html`, target: "_blank", rel: "noopener" }, "Profil HTML (avec l'annexe)"),
        " · ",
        el("a", { href: `${base}?format=html`, download: `profil_${t.code}.html` }, "Télécharger le profil")));
  }
  return key;  // the key figures shown (their group medians come later)
}
