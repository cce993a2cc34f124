// Observable Plot (and d3, which it needs) from node_modules, loaded on the first page that draws a chart.
let loading;

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

/** Resolves to the Plot global (window.Plot) once d3 and Plot are loaded. */
export function loadPlot() {
  loading ??= loadScript("/dashboard/vendor/d3.min.js")
    .then(() => loadScript("/dashboard/vendor/plot.umd.min.js"))
    .then(() => window.Plot);
  return loading;
}

export const fmt = (v, digits = 2) => (v === null || v === undefined ? "–" : Number(v).toFixed(digits));
export const fmtCi = (i) => (i.mean === null ? "–" : `${fmt(i.mean)} [${fmt(i.lo)}, ${fmt(i.hi)}]`);
export const fmtPct = (v) => (v === null || v === undefined ? "–" : `${Math.round(v * 100)}%`);
export const fmtP = (p) => (p === null || p === undefined ? "–" : p < 0.0001 ? "<0.0001" : p.toFixed(4));
