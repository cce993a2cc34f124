/**
 * `experiment report <id>` and `compare <arm> <arm>…`: the statistics (docs/statistics.md) as
 * terminal tables, or --format json|csv|md.
 */
import type { GraphQLClient } from "./client";
import { parse, table } from "./commands";
import { csvCell } from "./export";
import type { CliIo } from "./io";
import { UsageError } from "./options";

export type ReportFormat = "table" | "json" | "csv" | "md";
const FORMATS: ReportFormat[] = ["table", "json", "csv", "md"];

const SUMMARY_QUERY = `query($e: Int!) { experimentSummary(experimentId: $e) { experimentId experimentName generator version
  arms { combinationId overlap cases casesPlanned combination { label }
    notes { planned succeeded failed pending } grades { planned succeeded failed pending }
    costPerNote costPerGrade unpricedNotes unpricedGrades tokensPerNote tokensPerGrade
    score { n mean sd lo hi } normalised { n mean lo hi }
    varianceSplit { components { level variance share } implication advice }
    agreement { betweenAuthors { alpha units } acrossReplications { alpha units } }
    worstCriteria { rubricId index caseName author criterion weight sense meanSatisfaction grades flipRate } } } }`;

const COMPARE_QUERY = `query($arms: [ArmInput!]!, $baseline: Int, $scale: ScoreScale, $seed: Float) {
  compareArms(arms: $arms, baseline: $baseline, scale: $scale, seed: $seed) { scale seed resamples baseline
    arms { index label experimentName version combination { label } overlap cases mean { mean lo hi } }
    comparisons { arm baseline matched droppedA droppedB difference { mean lo hi } t df p holmP
      bootstrap { lo hi } casesNeeded detectDifference
      differences { caseId caseName a b difference }
      criteriaThatMoved { caseName author criterion weight sense meanSatisfactionA meanSatisfactionB difference } } } }`;

type Cell = string | number | null | undefined;
interface Table {
  title: string;
  rows: Cell[][];
}

const fixed = (x: number | null | undefined, digits = 2) => (x === null || x === undefined ? "-" : x.toFixed(digits));
const ci = (i: { mean: number | null; lo: number | null; hi: number | null }) =>
  i.mean === null ? "-" : `${fixed(i.mean)} [${fixed(i.lo)}, ${fixed(i.hi)}]`;
const pct = (x: number | null | undefined) => (x === null || x === undefined ? "-" : `${Math.round(x * 100)}%`);
const pValue = (p: number | null) => (p === null ? "-" : p < 0.0001 ? "<0.0001" : p.toFixed(4));

function parseFormat(value: string | undefined): ReportFormat {
  const format = (value ?? "table") as ReportFormat;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, received "${value}"`);
  return format;
}

function mdTable(rows: Cell[][]): string {
  const esc = (c: Cell) => (c === null || c === undefined ? "" : String(c).replace(/\|/g, "\\|").replace(/\n/g, " "));
  const [head, ...body] = rows;
  return [
    `| ${head.map(esc).join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...body.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

function render(format: Exclude<ReportFormat, "json" | "csv">, heading: string, tables: Table[], notes: string[]): string {
  if (format === "md")
    return (
      [`# ${heading}`, ...tables.map((t) => `## ${t.title}\n\n${mdTable(t.rows)}`), ...notes.map((n) => `- ${n}`)].join("\n\n") +
      "\n"
    );
  return [heading, ...tables.map((t) => `${t.title}\n${table(t.rows)}`), ...notes].join("\n\n") + "\n";
}

function toCsvLines(rows: Cell[][]): string {
  return rows.map((r) => r.map(csvCell).join(",")).join("\n") + "\n";
}

// ---------- experiment report ----------

export async function experimentReport({
  io,
  client,
  args,
}: {
  io: CliIo;
  client: GraphQLClient;
  args: string[];
}): Promise<number> {
  const { values, positionals } = parse(args, { format: { type: "string" } });
  const format = parseFormat(values.format);
  const id = Number(positionals[0]);
  if (positionals.length !== 1 || !Number.isInteger(id) || id < 1)
    throw new UsageError("experiment report takes one experiment id");
  const { experimentSummary: s } = await client.request(SUMMARY_QUERY, { e: id });
  if (format === "json") {
    io.stdout.write(JSON.stringify(s, null, 2) + "\n");
    return 0;
  }
  const overlaps = new Set(s.arms.map((a: any) => a.overlap)).size;
  const armName = (a: any) => `${a.combination?.label ?? "(removed combination)"}${overlaps > 1 ? ` @${a.overlap}` : ""}`;
  if (format === "csv") {
    io.stdout.write(
      toCsvLines([
        [
          "experiment_id",
          "version",
          "generator_name",
          "combination_id",
          "combination",
          "overlap",
          "cases",
          "cases_planned",
          "notes_succeeded",
          "notes_failed",
          "notes_pending",
          "grades_succeeded",
          "grades_failed",
          "grades_pending",
          "mean",
          "ci_lo",
          "ci_hi",
          "normalised_mean",
          "normalised_ci_lo",
          "normalised_ci_hi",
          "cost_per_note",
          "cost_per_grade",
          "tokens_per_note",
          "tokens_per_grade",
          "var_case",
          "var_note",
          "var_rubric",
          "var_grade",
          "advice",
          "alpha_authors",
          "alpha_replications",
        ],
        ...s.arms.map((a: any) => [
          s.experimentId,
          s.version,
          s.generator,
          a.combinationId,
          a.combination?.label,
          a.overlap,
          a.cases,
          a.casesPlanned,
          a.notes.succeeded,
          a.notes.failed,
          a.notes.pending,
          a.grades.succeeded,
          a.grades.failed,
          a.grades.pending,
          a.score.mean,
          a.score.lo,
          a.score.hi,
          a.normalised.mean,
          a.normalised.lo,
          a.normalised.hi,
          a.costPerNote,
          a.costPerGrade,
          a.tokensPerNote,
          a.tokensPerGrade,
          ...a.varianceSplit.components.map((c: any) => c.variance),
          a.varianceSplit.advice,
          a.agreement.betweenAuthors.alpha,
          a.agreement.acrossReplications.alpha,
        ]),
      ]),
    );
    return 0;
  }
  const tables: Table[] = [
    {
      title: "Scores (mean of case means, 95% CI)",
      rows: [
        [
          "COMBINATION",
          "CASES",
          "NOTES ok/failed/pending",
          "GRADES ok/failed/pending",
          "MEAN [95% CI]",
          "NORMALISED [95% CI]",
          "$/NOTE",
          "$/GRADE",
        ],
        ...s.arms.map((a: any) => [
          armName(a),
          `${a.cases}/${a.casesPlanned}`,
          `${a.notes.succeeded}/${a.notes.failed}/${a.notes.pending}`,
          `${a.grades.succeeded}/${a.grades.failed}/${a.grades.pending}`,
          ci(a.score),
          ci(a.normalised),
          a.unpricedNotes > 0 ? "unpriced" : fixed(a.costPerNote, 4),
          a.unpricedGrades > 0 ? "unpriced" : fixed(a.costPerGrade, 4),
        ]),
      ],
    },
    {
      title: "Variance split (share) and agreement (Krippendorff's alpha)",
      rows: [
        ["COMBINATION", "CASE", "NOTE", "RUBRIC", "GRADE", "ALPHA AUTHORS", "ALPHA REPLICATIONS"],
        ...s.arms.map((a: any) => [
          armName(a),
          ...a.varianceSplit.components.map((c: any) => pct(c.share)),
          fixed(a.agreement.betweenAuthors.alpha, 3),
          fixed(a.agreement.acrossReplications.alpha, 3),
        ]),
      ],
    },
    ...s.arms.map((a: any) => ({
      title: `Worst criteria: ${armName(a)}`,
      rows: [
        ["SATISFACTION", "FLIPS", "WEIGHT", "SENSE", "CASE", "AUTHOR", "CRITERION"],
        ...a.worstCriteria.map((c: any) => [
          fixed(c.meanSatisfaction, 1),
          pct(c.flipRate),
          c.weight,
          c.sense,
          c.caseName,
          c.author,
          c.criterion,
        ]),
      ],
    })),
  ];
  const notes = s.arms.map((a: any) => `${armName(a)}: ${a.varianceSplit.implication}`);
  io.stdout.write(
    render(
      format,
      `Experiment ${s.experimentId} "${s.experimentName}" (generator ${s.generator}, version ${s.version})`,
      tables,
      notes,
    ),
  );
  return 0;
}

// ---------- compare ----------

export interface ArmArg {
  experiment: string;
  combinationId: number | null;
  overlap: number | null;
}

/** `<experiment id or name>[:<combination id>][@<overlap>]` */
export function parseArm(text: string): ArmArg {
  const match = /^([^:@]+)(?::(\d+))?(?:@(\d+))?$/.exec(text);
  if (!match) throw new UsageError(`an arm is <experiment>[:<combination>][@<overlap>], received "${text}"`);
  return { experiment: match[1], combinationId: match[2] ? Number(match[2]) : null, overlap: match[3] ? Number(match[3]) : null };
}

async function experimentIdOf(client: GraphQLClient, experiment: string): Promise<number> {
  if (/^\d+$/.test(experiment)) return Number(experiment);
  const { experiments } = await client.request<{ experiments: { id: number; name: string }[] }>(`{ experiments { id name } }`);
  const found = experiments.find((e) => e.name === experiment);
  if (!found) throw new UsageError(`no experiment is named "${experiment}"`);
  return found.id;
}

export async function compare({ io, client, args }: { io: CliIo; client: GraphQLClient; args: string[] }): Promise<number> {
  const { values, positionals } = parse(args, {
    format: { type: "string" },
    baseline: { type: "string" },
    seed: { type: "string" },
    normalised: { type: "boolean" },
  });
  const format = parseFormat(values.format);
  if (positionals.length < 2) throw new UsageError("compare needs at least two arms: <experiment>[:<combination>][@<overlap>] …");
  const arms = [];
  for (const p of positionals) {
    const arm = parseArm(p);
    arms.push({
      experimentId: await experimentIdOf(client, arm.experiment),
      combinationId: arm.combinationId,
      overlap: arm.overlap,
    });
  }
  const baseline = values.baseline === undefined ? 0 : Number(values.baseline);
  if (!Number.isInteger(baseline))
    throw new UsageError(`--baseline must be an arm's position from 0, received "${values.baseline}"`);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, received "${values.seed}"`);
  const { compareArms: c } = await client.request(COMPARE_QUERY, {
    arms,
    baseline,
    seed,
    scale: values.normalised ? "normalised" : "overall",
  });
  if (format === "json") {
    io.stdout.write(JSON.stringify(c, null, 2) + "\n");
    return 0;
  }
  const label = (i: number) => c.arms[i].label;
  if (format === "csv") {
    io.stdout.write(
      toCsvLines([
        [
          "arm",
          "baseline",
          "matched",
          "dropped_arm",
          "dropped_baseline",
          "mean_difference",
          "ci_lo",
          "ci_hi",
          "t",
          "df",
          "p",
          "holm_p",
          "bootstrap_lo",
          "bootstrap_hi",
          "seed",
          "resamples",
          "cases_needed",
          "detect_difference",
          "scale",
        ],
        ...c.comparisons.map((x: any) => [
          label(x.arm),
          label(x.baseline),
          x.matched,
          x.droppedA.join(" "),
          x.droppedB.join(" "),
          x.difference.mean,
          x.difference.lo,
          x.difference.hi,
          x.t,
          x.df,
          x.p,
          x.holmP,
          x.bootstrap.lo,
          x.bootstrap.hi,
          c.seed,
          c.resamples,
          x.casesNeeded,
          x.detectDifference,
          c.scale,
        ]),
      ]),
    );
    return 0;
  }
  const tables: Table[] = [
    {
      title: `Arms (${c.scale} score, mean of case means)`,
      rows: [
        ["#", "ARM", "VERSION", "COMBINATION", "CASES", "MEAN [95% CI]"],
        ...c.arms.map((a: any) => [a.index, a.label, a.version, a.combination?.label ?? "-", a.cases, ci(a.mean)]),
      ],
    },
    {
      title: `Paired differences against arm ${c.baseline} (bootstrap: ${c.resamples} resamples, seed ${c.seed})`,
      rows: [
        ["ARM", "MATCHED", "DROPPED", "DIFFERENCE [95% t-CI]", "BOOTSTRAP 95% CI", "P", "HOLM P", "CASES FOR 80% POWER"],
        ...c.comparisons.map((x: any) => [
          label(x.arm),
          x.matched,
          `${x.droppedA.length}+${x.droppedB.length}`,
          ci(x.difference),
          `[${fixed(x.bootstrap.lo)}, ${fixed(x.bootstrap.hi)}]`,
          pValue(x.p),
          pValue(x.holmP),
          x.casesNeeded === null ? "-" : `${x.casesNeeded} (for ${fixed(x.detectDifference)})`,
        ]),
      ],
    },
    ...c.comparisons.flatMap((x: any) => [
      {
        title: `Per case: ${label(x.arm)} − ${label(x.baseline)}`,
        rows: [
          ["CASE", "ARM", "BASELINE", "DIFFERENCE"],
          ...x.differences.map((d: any) => [d.caseName, fixed(d.a), fixed(d.b), fixed(d.difference)]),
        ],
      },
      {
        title: `Criteria that moved: ${label(x.arm)} − ${label(x.baseline)} (mean satisfaction)`,
        rows: [
          ["CHANGE", "ARM", "BASELINE", "WEIGHT", "SENSE", "CASE", "AUTHOR", "CRITERION"],
          ...x.criteriaThatMoved.map((m: any) => [
            fixed(m.difference, 1),
            fixed(m.meanSatisfactionA, 1),
            fixed(m.meanSatisfactionB, 1),
            m.weight,
            m.sense,
            m.caseName,
            m.author,
            m.criterion,
          ]),
        ],
      },
    ]),
  ];
  const notes = c.comparisons
    .filter((x: any) => x.droppedA.length + x.droppedB.length > 0)
    .map(
      (x: any) =>
        `${label(x.arm)}: cases graded in one arm only were left out (arm: ${x.droppedA.join(", ") || "none"}; baseline: ${x.droppedB.join(", ") || "none"})`,
    );
  io.stdout.write(render(format, "Paired comparison by case", tables, notes));
  return 0;
}
