/**
 * `experiment export`: one row per grade, with the names a reader needs, as CSV or JSON. Each row
 * carries its criteria's text, weight and sense beside their satisfaction and score, since the i-th
 * criterion means something else in each case's rubric.
 */
import type { GraphQLClient } from "./client";

/** One criterion of a grade: satisfaction on the existing tool's scale (negative: 100 = fault absent). */
export interface ExportCriterion {
  score: number;
  satisfaction: number;
  criterion: string;
  weight: number;
  sense: string;
}

export interface ExportRow {
  experimentId: number;
  /** The version of the generator under test, and the generator's name. */
  version: string;
  generatorName: string;
  resultId: number;
  caseId: number;
  caseName: string;
  combinationId: number | null;
  combination: string;
  generator: string;
  grader: string;
  graderIsReasoning: boolean;
  overlap: number;
  noteReplication: number;
  noteFailed: boolean;
  /** Null (an empty cell) when the note's model has no price. */
  noteCostUsd: number | null;
  /** The note's provenance beyond the generator's name and version ("" / null while it has no note). */
  generatorKind: string;
  generatorCommit: string | null;
  promptVersion: string | null;
  noteModel: string;
  noteInputTokens: number | null;
  noteOutputTokens: number | null;
  noteDurationMs: number | null;
  gradeId: number;
  gradeReplication: number;
  /** Null (an empty cell) when the grader has no price. */
  gradeCostUsd: number | null;
  gradeInputTokens: number;
  gradeOutputTokens: number;
  rubricId: number;
  rubricAuthor: string;
  overallScore: number | null;
  /** Criterion position in the rubric → its grade. */
  criteria: Record<string, ExportCriterion>;
}

interface ModelRef {
  vendor: string;
  displayName: string;
}

const EXPERIMENT_QUERY = `query($e: Int!) { experiment(id: $e) { id name generator hyperscribeVersion
  models { id noteGraderIsReasoning noteGenerator { vendor displayName } noteGrader { vendor displayName } }
  cases { id rubrics { id author } } } }`;

const RESULTS_QUERY = `query($e: Int!, $after: String) {
  experimentResults(experimentId: $e, first: 200, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id caseId caseName experimentModelId cycleTranscriptOverlap noteReplication generatedNoteId costUsd
      provenance { generatorKind commit promptVersion model inputTokens outputTokens durationMs }
      scores { id rubricId gradeReplication overallScore costUsd inputTokens outputTokens
        criteria { id score satisfaction criterion weight sense } } } } } }`;

export const modelName = (m: ModelRef) => `${m.vendor}/${m.displayName}`;

interface ProvenanceNode {
  generatorKind: string;
  commit: string | null;
  promptVersion: string | null;
  model: string;
  inputTokens: number;
  outputTokens: number;
  durationMs: number;
}

function provenanceColumns(p: ProvenanceNode | null) {
  return {
    generatorKind: p?.generatorKind ?? "",
    generatorCommit: p?.commit ?? null,
    promptVersion: p?.promptVersion ?? null,
    noteModel: p?.model ?? "",
    noteInputTokens: p?.inputTokens ?? null,
    noteOutputTokens: p?.outputTokens ?? null,
    noteDurationMs: p?.durationMs ?? null,
  };
}

export async function collectExportRows(client: GraphQLClient, experimentId: number): Promise<ExportRow[]> {
  const { experiment } = await client.request(EXPERIMENT_QUERY, { e: experimentId });
  if (!experiment) throw new Error(`experiment ${experimentId} not found`);
  const combos = new Map<number, { generator: string; grader: string; reasoning: boolean }>();
  for (const m of experiment.models as {
    id: number;
    noteGraderIsReasoning: boolean;
    noteGenerator: ModelRef;
    noteGrader: ModelRef;
  }[]) {
    combos.set(m.id, {
      generator: modelName(m.noteGenerator),
      grader: modelName(m.noteGrader),
      reasoning: m.noteGraderIsReasoning,
    });
  }
  const authors = new Map<number, string>();
  for (const c of experiment.cases as { rubrics: { id: number; author: string }[] }[]) {
    for (const r of c.rubrics) authors.set(r.id, r.author);
  }

  const rows: ExportRow[] = [];
  let after: string | null = null;
  for (;;) {
    const { experimentResults }: { experimentResults: any } = await client.request(RESULTS_QUERY, { e: experimentId, after });
    for (const { node } of experimentResults.edges) {
      const combo = combos.get(node.experimentModelId);
      for (const s of node.scores) {
        rows.push({
          experimentId,
          version: experiment.hyperscribeVersion,
          generatorName: experiment.generator,
          resultId: node.id,
          caseId: node.caseId,
          caseName: node.caseName,
          combinationId: node.experimentModelId,
          combination: combo ? `${combo.generator} → ${combo.grader}${combo.reasoning ? " (reasoning)" : ""}` : "(removed)",
          generator: combo?.generator ?? "",
          grader: combo?.grader ?? "",
          graderIsReasoning: combo?.reasoning ?? false,
          overlap: node.cycleTranscriptOverlap,
          noteReplication: node.noteReplication,
          noteFailed: node.generatedNoteId === null,
          noteCostUsd: node.costUsd,
          ...provenanceColumns(node.provenance),
          gradeId: s.id,
          gradeReplication: s.gradeReplication,
          gradeCostUsd: s.costUsd,
          gradeInputTokens: s.inputTokens,
          gradeOutputTokens: s.outputTokens,
          rubricId: s.rubricId,
          rubricAuthor: authors.get(s.rubricId) ?? "",
          overallScore: s.overallScore,
          criteria: Object.fromEntries(
            (s.criteria as (ExportCriterion & { id: number })[]).map(({ id, score, satisfaction, criterion, weight, sense }) => [
              String(id),
              { score, satisfaction, criterion, weight, sense },
            ]),
          ),
        });
      }
    }
    if (!experimentResults.pageInfo.hasNextPage) break;
    after = experimentResults.pageInfo.endCursor;
  }
  return rows;
}

/**
 * A text cell that a spreadsheet would read as a formula (=, +, -, @, or a leading tab or carriage
 * return, which some strip before looking) gets a leading apostrophe, as OWASP advises for CSV
 * injection: a case name like `=HYPERLINK(...)` stays text. Numbers are written as they are (-0.5 is data).
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A header and one line per row. Criterion columns up to the longest rubric: criterion_0 … (scores),
 * then criterion_i_satisfaction, criterion_i_text, criterion_i_weight and criterion_i_sense groups.
 */
export function toCsv(rows: ExportRow[]): string {
  const criteria = Math.max(0, ...rows.map((r) => Math.max(-1, ...Object.keys(r.criteria).map(Number)) + 1));
  const fixed: (keyof ExportRow)[] = [
    "experimentId",
    "version",
    "generatorName",
    "resultId",
    "caseId",
    "caseName",
    "combinationId",
    "generator",
    "grader",
    "graderIsReasoning",
    "overlap",
    "noteReplication",
    "noteCostUsd",
    "generatorKind",
    "generatorCommit",
    "promptVersion",
    "noteModel",
    "noteInputTokens",
    "noteOutputTokens",
    "noteDurationMs",
    "gradeId",
    "gradeReplication",
    "gradeCostUsd",
    "gradeInputTokens",
    "gradeOutputTokens",
    "rubricId",
    "rubricAuthor",
    "overallScore",
  ];
  const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const parts: [suffix: string, key: keyof ExportCriterion][] = [
    ["", "score"],
    ["_satisfaction", "satisfaction"],
    ["_text", "criterion"],
    ["_weight", "weight"],
    ["_sense", "sense"],
  ];
  const indexes = Array.from({ length: criteria }, (_, i) => i);
  const header = [...fixed.map(snake), ...parts.flatMap(([suffix]) => indexes.map((i) => `criterion_${i}${suffix}`))];
  const lines = rows.map((r) =>
    [...fixed.map((k) => r[k]), ...parts.flatMap(([, key]) => indexes.map((i) => r.criteria[String(i)]?.[key]))]
      .map(csvCell)
      .join(","),
  );
  return [header.join(","), ...lines].join("\n") + "\n";
}
