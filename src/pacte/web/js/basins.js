// Candidate industrial basins drawn over the map: the outline of each basin (union of its
// member EPCI, from api/basins/map), a toggle button and a tooltip line. Self-contained:
// main.js only calls addBasinLayer(map.map, container) once.

import { getJSON } from "./api.js";

const SOURCE = "bassins";

function label(p) {
  const share = Number(p.industry_share).toLocaleString("fr-FR", { maximumFractionDigits: 1 });
  const pop = Number(p.population).toLocaleString("fr-FR", { maximumFractionDigits: 0 });
  return `${p.code} — rang ${p.rank} parmi les bassins candidats (P5-P95 : ${p.rank_low}-` +
    `${p.rank_high}) ; ${p.n_members} EPCI : ${p.member_names} ; ${pop} habitants, ` +
    `${share} % d'emplois industriels. Proposition à discuter, pas un périmètre.`;
}

export async function addBasinLayer(map, container) {
  let body;
  try {
    body = await getJSON("api/basins/map");
  } catch {
    return null; // a store without basins: no layer, no button
  }
  const add = () => {
    if (map.getSource(SOURCE)) return;
    map.addSource(SOURCE, { type: "geojson", data: body.data });
    map.addLayer({ id: "bassins-fill", type: "fill", source: SOURCE,
      paint: { "fill-color": "#6a1b9a", "fill-opacity": 0.12 } });
    map.addLayer({ id: "bassins-line", type: "line", source: SOURCE,
      paint: { "line-color": "#4a148c", "line-width": 2.2 } });
  };
  // drawn above the territories' layers, which main.js adds once its first layer loads
  const ready = () => map.getLayer("terr-hl") && (add(), true);
  if (!ready()) {
    const wait = () => { if (ready()) map.off("styledata", wait); };
    map.on("styledata", wait);
  }
  const button = document.createElement("button");
  button.type = "button";
  button.id = "basins-toggle";
  button.setAttribute("aria-pressed", "true");
  button.title = "Bassins industriels candidats : regroupements contigus de 1 à 4 EPCI autour " +
    "des grappes de vulnérabilité (propositions à discuter, pas des périmètres)";
  button.textContent = `Bassins candidats (${body.data.features.length})`;
  button.addEventListener("click", () => {
    const on = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", String(on));
    for (const id of ["bassins-fill", "bassins-line"]) {
      if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", on ? "visible" : "none");
    }
  });
  container.appendChild(button);
  const tip = document.createElement("div");
  tip.id = "basin-tip";
  tip.className = "tooltip";
  tip.hidden = true;
  map.getContainer().parentElement.appendChild(tip);
  map.on("mousemove", "bassins-fill", (e) => {
    tip.textContent = label(e.features[0].properties);
    tip.style.left = `${e.point.x + 14}px`;
    tip.style.top = `${e.point.y + 60}px`;
    tip.hidden = false;
  });
  map.on("mouseleave", "bassins-fill", () => { tip.hidden = true; });
  window.__pacteBasins = body.data.features.length;
  return body.data;
}
