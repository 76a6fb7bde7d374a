// The table linked to the map: sortable columns, rural/urban and région filters, CSV export
// of exactly what is shown (French Excel: ';', decimal comma, UTF-8 with BOM).

import { el, clear } from "./dom.js";
import { fr } from "./classify.js";

export function columns(ind, hasRanking) {
  const cols = [];
  if (hasRanking) cols.push({ id: "rank", label: "Rang (indice)", num: true, fmt: (v) => v ?? "—" });
  cols.push({ id: "name", label: "Territoire" }, { id: "code", label: "Code" },
    { id: "value", label: `${ind.label} (${ind.unit})`, num: true, fmt: (v) => fr(v) });
  if (hasRanking) {
    cols.push({ id: "score", label: "Score", num: true, fmt: (v) => fr(v, 2) },
      { id: "interval", label: "Intervalle de rang (90 %)", sortBy: "rank_low",
        fmt: (_, r) => (r.rank_low ? `${r.rank_low} – ${r.rank_high}` : "—") });
  }
  cols.push({ id: "area_type", label: "Type d'espace" }, { id: "reg_name", label: "Région" });
  return cols;
}

export function filterRows(rows, state) {
  return rows.filter((r) => (!state.area || r.area_type === state.area)
    && (!state.region || r.reg === state.region));
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

export function renderTable(table, { cols, rows, state, onSelect, onSort, onHover }) {
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
    const tr = el("tr", { dataset: { code: r.code }, class: r.code === state.selected ? "selected" : null,
      onclick: () => onSelect(r.code), onmouseenter: () => onHover(r.code), onmouseleave: () => onHover(null) },
    cols.map((c) => el("td", { class: c.num ? "num" : null }, c.fmt ? c.fmt(r[c.id], r) : (r[c.id] ?? "—"))));
    body.append(tr);
  }
  table.replaceChild(body, table.tBodies[0]);
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

function csvCell(v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return String(v).replace(".", ",");
  const s = String(v);
  return /[";\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCSV(cols, rows, header) {
  const plain = cols.flatMap((c) => (c.id === "interval"
    ? [{ id: "rank_low", label: "Rang le meilleur (5e centile)" }, { id: "rank_high", label: "Rang le moins bon (95e centile)" }]
    : [c]));
  const lines = header.map((h) => `# ${h}`);
  lines.push(plain.map((c) => csvCell(c.label)).join(";"));
  for (const r of rows) lines.push(plain.map((c) => csvCell(r[c.id])).join(";"));
  return `\ufeff${lines.join("\r\n")}\r\n`;
}

export function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
