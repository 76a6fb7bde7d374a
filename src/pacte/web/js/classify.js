// Class breaks (quantiles, Jenks natural breaks), colours and French number formatting.

export const PALETTE = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"];
export const NO_DATA = "#d4d4d4";

const FMT = new Map();
export function fr(x, digits) {
  if (x === null || x === undefined || Number.isNaN(x)) return "—";
  const d = digits ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2);
  if (!FMT.has(d)) {
    FMT.set(d, new Intl.NumberFormat("fr-FR", { maximumFractionDigits: d, minimumFractionDigits: 0 }));
  }
  const out = FMT.get(d).format(x);
  return /^-0(,0*)?$/.test(out) ? "0" : out;  // never "-0"
}

// Quantile breaks that survive ties: each break is a data value above the minimum, so no
// class is empty and none repeats; a value shared by many territories (FttH: hundreds of
// zeros) gets its own class, and the largest remaining classes are split at their median
// until there are k classes (or as many as distinct values).
export function quantileBreaks(values, k) {
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  if (!n) return [];
  const out = [];
  for (let i = 1; i < k; i++) out.push(v[Math.floor((n * i) / k)]);
  return fillClasses(v, validBreaks(v, out), k);
}

function validBreaks(v, breaks) {
  return dedupe(breaks.filter((b) => b > v[0]).sort((a, b) => a - b));
}

// split the most populous class holding several distinct values, at its median (a data
// value above the class's first value), until k classes or no class can be split
function fillClasses(v, breaks, k) {
  const out = [...breaks];
  while (out.length < k - 1) {
    const edges = [-Infinity, ...out, Infinity];
    let best = null;
    for (let c = 0; c < edges.length - 1; c++) {
      const members = v.filter((x) => x >= edges[c] && x < edges[c + 1]);
      if (members.length < 2 || members[0] === members[members.length - 1]) continue;
      let cut = members[Math.floor(members.length / 2)];
      if (cut === members[0]) cut = members.find((x) => x > members[0]);
      if (!best || members.length > best.n) best = { n: members.length, cut };
    }
    if (!best) break;
    out.push(best.cut);
    out.sort((a, b) => a - b);
  }
  return out;
}

// Per class: number of values and their smallest and largest (legend labels say what the
// class holds, never an edge no territory has).
export function classSummary(values, breaks, nClasses) {
  const out = Array.from({ length: nClasses }, () => ({ n: 0, lo: Infinity, hi: -Infinity }));
  for (const x of values) {
    const c = out[classOf(x, breaks)];
    c.n += 1; c.lo = Math.min(c.lo, x); c.hi = Math.max(c.hi, x);
  }
  return out;
}

// Breaks of a change map: symmetric around zero, the classes below zero in blue and above
// in red (DIVERGING), zero in the middle class when values have both signs.
export const DIVERGING = ["#2166ac", "#67a9cf", "#d1e5f0", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b"];

// Fisher-Jenks optimal classification (minimises within-class variance).
export function jenksBreaks(values, k) {
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  if (n <= k) return validBreaks(v, v.slice(1));
  const lower = Array.from({ length: n + 1 }, () => new Int32Array(k + 1));
  const variance = Array.from({ length: n + 1 }, () => new Float64Array(k + 1).fill(Infinity));
  for (let j = 1; j <= k; j++) { lower[1][j] = 1; variance[1][j] = 0; }
  for (let l = 2; l <= n; l++) {
    let s1 = 0, s2 = 0, w = 0;
    for (let m = 1; m <= l; m++) {
      const i3 = l - m + 1;
      const val = v[i3 - 1];
      s2 += val * val; s1 += val; w += 1;
      const vr = s2 - (s1 * s1) / w;
      const i4 = i3 - 1;
      if (i4 !== 0) {
        for (let j = 2; j <= k; j++) {
          if (variance[l][j] >= vr + variance[i4][j - 1]) {
            lower[l][j] = i3;
            variance[l][j] = vr + variance[i4][j - 1];
          }
        }
      }
    }
    lower[l][1] = 1;
    variance[l][1] = s2 - (s1 * s1) / w;
  }
  const out = [];
  let at = n;
  for (let j = k; j >= 2; j--) {
    const id = lower[at][j] - 1;
    out.unshift(v[id]);  // first value of class j
    at = id;
  }
  return fillClasses(v, validBreaks(v, out), k);
}

function dedupe(breaks) {
  return breaks.filter((b, i) => i === 0 || b > breaks[i - 1]);
}

// Class of a value: number of breaks it reaches (values >= break go up).
export function classOf(x, breaks) {
  if (x === null || x === undefined || Number.isNaN(x)) return -1;
  let c = 0;
  while (c < breaks.length && x >= breaks[c]) c++;
  return c;
}

export function colours(nClasses) {
  if (nClasses >= PALETTE.length) return PALETTE;
  const step = (PALETTE.length - 1) / Math.max(1, nClasses - 1);
  return Array.from({ length: nClasses }, (_, i) => PALETTE[Math.round(i * step)]);
}

// a view's class breaks: symmetric around zero for a change map (two classes each side, one
// around it), else quantiles or natural breaks (method "jenks")
export function viewBreaks(values, change, method, nClasses) {
  if (values.length < 2) return [];
  if (change) {
    const abs = values.map(Math.abs).sort((a, b) => a - b);
    const a1 = abs[Math.floor(abs.length / 3)], a2 = abs[Math.floor((2 * abs.length) / 3)];
    return [...new Set([-a2, -a1, a1, a2].filter((b) => b !== 0))].sort((a, b) => a - b);
  }
  return method === "jenks" ? jenksBreaks(values, nClasses) : quantileBreaks(values, nClasses);
}

// a view's colours, one per class
export function viewPalette(view) {
  if (!view.change) return colours(view.breaks.length + 1);
  const n = view.breaks.length + 1;  // 5 classes: blue, light blue, grey, light red, red
  return n === 5 ? [DIVERGING[0], DIVERGING[1], DIVERGING[3], DIVERGING[5], DIVERGING[6]] : colours(n);
}
