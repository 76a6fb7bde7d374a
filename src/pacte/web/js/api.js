// The dashboard's only network access: JSON answers and GeoJSON layers of its own server.

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

const cache = new Map();

export async function getJSON(url, { keep = true } = {}) {
  if (keep && cache.has(url)) return cache.get(url);
  const p = fetch(url, { headers: { Accept: "application/json" } }).then(async (r) => {
    let body = null;
    try { body = await r.json(); } catch { body = null; }
    if (!r.ok) {
      const msg = body?.error?.message ?? `erreur ${r.status} sur ${url}`;
      throw new ApiError(r.status, msg);
    }
    return body;
  });
  if (keep) {
    cache.set(url, p);
    p.catch(() => cache.delete(url));
  }
  return p;
}

export function query(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== "") q.set(k, v);
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export const api = {
  catalogue: () => getJSON("api/catalogue"),
  values: (level, indicator, period, source) =>
    getJSON(query("api/indicators", { level, indicator, period, source })),
  ranking: (level) => getJSON(query("api/ranking", { level })),
  territory: (level, code) => getJSON(`api/territories/${encodeURIComponent(level)}/${encodeURIComponent(code)}`),
  geo: (level) => getJSON(`geo/${encodeURIComponent(level)}.json`),
  metadata: () => getJSON("api/metadata"),
  rule: () => getJSON("api/rule"),
  compare: (level, code, group, codes) =>
    getJSON(query(`api/compare/${encodeURIComponent(level)}/${encodeURIComponent(code)}`, { group, codes })),
  locate: (level, code, to) =>
    getJSON(query(`api/locate/${encodeURIComponent(level)}/${encodeURIComponent(code)}`, { to })),
  rankingRule: (level, rule) => postJSON(query("api/ranking", { level }), rule),
};

const posted = new Map();

// POST a JSON body (the rule editor's ranking); the same body is answered once
export async function postJSON(url, body) {
  const text = JSON.stringify(body);
  const key = `${url} ${text}`;
  if (posted.has(key)) return posted.get(key);
  const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json", Accept: "application/json" }, body: text });
  let out = null;
  try { out = await r.json(); } catch { out = null; }
  if (!r.ok) throw new ApiError(r.status, out?.error?.message ?? `erreur ${r.status} sur ${url}`);
  posted.set(key, out);
  return out;
}
