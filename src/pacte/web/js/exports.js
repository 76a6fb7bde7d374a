// Downloads of what is shown: the map as a PNG with its title, legend and sources; several
// indicators for the filtered territories (CSV for French Excel or XLSX, written by the
// server with the writers of `pacte export`); any text or blob as a file.

import { el } from "./dom.js";

export function saveBlob(name, blob) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 2000);
}

export function saveText(name, text, type = "text/plain;charset=utf-8") {
  saveBlob(name, new Blob([text], { type }));
}

// body: {level, format, columns: [{indicator, source, period}], codes}
export async function exportSelection(body) {
  const r = await fetch("api/selection/export", { method: "POST",
    headers: { "content-type": "application/json", accept: "*/*" }, body: JSON.stringify(body) });
  if (!r.ok) {
    let msg = `erreur ${r.status}`;
    try { msg = (await r.json()).error.message; } catch { /* keep the status */ }
    throw new Error(msg);
  }
  return r.blob();
}

// legend: {title, subtitle, items: [{colour, label, circle}]}; sources: one line
export function mapPNG(mapCanvas, { title, legend, sources }) {
  const scale = mapCanvas.width / mapCanvas.clientWidth || 1;
  const W = mapCanvas.width, pad = 12 * scale, line = 18 * scale;
  const legendH = pad * 2 + line * (2 + Math.ceil(legend.items.length / 3));
  const H = mapCanvas.height + line * 2 + legendH + line * 1.5;
  const c = document.createElement("canvas");
  c.width = W; c.height = H;
  const g = c.getContext("2d");
  g.fillStyle = "#ffffff"; g.fillRect(0, 0, W, H);
  g.fillStyle = "#1d2330"; g.font = `bold ${14 * scale}px sans-serif`; g.textBaseline = "middle";
  g.fillText(title, pad, line);
  g.drawImage(mapCanvas, 0, line * 2);
  let y = line * 2 + mapCanvas.height + pad;
  g.font = `bold ${12 * scale}px sans-serif`;
  g.fillText(legend.title, pad, y + line / 2);
  g.font = `${11 * scale}px sans-serif`;
  g.fillStyle = "#5b6474";
  g.fillText(legend.subtitle, pad, y + line * 1.5);
  y += line * 2;
  const colW = (W - 2 * pad) / 3;
  legend.items.forEach((it, i) => {
    const x = pad + (i % 3) * colW, yy = y + Math.floor(i / 3) * line;
    g.fillStyle = it.colour;
    if (it.circle) { g.beginPath(); g.arc(x + 9 * scale, yy + line / 2, 6 * scale, 0, 2 * Math.PI); g.fill(); }
    else g.fillRect(x, yy + 3 * scale, 18 * scale, 12 * scale);
    g.strokeStyle = "#999999"; g.strokeRect(x, yy + 3 * scale, 18 * scale, 12 * scale);
    g.fillStyle = "#1d2330";
    g.fillText(it.label, x + 24 * scale, yy + line / 2);
  });
  g.fillStyle = "#5b6474"; g.font = `${10 * scale}px sans-serif`;
  g.fillText(sources, pad, H - line / 1.5);
  return new Promise((resolve) => c.toBlob(resolve, "image/png"));
}
