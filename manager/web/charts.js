// Inline SVG charts built with DOM calls (no library, no CDN): bars, lines and a heatmap.
// Colours are chosen to stay apart in greyscale print too (dark/light pairs, patterns by value).

const NS = "http://www.w3.org/2000/svg";
export const COLOURS = ["#1f5f99", "#e07b28", "#4a9c59", "#8a5fb0", "#c0392b"];

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function frame(width, height, title) {
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img" });
  root.append(svg("title", {}, title));
  return root;
}

function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((v) => v >= value);
}

function axis(root, { left, top, width, height, max, format }) {
  // five steps (1, 2, 2.5, 5 and 10 divide into round ticks); a small whole maximum gets one step per
  // unit, so a scale of 0-2 never reads "0, 0, 1, 1, 1, 2"
  const steps = Number.isInteger(max) && max > 0 && max < 5 ? max : 5;
  for (let i = 0; i <= steps; i += 1) {
    const y = top + height - (height * i) / steps;
    root.append(svg("line", { x1: left, x2: left + width, y1: y, y2: y, stroke: "#d5dbe1" }));
    root.append(svg("text", { x: left - 4, y: y + 4, "text-anchor": "end" }, format((max * i) / steps)));
  }
}

function legend(root, names, x, y) {
  names.forEach((label, i) => {
    root.append(svg("rect", { x: x + i * 170, y, width: 10, height: 10, fill: COLOURS[i] }));
    root.append(svg("text", { x: x + i * 170 + 14, y: y + 10 }, label));
  });
}

/**
 * Grouped bars: rows = [{label, values: [..]}], one value per series. `secondary` = {series, max,
 * format} draws that series against its own right-hand axis (a % beside counts, never one scale).
 */
export function barChart({ title, rows, series, format = (v) => v.toFixed(0), max = null, line = null, secondary = null }) {
  const width = 640, height = 260, left = 48, top = 24, right = secondary ? 46 : 10;
  const plotW = width - left - right, plotH = height - top - 46;
  const root = frame(width, height, title);
  const primary = (j) => !secondary || j !== secondary.series;
  const top_ = max ?? niceMax(Math.max(0, ...rows.flatMap((r) => r.values.filter((v, j) => v !== null && primary(j)))));
  axis(root, { left, top, width: plotW, height: plotH, max: top_, format });
  if (secondary) {
    for (let i = 0; i <= 5; i += 1) {
      const y = top + plotH - (plotH * i) / 5;
      root.append(svg("text", { x: left + plotW + 4, y: y + 4, fill: COLOURS[secondary.series] }, secondary.format((secondary.max * i) / 5)));
    }
  }
  const scaleOf = (j) => (primary(j) ? top_ : secondary.max);
  const band = plotW / Math.max(rows.length, 1);
  const barW = Math.max(2, (band * 0.8) / series.length);
  rows.forEach((row, i) => {
    row.values.forEach((v, j) => {
      if (v === null || v === undefined) return;
      const h = (plotH * Math.min(v, scaleOf(j))) / scaleOf(j);
      const x = left + i * band + band * 0.1 + j * barW;
      const rect = svg("rect", { x, y: top + plotH - h, width: barW - 1, height: h, fill: COLOURS[j] });
      rect.append(svg("title", {}, `${row.label} · ${series[j]}: ${primary(j) ? format(v) : secondary.format(v)}`));
      root.append(rect);
    });
    if (rows.length <= 40 || i % Math.ceil(rows.length / 40) === 0) {
      root.append(svg("text", { x: left + i * band + band / 2, y: top + plotH + 14, "text-anchor": "middle" }, row.label));
    }
  });
  if (line !== null) {
    const y = top + plotH - (plotH * line.value) / top_;
    root.append(svg("line", { x1: left, x2: left + plotW, y1: y, y2: y, stroke: "#c0392b", "stroke-dasharray": "6 3" }));
    root.append(svg("text", { x: left + plotW, y: y - 3, "text-anchor": "end", fill: "#c0392b" }, line.label));
  }
  legend(root, series, left, height - 16);
  return root;
}

/** Lines over a shared x axis: rows = [{label, values: [..]}]. */
export function lineChart({ title, rows, series, format = (v) => v.toFixed(0) }) {
  const width = 640, height = 260, left = 48, top = 24, plotW = width - left - 10, plotH = height - top - 46;
  const root = frame(width, height, title);
  const max = niceMax(Math.max(0, ...rows.flatMap((r) => r.values.filter((v) => v !== null))));
  axis(root, { left, top, width: plotW, height: plotH, max, format });
  const step = plotW / Math.max(rows.length - 1, 1);
  series.forEach((_, j) => {
    const points = rows.map((r, i) => r.values[j] === null ? null : `${left + i * step},${top + plotH - (plotH * r.values[j]) / max}`)
      .filter(Boolean).join(" ");
    root.append(svg("polyline", { points, fill: "none", stroke: COLOURS[j], "stroke-width": 2, "stroke-dasharray": j ? "5 3" : "" }));
    rows.forEach((r, i) => {
      if (r.values[j] === null) return;
      const dot = svg("circle", { cx: left + i * step, cy: top + plotH - (plotH * r.values[j]) / max, r: 3, fill: COLOURS[j] });
      dot.append(svg("title", {}, `${r.label} · ${series[j]}: ${format(r.values[j])}`));
      root.append(dot);
    });
  });
  const every = Math.ceil(rows.length / 10);
  rows.forEach((r, i) => {
    if (i % every === 0) root.append(svg("text", { x: left + i * step, y: top + plotH + 14, "text-anchor": "middle" }, r.label));
  });
  legend(root, series, left, height - 16);
  return root;
}

/** A heatmap: cells[row][col] numbers, rowLabels down the side, colLabels along the bottom. */
export function heatmap({ title, cells, rowLabels, colLabels }) {
  const cell = 34, left = 40, top = 10;
  const width = left + colLabels.length * cell + 10, height = top + rowLabels.length * cell + 24;
  const root = frame(width, height, title);
  const max = Math.max(1, ...cells.flat());
  cells.forEach((row, r) => row.forEach((v, c) => {
    const shade = Math.round(245 - (v / max) * 200);
    const rect = svg("rect", { x: left + c * cell, y: top + r * cell, width: cell - 2, height: cell - 2,
      fill: `rgb(${shade},${Math.round(shade * 0.9 + 20)},255)` });
    rect.append(svg("title", {}, `${rowLabels[r]} ${colLabels[c]}: ${v}`));
    root.append(rect);
    if (v) root.append(svg("text", { x: left + c * cell + cell / 2 - 1, y: top + r * cell + cell / 2 + 3,
      "text-anchor": "middle", fill: v > max * 0.6 ? "#fff" : "#1b1f24", "font-size": 12 }, String(v)));
  }));
  rowLabels.forEach((l, r) => root.append(svg("text", { x: left - 6, y: top + r * cell + cell / 2 + 4, "text-anchor": "end" }, l)));
  colLabels.forEach((l, c) => root.append(svg("text", { x: left + c * cell + cell / 2, y: height - 8, "text-anchor": "middle" }, l)));
  return root;
}
