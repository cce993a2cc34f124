// Small DOM and formatting helpers shared by the views, and the current view's cleanups.
export const app = document.getElementById("app");
/** Cleanups of the current view (subscriptions, timers), run on navigation. */
let cleanups = [];

/** Registers cleanups for when the user leaves the current view. */
export function onLeave(...cleanup) {
  cleanups.push(...cleanup);
}

export function leaveView() {
  cleanups.forEach((c) => c());
  cleanups = [];
}

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const fmtDuration = (ms) => {
  if (ms === null || ms === undefined) return "–";
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
};
export const fmtTokens = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n));
/** Money: "$1.2345", or "unpriced" when the cost is unknown (a model without a price), never $0. */
export const fmtCost = (usd, unpriced = 0, digits = 4) =>
  usd === null || usd === undefined ? (unpriced > 0 ? `unpriced (${unpriced})` : "unpriced") : `$${Number(usd).toFixed(digits)}`;
export const fmtScore = (v) => (v === null || v === undefined ? "–" : Number(v).toFixed(1));
export const statusBadge = (s) => h("span", { class: `status ${s ?? ""}` }, s ?? "never run");
export const modelName = (m) => `${m.vendor}/${m.displayName}`;
export const comboName = (c) =>
  `${modelName(c.noteGenerator)} → ${modelName(c.noteGrader)}${c.noteGraderIsReasoning ? " (reasoning)" : ""}`;

export const NUMERIC_HEADERS = new Set([
  "#",
  "Overlap",
  "Rep",
  "Grades",
  "Mean score",
  "Weight",
  "Satisfaction",
  "Score",
  "Cases",
  "Combinations",
  "Human reviewers",
  "Notes",
  "Calls",
  "Cost",
]);

export function table(headers, rows) {
  return h(
    "table",
    {},
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        headers.map((x) => h("th", { class: NUMERIC_HEADERS.has(x) ? "num" : null }, x)),
      ),
    ),
    h("tbody", {}, rows),
  );
}
