/** The demo's closing table: overall scores per model combination. */
import type { ExportRow } from "../cli/export";

export interface ComboSummary {
  combination: string;
  notes: number;
  grades: number;
  mean: number | null;
  sd: number | null;
  min: number | null;
  max: number | null;
}

export function summarise(rows: ExportRow[]): ComboSummary[] {
  const groups = new Map<string, ExportRow[]>();
  for (const row of rows) groups.set(row.combination, [...(groups.get(row.combination) ?? []), row]);
  return [...groups.entries()].map(([combination, group]) => {
    const scores = group.map((r) => r.overallScore).filter((s): s is number => s !== null);
    const mean = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
    const sd =
      mean !== null && scores.length > 1
        ? Math.sqrt(scores.reduce((a, s) => a + (s - mean) ** 2, 0) / (scores.length - 1))
        : null;
    return {
      combination,
      notes: new Set(group.map((r) => r.resultId)).size,
      grades: scores.length,
      mean,
      sd,
      min: scores.length ? Math.min(...scores) : null,
      max: scores.length ? Math.max(...scores) : null,
    };
  });
}

const f = (v: number | null) => (v === null ? "-" : v.toFixed(1));

export function summaryRows(summary: ComboSummary[]): (string | number)[][] {
  return [
    ["COMBINATION (generator → grader)", "NOTES", "GRADES", "MEAN", "SD", "MIN", "MAX"],
    ...summary.map((s) => [s.combination, s.notes, s.grades, f(s.mean), f(s.sd), f(s.min), f(s.max)]),
  ];
}
