// Bar charts drawn by uPlot. The x axis is a category index whose labels
// are the core's local dates or hours, never timestamps: uPlot would
// format timestamps in the browser's zone, not the one the page uses.
import uPlot from "uplot";
import { h } from "./dom.js";

const PALETTE = [
  "#4363d8", "#e6194b", "#3cb44b", "#f58231", "#911eb4",
  "#42d4f4", "#f032e6", "#9a6324", "#808000", "#000075",
];

const charts = new Set();

// One observer re-sizes every chart when its box changes (375 px phones
// included).
const resizer = new ResizeObserver((entries) => {
  for (const entry of entries) {
    const chart = entry.target.__chart;
    if (chart) chart.setSize({ width: Math.max(200, Math.floor(entry.contentRect.width)), height: chart.height });
  }
});

/**
 * A bar chart. `series`: [{ label, values }] (one value per label);
 * `stacked` stacks them (first series at the bottom). `format` renders a
 * value for the axis and the legend. Returns the element to insert.
 */
export function barChart({ title, labels, series, stacked = false, format = String, integer = false, axisLabel = "", height = 220 }) {
  const box = h("div", { class: "chart" });
  const figure = h("figure", { class: "chart-figure" },
    h("figcaption", {}, title),
    box,
  );
  // uPlot needs the element in the document to measure it.
  queueMicrotask(() => draw(box, { labels, series, stacked, format, integer, axisLabel, height }));
  return figure;
}

function draw(box, { labels, series, stacked, format, integer, axisLabel, height }) {
  const x = labels.map((_, i) => i);
  const sums = [];
  let running = labels.map(() => 0);
  for (const s of series) {
    running = running.map((v, i) => v + (s.values[i] ?? 0));
    sums.push(stacked ? running : s.values);
  }
  // uPlot paints series in order, later ones on top: the tallest stack
  // first, so each lower part shows in front of the sums above it.
  const order = stacked ? series.map((_, i) => series.length - 1 - i) : series.map((_, i) => i);
  const width = Math.max(200, Math.floor(box.getBoundingClientRect().width || 600));
  const bars = uPlot.paths.bars({ size: [series.length > 1 && !stacked ? 0.9 : 0.7, 48], align: 0 });
  const opts = {
    width,
    height,
    legend: { show: series.length > 1 || stacked, live: true },
    cursor: { points: { show: false } },
    scales: {
      x: { time: false, range: () => [-0.5, labels.length - 0.5] },
      y: { range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1] },
    },
    axes: [
      {
        values: (u, splits) => splits.map((i) => (Number.isInteger(i) ? labels[i] ?? "" : "")),
        incrs: [1, 2, 3, 4, 6, 7, 12, 14, 28, 30],
        space: 42,
        gap: 4,
      },
      {
        values: (u, splits) => splits.map((v) => format(v)),
        size: 60,
        ...(integer ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] } : {}),
      },
    ],
    series: [
      { label: axisLabel, value: (u, v) => (v === null || v === undefined ? "" : labels[v] ?? "") },
      ...order.map((i) => ({
        label: series[i].label,
        fill: PALETTE[i % PALETTE.length],
        stroke: PALETTE[i % PALETTE.length],
        width: 0,
        paths: bars,
        points: { show: false },
        value: (u, v, si, idx) => (idx === null || idx === undefined ? "" : format(series[i].values[idx] ?? 0)),
      })),
    ],
  };
  const chart = new uPlot(opts, [x, ...order.map((i) => sums[i])], box);
  chart.height = height;
  box.__chart = chart;
  charts.add(chart);
  resizer.observe(box);
}

/** Destroys the charts inside `root` (before a view re-renders). */
export function destroyCharts(root) {
  for (const chart of [...charts]) {
    if (!chart.root.isConnected || root.contains(chart.root)) {
      resizer.unobserve(chart.root.parentElement ?? chart.root);
      chart.destroy();
      charts.delete(chart);
    }
  }
}
