// « Contester la règle »: the targeting rule (api/rule, the YAML of `pacte rank`) shown as
// dimensions, indicators and weights; the user changes weights, drops indicators, switches
// normalisation or aggregation, and reruns the ranking (POST api/ranking with the rule).
// The edits live in the permalink (key « regle ») and the edited rule downloads as YAML
// that `pacte rank --weights` reads unchanged.

import { el, clear } from "./dom.js";

export const NORMALISATIONS = { zscore: "centrée réduite (z-score)", minmax: "min-max (0 à 1)", rank: "rang centile" };
export const AGGREGATIONS = { arithmetic: "moyenne arithmétique (compensatoire)", geometric: "moyenne géométrique (peu compensatoire)" };

// edits: {d: {dim: weight}, i: {"dim/ind": weight}, x: ["dim/ind" dropped], n: norm, a: agg}
export function emptyEdits() { return { d: {}, i: {}, x: [], n: "", a: "" }; }

export function isEdited(e) {
  return Object.keys(e.d).length + Object.keys(e.i).length + e.x.length > 0 || Boolean(e.n || e.a);
}

export function encodeEdits(e) {
  if (!isEdited(e)) return "";
  const bytes = new TextEncoder().encode(JSON.stringify(e));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeEdits(s) {
  if (!s) return emptyEdits();
  try {
    const b = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
    const e = JSON.parse(new TextDecoder().decode(Uint8Array.from(b, (c) => c.charCodeAt(0))));
    return { ...emptyEdits(), ...e };
  } catch { return emptyEdits(); }
}

// the base rule with the edits applied (a new object; dimensions left empty are removed)
export function applyEdits(base, e) {
  const rule = JSON.parse(JSON.stringify(base));
  if (e.n) rule.normalisation = e.n;
  if (e.a) rule.aggregation = e.a;
  rule.dimensions = rule.dimensions.map((d) => ({
    ...d,
    weight: e.d[d.id] ?? d.weight,
    indicators: d.indicators.filter((i) => !e.x.includes(`${d.id}/${i.id}`))
      .map((i) => ({ ...i, weight: e.i[`${d.id}/${i.id}`] ?? i.weight })),
  })).filter((d) => d.indicators.length > 0);
  if (isEdited(e)) rule.name = `${base.name} (modifiée dans le tableau de bord)`;
  return rule;
}

function scalar(v) {
  if (v === null || v === undefined) return "null";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(String(v));  // a YAML double-quoted scalar
}

function isPlain(v) { return v === null || typeof v !== "object"; }

function lines(obj, ind) {
  const out = [];
  for (const [k, v] of Object.entries(obj)) {
    if (isPlain(v)) out.push(`${ind}${k}: ${scalar(v)}`);
    else if (Array.isArray(v) && v.every(isPlain)) out.push(`${ind}${k}: [${v.map(scalar).join(", ")}]`);
    else if (Array.isArray(v)) {
      out.push(`${ind}${k}:`);
      for (const item of v) {
        const sub = isPlain(item) ? [`${ind}    ${scalar(item)}`] : lines(item, `${ind}    `);
        sub[0] = `${ind}  - ${sub[0].slice(ind.length + 4)}`;
        out.push(...sub);
      }
    } else if (!Object.keys(v).length) out.push(`${ind}${k}: {}`);
    else { out.push(`${ind}${k}:`); out.push(...lines(v, `${ind}  `)); }
  }
  return out;
}

export function toYAML(rule, header = []) {
  return `${[...header.map((h) => `# ${h}`), ...lines(rule, "")].join("\n")}\n`;
}

// The editor; on change it calls onEdit(edits), on « Recalculer » onRun()
export function renderRuleEditor(root, { base, edits, labels, srcName = (s) => s, onEdit, onRun, onReset, onDownload, status }) {
  clear(root);
  const set = (fn) => (ev) => { fn(ev.target); onEdit(edits); };
  const num = (value, onchange, label) => el("input", { type: "number", min: "0", step: "0.1",
    value: String(value), "aria-label": label, class: "weight", onchange: set(onchange) });
  const rule = applyEdits(base, { ...edits, x: [] });
  root.append(el("h2", {}, "Contester la règle"),
    el("p", { class: "sub" }, `${base.name} : changez les poids, retirez un indicateur, changez la normalisation ou l'agrégation, puis recalculez le classement (${base.uncertainty?.draws ?? 1000} tirages du Monte Carlo).`));
  for (const d of rule.dimensions) {
    const box = el("fieldset", { class: "dim", dataset: { dim: d.id } },
      el("legend", {}, d.label ?? d.id),
      el("label", { class: "row" }, "Poids de la dimension ",
        num(d.weight, (t) => { edits.d[d.id] = Number(t.value); }, `Poids de la dimension ${d.label ?? d.id}`)));
    for (const i of d.indicators) {
      const key = `${d.id}/${i.id}`;
      const kept = !edits.x.includes(key);
      box.append(el("div", { class: kept ? "ind" : "ind dropped", dataset: { ind: i.id } },
        el("label", {}, el("input", { type: "checkbox", checked: kept, "aria-label": `Garder ${labels[i.id] ?? i.id}`,
          onchange: set((t) => {
            edits.x = t.checked ? edits.x.filter((x) => x !== key) : [...edits.x, key];
            t.closest(".ind").classList.toggle("dropped", !t.checked);
          }) }),
        ` ${labels[i.id] ?? i.id}`),
        el("span", { class: "sub" }, ` ${srcName(i.source)}, ${i.period}`),
        num(i.weight, (t) => { edits.i[key] = Number(t.value); }, `Poids de ${labels[i.id] ?? i.id}`)));
    }
    root.append(box);
  }
  const pick = (opts, value, onchange, label) => el("label", { class: "row" }, label, el("select", { onchange: set(onchange) },
    Object.entries(opts).map(([v, l]) => el("option", { value: v, selected: v === value }, l))));
  root.append(
    pick(NORMALISATIONS, edits.n || base.normalisation, (t) => { edits.n = t.value === base.normalisation ? "" : t.value; }, "Normalisation "),
    pick(AGGREGATIONS, edits.a || base.aggregation, (t) => { edits.a = t.value === base.aggregation ? "" : t.value; }, "Agrégation "),
    el("div", { class: "buttons" },
      el("button", { type: "button", id: "rule-run", class: "primary", onclick: onRun }, "Recalculer le classement"),
      el("button", { type: "button", id: "rule-reset", onclick: onReset }, "Règle par défaut"),
      el("button", { type: "button", id: "rule-yaml", onclick: onDownload }, "Télécharger la règle (YAML)")),
    el("p", { id: "rule-status", class: "sub", "aria-live": "polite" }, status ?? ""));
}
