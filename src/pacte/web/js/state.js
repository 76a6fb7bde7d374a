// The whole view in the URL (permalink): level, indicator, source, period, classification,
// selection, filters and sort. Short French keys; unknown values are corrected on load.

const KEYS = {
  level: "niveau", indicator: "indicateur", source: "source", period: "periode",
  method: "classes", selected: "territoire", area: "espace", region: "region", sort: "tri",
};

export const DEFAULTS = {
  level: "epci", indicator: "industry_share", source: "rp", period: "2016",
  method: "quantiles", selected: "", area: "", region: "", sort: "",
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
    if (state[k]) q.set(key, state[k]);
  }
  const url = `${window.location.pathname}?${q.toString()}`;
  if (url !== window.location.pathname + window.location.search) {
    window.history.replaceState(null, "", url);
  }
  return url;
}
