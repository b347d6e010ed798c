// Plain-text tables for the benchmark scripts' output.

/** A table in monospace columns; `align` is a string of l/r per column. */
export function table(head, rows, align) {
  const all = [head, ...rows].map((r) => r.map((c) => String(c ?? "")));
  const widths = head.map((_, i) => Math.max(...all.map((r) => [...r[i]].length)));
  const pad = (c, i) => (align[i] === "r" ? c.padStart(widths[i]) : c.padEnd(widths[i]));
  const line = (r) => "  " + r.map(pad).join("  ").trimEnd();
  return [line(all[0]), "  " + widths.map((w) => "-".repeat(w)).join("  "), ...all.slice(1).map(line)].join("\n");
}

/** The same table in Markdown. */
export function markdownTable(head, rows, align) {
  const row = (r) => `| ${r.join(" | ")} |`;
  return [row(head), row(head.map((_, i) => (align[i] === "r" ? "---:" : "---"))), ...rows.map(row)].join("\n");
}
