// A strip plot with a box (quartiles, median, whiskers at min/max) per model combination, as SVG.
const NS = "http://www.w3.org/2000/svg";

function el(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function quantile(sorted, q) {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Ticks at round values (1, 2 or 5 × a power of ten) covering [min, max], about `count` of them. */
export function niceTicks(min, max, count = 5) {
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const first = Math.floor(min / step);
  const last = Math.ceil(max / step);
  const ticks = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(10)));
  return ticks;
}

/** A label in lines of at most `width` characters, broken after " → " or at spaces. */
export function wrapLabel(label, width = 34) {
  const words = label.replace(/ → /g, "\u00a0→ ").split(" ");
  const lines = [];
  let line = "";
  for (const word of words) {
    const next = line ? `${line} ${word}` : word;
    if (next.length > width && line) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines.map((l) => l.replace(/\u00a0/g, " ").trim());
}

/** groups: [{label, values: number[]}] → an <svg> element. */
export function scoreChart(groups, { width = 900, rowHeight = 46 } = {}) {
  const left = 260;
  const right = 60;
  const top = 24;
  const lineHeight = 13;
  const labels = groups.map((g) => wrapLabel(g.label));
  const heights = labels.map((lines) => Math.max(rowHeight, lines.length * lineHeight + 16));
  const offsets = heights.map((_, i) => heights.slice(0, i).reduce((a, b) => a + b, 0));
  const plotHeight = heights.reduce((a, b) => a + b, 0);
  const height = top + plotHeight + 30;
  const all = groups.flatMap((g) => g.values);
  const ticks = niceTicks(Math.min(0, ...all), Math.max(1, ...all));
  const min = ticks[0];
  const max = ticks.at(-1);
  const x = (v) => left + ((v - min) / (max - min)) * (width - left - right);
  const svg = el("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width: "100%",
    role: "img",
    "aria-label": "Score distribution per model combination",
  });

  // Axis with ticks at round values.
  const axisY = top + plotHeight + 4;
  svg.append(el("line", { x1: left, x2: width - right, y1: axisY, y2: axisY, stroke: "#9aa3b5" }));
  for (const v of ticks) {
    svg.append(el("line", { x1: x(v), x2: x(v), y1: top - 6, y2: axisY, stroke: "#eceff4" }));
    svg.append(el("text", { x: x(v), y: axisY + 16, "text-anchor": "middle", class: "tick" }, String(v)));
  }
  svg.append(el("text", { x: left, y: 12, fill: "#6b7385" }, "overall score per grade (dots), box = quartiles, line = median"));

  groups.forEach((g, row) => {
    const cy = top + offsets[row] + heights[row] / 2;
    const label = el("text", {
      x: left - 10,
      y: cy + 4 - ((labels[row].length - 1) * lineHeight) / 2,
      "text-anchor": "end",
      class: "label",
    });
    labels[row].forEach((line, i) => {
      const span = el("tspan", { x: left - 10, dy: i === 0 ? 0 : lineHeight }, line);
      label.append(span);
    });
    label.append(el("title", {}, g.label));
    svg.append(label);
    const values = [...g.values].sort((a, b) => a - b);
    if (values.length === 0) {
      svg.append(el("text", { x: left + 4, y: cy + 4, fill: "#6b7385" }, "no scores yet"));
      return;
    }
    const [q1, med, q3] = [0.25, 0.5, 0.75].map((q) => quantile(values, q));
    svg.append(el("line", { x1: x(values[0]), x2: x(values.at(-1)), y1: cy, y2: cy, stroke: "#6b7385" }));
    svg.append(
      el("rect", { x: x(q1), y: cy - 12, width: Math.max(1, x(q3) - x(q1)), height: 24, fill: "#dbe7fa", stroke: "#3b7dd8" }),
    );
    svg.append(el("line", { x1: x(med), x2: x(med), y1: cy - 12, y2: cy + 12, stroke: "#234f93", "stroke-width": 2 }));
    values.forEach((v, i) => {
      // Deterministic jitter so that equal scores stay visible.
      const jitter = (((i * 7919) % 17) / 17 - 0.5) * 16;
      svg.append(el("circle", { cx: x(v), cy: cy + jitter, r: 2.6, fill: "#2e9d57", "fill-opacity": 0.7 }));
    });
    svg.append(el("text", { x: width - right + 4, y: cy + 4, fill: "#6b7385" }, `n=${values.length}`));
  });
  return svg;
}
