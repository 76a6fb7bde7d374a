// The map's twins as charts (plain SVG): territories ranked by the indicator, and a scatter
// plot of two indicators. Both follow the table's filters and selection; a click selects.

import { el, svg } from "./dom.js";
import { fr } from "./classify.js";

// rows: {code, name, value}; the `top` first by value, plus the selected territory
export function rankedBars(rows, { selected, unit, onSelect, top = 25, width = 900 }) {
  const ranked = rows.filter((r) => r.value !== null).sort((a, b) => b.value - a.value);
  let shown = ranked.slice(0, top);
  const pos = ranked.findIndex((r) => r.code === selected);
  if (pos >= top) shown = [...shown, ranked[pos]];
  const bar = 14, gap = 4, left = 240, right = 70;
  const height = shown.length * (bar + gap) + gap + 4;
  const lo = Math.min(0, ...shown.map((r) => r.value)), hi = Math.max(0, ...shown.map((r) => r.value));
  const X = (v) => left + ((v - lo) / ((hi - lo) || 1)) * (width - left - right);
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart plot", role: "img",
    "aria-label": `Classement des territoires (${shown.length} premiers)` });
  shown.forEach((r, i) => {
    const y = gap + i * (bar + gap);
    const rank = ranked.indexOf(r) + 1;
    const x0 = X(Math.min(0, r.value)), x1 = X(Math.max(0, r.value));
    const g = svg("g", { class: r.code === selected ? "bar selected" : "bar", "data-code": r.code },
      svg("text", { x: left - 6, y: y + bar - 3, class: "ylab" },
        `${rank}. ${r.name.length > 34 ? `${r.name.slice(0, 33)}…` : r.name}`),
      svg("rect", { x: x0.toFixed(1), y, width: Math.max(1, x1 - x0).toFixed(1), height: bar },
        svg("title", {}, `${r.name} : ${fr(r.value)} ${unit}`)),
      svg("text", { x: x1 + 4, y: y + bar - 3, class: "vlab" }, fr(r.value)));
    g.addEventListener("click", () => onSelect(r.code));
    root.append(g);
  });
  return el("figure", { class: "chartbox", id: "plot-bars" }, root,
    el("figcaption", {}, `${fr(shown.length, 0)} territoires sur ${fr(ranked.length, 0)} (valeur décroissante)${pos >= top ? ", et le territoire sélectionné" : ""}`));
}

// points: {code, name, x, y}; ax, ay: {label, unit}
export function scatter(points, { ax, ay, selected, onSelect, width = 1100, height = 380 }) {
  const pts = points.filter((p) => p.x !== null && p.y !== null);
  const m = { top: 24, right: 16, bottom: 40, left: 70 };
  if (!pts.length) return el("p", { class: "sub", id: "plot-scatter" }, "Aucun territoire n'a les deux valeurs.");
  const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)], [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const X = (v) => m.left + ((v - x0) / ((x1 - x0) || 1)) * (width - m.left - m.right);
  const Y = (v) => height - m.bottom - ((v - y0) / ((y1 - y0) || 1)) * (height - m.top - m.bottom);
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart plot", role: "img",
    "aria-label": `Nuage de points : ${ax.label} et ${ay.label}` });
  for (const f of [0, 0.5, 1]) {
    const vx = x0 + (x1 - x0) * f, vy = y0 + (y1 - y0) * f;
    root.append(svg("line", { x1: m.left, x2: width - m.right, y1: Y(vy), y2: Y(vy), class: "grid" }),
      svg("text", { x: m.left - 4, y: Y(vy) + 4, class: "ylab" }, fr(vy)),
      svg("text", { x: X(vx), y: height - m.bottom + 14, class: "xlab" }, fr(vx)));
  }
  root.append(svg("text", { x: (m.left + width - m.right) / 2, y: height - 6, class: "xlab axis" }, `${ax.label} (${ax.unit}) →`),
    svg("text", { x: m.left + 6, y: m.top + 14, class: "axis-y" }, `↑ ${ay.label} (${ay.unit})`));
  const sel = [];
  for (const p of pts) {
    const c = svg("circle", { cx: X(p.x).toFixed(1), cy: Y(p.y).toFixed(1), r: 3.2,
      class: p.code === selected ? "pt selected" : "pt", "data-code": p.code },
    svg("title", {}, `${p.name} : ${fr(p.x)} ; ${fr(p.y)}`));
    c.addEventListener("click", () => onSelect(p.code));
    if (p.code === selected) sel.push(c); else root.append(c);
  }
  if (sel.length > 0) root.append(sel[0]);  // the selected point drawn last, on top
  return el("figure", { class: "chartbox", id: "plot-scatter" }, root,
    el("figcaption", {}, `${fr(pts.length, 0)} territoires ayant les deux valeurs`));
}
