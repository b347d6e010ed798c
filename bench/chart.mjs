// A small SVG chart for scripts/bench: rows per second against row count,
// one panel per zone, one line per contender, both axes logarithmic. Plain
// SVG text, so it needs no browser and no package (uPlot, the page's chart
// library, draws on a canvas in a DOM).

const WIDTH = 980;
const PANEL_H = 300;
const LEGEND_ROW = 18;
const MARGIN = { top: 66, right: 18, bottom: 40, left: 64 };
const GAP = 26;
const COLORS = ["#6b7280", "#1d4ed8", "#0891b2", "#7c3aed", "#16a34a", "#ea580c", "#dc2626", "#a16207", "#db2777"];
const DASHED = new Set(["bare loop"]);

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/** 100000 → "100k", 1e6 → "1M", 2.5e7 → "25M". */
export function short(n) {
  if (n >= 1e9) return `${+(n / 1e9).toPrecision(3)}G`;
  if (n >= 1e6) return `${+(n / 1e6).toPrecision(3)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toPrecision(3)}k`;
  return `${+n.toPrecision(3)}`;
}

/** Powers of ten covering [lo, hi]. */
function decades(lo, hi) {
  const out = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
}

/**
 * `panels`: [{ title, series: [{ label, points: [[rows, rowsPerSecond]] }] }];
 * the same labels in every panel get the same colour. Returns SVG text.
 */
export function rowsPerSecondSvg({ title, subtitle, panels }) {
  const labels = [...new Set(panels.flatMap((p) => p.series.map((s) => s.label)))];
  const color = new Map(labels.map((l, i) => [l, COLORS[i % COLORS.length]]));
  const all = panels.flatMap((p) => p.series.flatMap((s) => s.points));
  const xs = decades(Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0])));
  const ys = decades(Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1])));
  const [x0, x1] = [Math.log10(xs[0]) - 0.25, Math.log10(xs.at(-1)) + 0.25];
  const [y0, y1] = [Math.log10(ys[0]), Math.log10(ys.at(-1))];
  const panelW = (WIDTH - MARGIN.left - MARGIN.right - GAP * (panels.length - 1)) / panels.length;
  const legendRows = Math.ceil(labels.length / 3);
  const height = MARGIN.top + PANEL_H + MARGIN.bottom + legendRows * LEGEND_ROW + 10;
  const out = [];
  const put = (s) => out.push(s);
  put(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="12">`);
  put(`<rect width="100%" height="100%" fill="#fff"/>`);
  put(`<text x="${MARGIN.left}" y="18" font-size="15" font-weight="600">${esc(title)}</text>`);
  if (subtitle) put(`<text x="${MARGIN.left}" y="36" fill="#555">${esc(subtitle)}</text>`);
  panels.forEach((panel, i) => {
    const left = MARGIN.left + i * (panelW + GAP);
    const top = MARGIN.top;
    const px = (v) => left + ((Math.log10(v) - x0) / (x1 - x0)) * panelW;
    const py = (v) => top + PANEL_H - ((Math.log10(v) - y0) / (y1 - y0)) * PANEL_H;
    put(`<g>`);
    put(`<rect x="${left}" y="${top}" width="${panelW.toFixed(1)}" height="${PANEL_H}" fill="none" stroke="#ccc"/>`);
    put(`<text x="${(left + panelW / 2).toFixed(1)}" y="${top - 8}" text-anchor="middle" font-weight="600">${esc(panel.title)}</text>`);
    for (const y of ys) {
      put(`<line x1="${left}" x2="${(left + panelW).toFixed(1)}" y1="${py(y).toFixed(1)}" y2="${py(y).toFixed(1)}" stroke="#eee"/>`);
      if (i === 0) put(`<text x="${left - 6}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end">${short(y)}/s</text>`);
    }
    for (const x of xs) {
      put(`<line x1="${px(x).toFixed(1)}" x2="${px(x).toFixed(1)}" y1="${top}" y2="${top + PANEL_H}" stroke="#eee"/>`);
      put(`<text x="${px(x).toFixed(1)}" y="${top + PANEL_H + 16}" text-anchor="middle">${short(x)} rows</text>`);
    }
    for (const s of panel.series) {
      const pts = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`);
      const dash = DASHED.has(s.label) ? ` stroke-dasharray="5 4"` : "";
      put(`<polyline points="${pts.join(" ")}" fill="none" stroke="${color.get(s.label)}" stroke-width="2"${dash}><title>${esc(s.label)}</title></polyline>`);
      for (const [x, y] of s.points) {
        put(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color.get(s.label)}"><title>${esc(`${s.label}: ${short(y)} rows/s at ${short(x)} rows`)}</title></circle>`);
      }
    }
    put(`</g>`);
  });
  if (panels.length > 0) put(`<text x="${12}" y="${MARGIN.top + PANEL_H / 2}" transform="rotate(-90 12 ${MARGIN.top + PANEL_H / 2})" text-anchor="middle" fill="#555">rows per second (log)</text>`);
  const legendTop = MARGIN.top + PANEL_H + MARGIN.bottom;
  const colW = (WIDTH - MARGIN.left - MARGIN.right) / 3;
  labels.forEach((label, i) => {
    const x = MARGIN.left + (i % 3) * colW;
    const y = legendTop + Math.floor(i / 3) * LEGEND_ROW;
    const dash = DASHED.has(label) ? ` stroke-dasharray="5 4"` : "";
    put(`<line x1="${x}" x2="${x + 22}" y1="${y - 4}" y2="${y - 4}" stroke="${color.get(label)}" stroke-width="2"${dash}/>`);
    put(`<text x="${x + 28}" y="${y}">${esc(label)}</text>`);
  });
  put(`</svg>`);
  return out.join("\n") + "\n";
}
