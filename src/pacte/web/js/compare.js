// The comparison group the user chose (API /api/compare: similar territories, typology
// peers, département, région, nature, population band, pasted codes): the group's median
// and distribution of the indicator shown, drawn as a strip beside the territory's value.

import { el, svg } from "./dom.js";
import { fr } from "./classify.js";

export const GROUPS = [
  { value: "semblables", label: "territoires semblables (taille, nature, profil)" },
  { value: "profil", label: "profil semblable (typologie de l'indice)" },
  { value: "departement", label: "même département" },
  { value: "region", label: "même région" },
  { value: "nature", label: "même nature (ou type d'espace)" },
  { value: "population", label: "même tranche de population" },
  { value: "codes", label: "liste de codes…" },
];

export function quantile(sorted, q) {
  if (!sorted.length) return null;
  const pos = (sorted.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

// values: Map code -> {value}; the group's values (missing ones left out) and quartiles
export function groupStats(values, codes) {
  const v = codes.map((c) => values.get(c)?.value).filter((x) => x !== null && x !== undefined)
    .sort((a, b) => a - b);
  if (!v.length) return null;
  return { n: v.length, of: codes.length, min: v[0], q1: quantile(v, 0.25), median: quantile(v, 0.5),
    q3: quantile(v, 0.75), max: v[v.length - 1], values: v };
}

// Position of `own` in the group: how many members have a higher value
export function positionIn(stats, own) {
  if (!stats || own === null || own === undefined) return null;
  return stats.values.filter((x) => x > own).length + 1;
}

export function distributionStrip(stats, own, { unit, width = 340, height = 64 } = {}) {
  const m = { left: 10, right: 10 };
  const lo = Math.min(stats.min, own ?? stats.min), hi = Math.max(stats.max, own ?? stats.max);
  const X = (v) => m.left + ((v - lo) / ((hi - lo) || 1)) * (width - m.left - m.right);
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart strip", role: "img",
    "aria-label": `Distribution du groupe : médiane ${fr(stats.median)} ${unit}, territoire ${fr(own)} ${unit}` });
  root.append(svg("line", { x1: X(stats.min), x2: X(stats.max), y1: 22, y2: 22, class: "whisker" }),
    svg("rect", { x: X(stats.q1), y: 14, width: Math.max(1, X(stats.q3) - X(stats.q1)), height: 16, class: "box" }),
    svg("line", { x1: X(stats.median), x2: X(stats.median), y1: 10, y2: 34, class: "median" }));
  for (const v of stats.values) root.append(svg("circle", { cx: X(v), cy: 22, r: 2, class: "member" }));
  if (own !== null && own !== undefined) {
    root.append(svg("path", { d: `M${X(own)},40 l-6,10 h12 z`, class: "own" }),
      svg("text", { x: Math.min(Math.max(X(own), 40), width - 40), y: 62, class: "xlab" }, `territoire : ${fr(own)}`));
  }
  root.append(svg("text", { x: X(stats.min), y: 8, class: "vlab", "text-anchor": "start" }, `min ${fr(stats.min)}`),
    svg("text", { x: X(stats.max), y: 8, class: "vlab", "text-anchor": "end" }, `max ${fr(stats.max)}`));
  return el("figure", { class: "chartbox", id: "panel-strip" }, root,
    el("figcaption", {}, `Boîte : quartiles du groupe ; trait : médiane ; points : ${stats.n} membres ; triangle : le territoire`));
}
