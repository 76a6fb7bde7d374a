// Loaded first (an async module, index.html): asks the server for what the first map needs
// while maplibre-gl.js (1 MB) downloads and compiles and main.js's modules load. main.js
// then finds these answers in api.js's cache (same addresses). Without it the catalogue was
// asked only once every module had run, and the layer and values after its answer: two
// round trips to the server, and the server idle while the browser compiled.

import { api, getJSON } from "./api.js";
import { MAP_LEVELS, RANK_LEVELS, readState } from "./state.js";

const s = readState();
const ignore = () => {};  // a failed request is asked again (and reported) by main.js
api.catalogue().catch(ignore);
// the view of the address as it is; main.js corrects an unknown value after the catalogue
// (then these answers are simply not used)
if (MAP_LEVELS.includes(s.level)) {
  api.geo(s.level).catch(ignore);
  api.values(s.level, s.indicator, s.period, s.source).catch(ignore);
  api.values("fr", s.indicator, s.period, s.source).catch(ignore);
  if (s.from) {
    api.values(s.level, s.indicator, s.from, s.source).catch(ignore);
    api.values("fr", s.indicator, s.from, s.source).catch(ignore);
  }
  if (RANK_LEVELS.has(s.level) && !s.rule) api.ranking(s.level).catch(ignore);
}
getJSON("api/basins/map").catch(ignore);
api.metadata().catch(ignore);
api.rule().catch(ignore);
