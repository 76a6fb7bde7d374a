// The map: one local GeoJSON layer (no tiles, no glyphs), coloured by feature-state so that
// changing indicator or period never re-sends geometry. Labels are HTML (tooltip, legend).

const VIEWS = {
  metro: [[-5.3, 41.2], [9.7, 51.2]],
  971: [[-61.9, 15.8], [-60.9, 16.55]],
  972: [[-61.25, 14.35], [-60.75, 14.9]],
  973: [[-54.7, 2.0], [-51.5, 5.9]],
  974: [[55.2, -21.4], [55.85, -20.85]],
  976: [[44.95, -13.05], [45.35, -12.6]],
};

const STYLE = {
  version: 8,
  sources: {},
  layers: [{ id: "fond", type: "background", paint: { "background-color": "#eef2f5" } }],
};

export class TerritoryMap {
  constructor(container, { onHover, onClick }) {
    this.ready = false;
    this.codes = new Set();
    this.hovered = null;
    this.selected = null;
    this.withCircles = false;  // some radius set on the points (circles drawn)
    this.map = new maplibregl.Map({
      container, style: STYLE, bounds: VIEWS.metro, fitBoundsOptions: { padding: 10 },
      attributionControl: false, dragRotate: false, pitchWithRotate: false,
      maxZoom: 11, minZoom: 3,
      canvasContextAttributes: { preserveDrawingBuffer: true },  // the map as a PNG
    });
    this.map.touchZoomRotate.disableRotation();
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
    this.map.addControl(new maplibregl.AttributionControl({
      compact: true, customAttribution: "Contours : IGN (Licence Ouverte) ; traitement pacte",
    }));
    this.loaded = new Promise((resolve) => this.map.on("load", resolve));
    this.map.on("mousemove", "terr-fill", (e) => {
      const f = e.features[0];
      this.setHover(f.properties.code);
      onHover(f.properties.code, e.point);
    });
    this.map.on("mouseleave", "terr-fill", () => { this.setHover(null); onHover(null); });
    this.map.on("click", "terr-fill", (e) => onClick(e.features[0].properties.code));
  }

  async setLayer(geojson) {
    await this.loaded;
    this.codes = new Set(geojson.features.map((f) => f.properties.code));
    this.geometry = new Map(geojson.features.map((f) => [f.properties.code, f.geometry]));
    const points = { type: "FeatureCollection", features: geojson.features.map((f) => ({
      type: "Feature", properties: { code: f.properties.code },
      geometry: { type: "Point", coordinates: anchor(f.geometry) } })) };
    const src = this.map.getSource("terr");
    if (src) {
      this.map.removeFeatureState({ source: "terr" });
      this.map.removeFeatureState({ source: "pts" });
      this.withCircles = false;
      src.setData(geojson);
      this.map.getSource("pts").setData(points);
      return;
    }
    this.map.addSource("pts", { type: "geojson", data: points, promoteId: "code" });
    this.map.addSource("terr", { type: "geojson", data: geojson, promoteId: "code" });
    this.map.addLayer({
      id: "terr-fill", type: "fill", source: "terr",
      paint: {
        "fill-color": ["coalesce", ["feature-state", "colour"], "#d4d4d4"],
        "fill-opacity": ["case", ["boolean", ["feature-state", "out"], false], 0.18, 0.92],
      },
    });
    this.map.addLayer({
      id: "terr-line", type: "line", source: "terr",
      paint: { "line-color": "#ffffff", "line-width": 0.4 },
    });
    this.map.addLayer({
      id: "terr-hl", type: "line", source: "terr",
      paint: {
        "line-color": ["case", ["boolean", ["feature-state", "sel"], false], "#1a1a6e", "#333333"],
        "line-width": ["case", ["boolean", ["feature-state", "sel"], false], 2.5,
          ["boolean", ["feature-state", "hover"], false], 1.6, 0],
      },
    });
    // proportional circles (counts): radius and colour by feature-state, none by default
    this.map.addLayer({
      id: "terr-circ", type: "circle", source: "pts",
      paint: {
        "circle-radius": ["coalesce", ["feature-state", "r"], 0],
        "circle-color": ["coalesce", ["feature-state", "colour"], "#d7301f"],
        "circle-opacity": ["case", ["boolean", ["feature-state", "out"], false], 0.15, 0.75],
        "circle-stroke-color": "#ffffff", "circle-stroke-width": 0.6,
      },
    });
  }

  // circles: code -> {r, colour} (empty Map: no circles)
  circles(circles, out) {
    // no circle drawn and none to draw (rates, shares): every radius is already 0, and
    // 1,255 feature states cost ~40 ms of the first map
    if (circles.size === 0 && !this.withCircles) return;
    this.withCircles = circles.size > 0;
    for (const code of this.codes) {
      const c = circles.get(code);
      this.map.setFeatureState({ source: "pts", id: code },
        { r: c ? c.r : 0, colour: c ? c.colour : null, out: out.has(code) });
    }
  }

  // colours: code -> colour (absent = no data); out: Set of codes filtered out
  paint(colours, out) {
    for (const code of this.codes) {
      this.map.setFeatureState({ source: "terr", id: code },
        { colour: colours.get(code) ?? null, out: out.has(code) });
    }
    if (this.selected) this.map.setFeatureState({ source: "terr", id: this.selected }, { sel: true });
  }

  setHover(code) {
    if (this.hovered === code) return;
    if (this.hovered && this.codes.has(this.hovered)) {
      this.map.setFeatureState({ source: "terr", id: this.hovered }, { hover: false });
    }
    this.hovered = code;
    if (code && this.codes.has(code)) this.map.setFeatureState({ source: "terr", id: code }, { hover: true });
  }

  select(code, { fly = false } = {}) {
    if (this.selected && this.codes.has(this.selected)) {
      this.map.setFeatureState({ source: "terr", id: this.selected }, { sel: false });
    }
    this.selected = code || null;
    if (!this.selected || !this.codes.has(this.selected)) return;
    this.map.setFeatureState({ source: "terr", id: this.selected }, { sel: true });
    if (fly) {
      const b = this.bounds(this.selected);
      if (b) this.map.fitBounds(b, { padding: 80, maxZoom: 8, duration: 600 });
    }
  }

  bounds(code) {
    const g = this.geometry.get(code);
    if (!g) return null;
    let w = 180, s = 90, e = -180, n = -90;
    const walk = (c) => {
      if (typeof c[0] === "number") {
        w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]);
      } else c.forEach(walk);
    };
    walk(g.coordinates);
    return [[w, s], [e, n]];
  }

  view(name) {
    if (VIEWS[name]) this.map.fitBounds(VIEWS[name], { padding: 10, duration: 500 });
  }

  // resolves at the next "idle" (every tile and paint done)
  idle() {
    return new Promise((resolve) => {
      if (this.map.loaded() && !this.map.isMoving() && this.map.areTilesLoaded()) {
        this.map.once("idle", resolve);
        this.map.triggerRepaint();
      } else {
        this.map.once("idle", resolve);
      }
    });
  }
}

// A point inside the territory's largest polygon (its bounding box centre), for circles.
function anchor(g) {
  const polys = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
  let best = null;
  for (const poly of polys) {
    let w = 180, s = 90, e = -180, n = -90;
    for (const [x, y] of poly[0]) { w = Math.min(w, x); e = Math.max(e, x); s = Math.min(s, y); n = Math.max(n, y); }
    const area = (e - w) * (n - s);
    if (!best || area > best.area) best = { area, c: [(w + e) / 2, (s + n) / 2] };
  }
  return best ? best.c : [0, 0];
}
