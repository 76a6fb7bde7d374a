// The whole view in the URL (permalink): level, indicator, source, period (and the period
// of a change map), classification, selection, comparison group, filters, sort, chart tab
// and the edited rule. Short French keys; unknown values are corrected on load.

const KEYS = {
  level: "niveau", indicator: "indicateur", source: "source", period: "periode",
  method: "classes", selected: "territoire", area: "espace", region: "region", sort: "tri",
  from: "depuis", group: "groupe", codes: "codes", tab: "vue", y: "y", serie: "serie", rule: "regle",
};

// the levels the map draws, and those with a stored ranking
export const MAP_LEVELS = ["epci", "ze2020", "dep", "reg"];
export const RANK_LEVELS = new Set(["epci", "ze2020", "ze2010"]);

export const DEFAULTS = {
  level: "epci", indicator: "industry_share", source: "rp", period: "2016",
  method: "quantiles", selected: "", area: "", region: "", sort: "",
  from: "", group: "semblables", codes: "", tab: "table", y: "", serie: "", rule: "",
};

export function readState(search = window.location.search) {
  const q = new URLSearchParams(search);
  const s = { ...DEFAULTS };
  for (const [k, key] of Object.entries(KEYS)) {
    if (q.has(key)) s[k] = q.get(key);
  }
  return s;
}

export function writeState(state) {
  const q = new URLSearchParams();
  for (const [k, key] of Object.entries(KEYS)) {
    if (state[k] && state[k] !== DEFAULTS[k]) q.set(key, state[k]);
    else if (state[k] && ["level", "indicator", "source", "period"].includes(k)) q.set(key, state[k]);
  }
  const url = `${window.location.pathname}?${q.toString()}`;
  if (url !== window.location.pathname + window.location.search) {
    window.history.replaceState(null, "", url);
  }
  return url;
}
