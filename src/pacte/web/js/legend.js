// The map's legend (HTML, under the map: it hides no territory at any width) and the same
// legend as data for the PNG export. Classes say what they hold (smallest and largest
// value of their members); circles for counts.

import { el, clear } from "./dom.js";
import { classSummary, fr, NO_DATA } from "./classify.js";

// view: {breaks, palette, rows, circles (bool), change (bool)}; labels: {title, subtitle}
export function legendModel(view, labels) {
  const vals = view.rows.map((r) => r.value).filter((v) => v !== null);
  const classes = classSummary(vals, view.breaks, view.palette.length);
  const items = [];
  classes.forEach((c, i) => {
    if (!c.n) return;  // a change map's class on the other side of zero
    const range = c.lo === c.hi ? fr(c.lo) : `${fr(c.lo)} à ${fr(c.hi)}`;
    items.push({ colour: view.palette[i], label: `${range} (${fr(c.n, 0)})`, circle: view.circles, n: c.n });
  });
  const missing = view.rows.length - vals.length;
  if (missing) items.push({ colour: NO_DATA, label: `sans donnée (${fr(missing, 0)})`, circle: false, n: missing });
  return { ...labels, items };
}

export function renderLegend(root, model) {
  const node = clear(root);
  node.append(el("h3", {}, model.title), el("p", { class: "sub" }, model.subtitle),
    el("ul", { id: "legend-classes" }, model.items.map((it) => el("li", {},
      el("span", { class: it.circle ? "swatch circle" : "swatch", dataset: { colour: it.colour } }), it.label))));
  for (const sw of node.querySelectorAll(".swatch")) sw.style.background = sw.dataset.colour;
}
