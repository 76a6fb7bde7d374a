// The search box: a territory by name or code, accents, case, hyphens and apostrophes
// ignored, the same matching as the CLI (`pacte.store.queries.territories`: the code starts
// with the query, or the folded name contains it). A combobox driven by the keyboard.

import { el, clear } from "./dom.js";

export function fold(text) {
  return String(text).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^\x00-\x7f]/g, "")
    .toLowerCase().replace(/[-']/g, " ").split(/\s+/).filter(Boolean).join(" ");
}

// rows: {code, name}; best first: exact code, code prefix, name prefix, then by name
export function searchRows(rows, query, limit = 8) {
  const q = fold(query);
  if (!q) return [];
  const hits = [];
  for (const r of rows) {
    const code = r.code.toLowerCase(), name = fold(r.name);
    let score = -1;
    if (code === q) score = 0;
    else if (code.startsWith(q)) score = 1;
    else if (name.startsWith(q)) score = 2;
    else if (name.split(" ").some((w) => w.startsWith(q))) score = 3;
    else if (name.includes(q)) score = 4;
    if (score >= 0) hits.push({ r, score });
  }
  hits.sort((a, b) => a.score - b.score || a.r.name.localeCompare(b.r.name, "fr"));
  return hits.slice(0, limit).map((h) => h.r);
}

export function bindSearch(input, list, { rows, onPick }) {
  let items = [], active = -1;
  const close = () => { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); active = -1; };
  const mark = () => {
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
    if (active >= 0) input.setAttribute("aria-activedescendant", list.children[active].id);
  };
  const pick = (r) => { input.value = r.name; close(); onPick(r.code); };
  input.addEventListener("input", () => {
    items = searchRows(rows(), input.value);
    clear(list);
    items.forEach((r, i) => list.append(el("li", { role: "option", id: `search-opt-${i}`, "aria-selected": "false",
      dataset: { code: r.code }, onmousedown: (e) => { e.preventDefault(); pick(r); } }, r.name, el("span", { class: "n" }, ` ${r.code}`))));
    if (!items.length && input.value.trim()) list.append(el("li", { class: "empty" }, "aucun territoire"));
    list.hidden = !input.value.trim();
    input.setAttribute("aria-expanded", String(!list.hidden));
    active = items.length ? 0 : -1;
    mark();
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" && items.length) { active = (active + 1) % items.length; mark(); e.preventDefault(); }
    else if (e.key === "ArrowUp" && items.length) { active = (active - 1 + items.length) % items.length; mark(); e.preventDefault(); }
    else if (e.key === "Enter") { if (active >= 0 && items[active]) pick(items[active]); e.preventDefault(); }
    else if (e.key === "Escape") close();
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
}
