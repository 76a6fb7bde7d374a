// The table linked to the map (its accessible twin): sortable columns, rural/urban, région
// and comparison-group filters, the gap to the group's median; rows reachable with the
// keyboard (Tab to the table, arrows to move, Enter to select).

import { el, clear } from "./dom.js";
import { fr } from "./classify.js";

export function columns(ind, hasRanking, group) {
  const cols = [];
  if (hasRanking) cols.push({ id: "rank", label: "Rang (indice)", num: true, fmt: (v) => v ?? "—" });
  cols.push({ id: "name", label: "Territoire" }, { id: "code", label: "Code" },
    { id: "value", label: `${ind.label} (${ind.unit})`, num: true, fmt: (v) => fr(v) });
  if (hasRanking) {
    cols.push({ id: "score", label: "Score", num: true, fmt: (v) => fr(v, 2) },
      { id: "interval", label: "Intervalle de rang (90 %)", sortBy: "rank_low",
        fmt: (_, r) => (r.rank_low ? `${r.rank_low} – ${r.rank_high}` : "—") });
  }
  if (group) cols.push({ id: "gap", label: `Écart à la médiane du groupe (${ind.unit})`, num: true, fmt: (v) => fr(v) });
  cols.push({ id: "area_type", label: "Type d'espace" }, { id: "reg_name", label: "Région" });
  return cols;
}

export function filterRows(rows, state, group) {
  return rows.filter((r) => (!state.area || r.area_type === state.area)
    && (!state.region || r.reg === state.region)
    && (!state.onlyGroup || !group || group.has(r.code) || r.code === state.selected));
}

export function sortRows(rows, sort, cols) {
  if (!sort) return rows;
  const desc = sort.startsWith("-");
  const id = desc ? sort.slice(1) : sort;
  const col = cols.find((c) => c.id === id);
  if (!col) return rows;
  const key = col.sortBy ?? col.id;
  const out = [...rows];
  out.sort((a, b) => {
    const x = a[key], y = b[key];
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;  // missing values last, both ways
    if (y === null || y === undefined) return -1;
    const c = typeof x === "number" ? x - y : String(x).localeCompare(String(y), "fr");
    return desc ? -c : c;
  });
  return out;
}

export function renderTable(table, { cols, rows, state, group, onSelect, onSort, onHover }) {
  const head = clear(table.tHead.rows[0]);
  const current = state.sort.replace(/^-/, "");
  for (const c of cols) {
    const sorted = current === c.id ? (state.sort.startsWith("-") ? "descending" : "ascending") : "none";
    head.append(el("th", { scope: "col", "aria-sort": sorted, class: c.num ? "num" : null },
      el("button", { type: "button", dataset: { col: c.id },
        onclick: () => onSort(current === c.id && !state.sort.startsWith("-") ? `-${c.id}` : c.id) },
      c.label, sorted === "ascending" ? " ▲" : sorted === "descending" ? " ▼" : "")));
  }
  const body = document.createElement("tbody");
  for (const r of rows) {
    const cls = [r.code === state.selected ? "selected" : "", group?.has(r.code) ? "ingroup" : ""].join(" ").trim();
    const tr = el("tr", { dataset: { code: r.code }, class: cls || null, tabindex: "-1",
      onclick: () => onSelect(r.code), onmouseenter: () => onHover(r.code), onmouseleave: () => onHover(null),
      onkeydown: (e) => rowKey(e, r.code, onSelect) },
    cols.map((c) => el("td", { class: c.num ? "num" : null }, c.fmt ? c.fmt(r[c.id], r) : (r[c.id] ?? "—"))));
    body.append(tr);
  }
  table.replaceChild(body, table.tBodies[0]);
  const first = body.querySelector("tr.selected") ?? body.rows[0];
  if (first) first.tabIndex = 0;  // one tab stop in the body (roving tabindex)
}

function rowKey(e, code, onSelect) {
  const tr = e.currentTarget;
  const to = { ArrowDown: tr.nextElementSibling, ArrowUp: tr.previousElementSibling,
    Home: tr.parentElement.firstElementChild, End: tr.parentElement.lastElementChild }[e.key];
  if (to) {
    tr.tabIndex = -1; to.tabIndex = 0; to.focus(); e.preventDefault();
  } else if (e.key === "Enter" || e.key === " ") {
    onSelect(code); e.preventDefault();
  }
}

export function highlightRow(table, code, { scroll = false } = {}) {
  for (const tr of table.tBodies[0].querySelectorAll("tr.selected")) tr.classList.remove("selected");
  if (!code) return;
  const tr = table.tBodies[0].querySelector(`tr[data-code="${CSS.escape(code)}"]`);
  if (tr) {
    tr.classList.add("selected");
    if (scroll) {  // scroll the table's own box, never the page
      const wrap = table.parentElement;
      const top = tr.offsetTop - wrap.clientHeight / 2;
      wrap.scrollTop = Math.max(0, top);
    }
  }
}
