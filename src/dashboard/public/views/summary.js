// An experiment's statistics (docs/statistics.md): a forest plot of the combination means with their
// 95 % CIs, counts and failures, the variance split, agreement and the worst criteria.
import { gql } from "../api.js";
import { app, h, table } from "../dom.js";
import { fmt, fmtCi, fmtPct, loadPlot } from "./plot.js";

const SUMMARY = `query($e: Int!) { experimentSummary(experimentId: $e) { experimentId experimentName generator version
  arms { combinationId overlap cases casesPlanned combination { label }
    notes { planned succeeded failed pending } grades { planned succeeded failed pending }
    costPerNote costPerGrade unpricedNotes unpricedGrades tokensPerNote tokensPerGrade
    score { n mean lo hi } normalised { n mean lo hi }
    varianceSplit { components { level variance share } implication }
    agreement { betweenAuthors { alpha units } acrossReplications { alpha units } }
    worstCriteria { caseName author criterion weight sense meanSatisfaction grades flipRate } } } }`;

export async function summaryView(id) {
  const { experimentSummary: s } = await gql(SUMMARY, { e: id });
  const overlaps = new Set(s.arms.map((a) => a.overlap)).size;
  const name = (a) => `${a.combination?.label ?? "(removed combination)"}${overlaps > 1 ? ` @${a.overlap}` : ""}`;
  const Plot = await loadPlot();
  const withScores = s.arms.filter((a) => a.score.mean !== null);
  const forest = withScores.length
    ? Plot.plot({
        marginLeft: 10,
        width: 900,
        height: 60 + 40 * withScores.length,
        x: { label: "mean of case means (overall score), 95% CI", grid: true },
        y: { label: null, axis: null },
        marks: [
          Plot.ruleY(withScores, {
            x1: (a) => a.score.lo ?? a.score.mean,
            x2: (a) => a.score.hi ?? a.score.mean,
            y: name,
            strokeWidth: 2,
          }),
          Plot.dot(withScores, { x: (a) => a.score.mean, y: name, fill: "currentColor", r: 5 }),
          Plot.text(withScores, { x: (a) => a.score.mean, y: name, text: name, dy: -12, fontSize: 12 }),
        ],
      })
    : h("p", { class: "muted" }, "No grades yet.");
  forest.classList?.add("forest-plot");
  const variance = Plot.plot({
    marginLeft: 10,
    width: 900,
    height: 60 + 34 * s.arms.length,
    x: { label: "share of the grades' variance", percent: true, domain: [0, 100] },
    y: { axis: null },
    color: { legend: true, domain: ["case", "note", "rubric", "grade"] },
    marks: [
      Plot.barX(
        s.arms.flatMap((a) => a.varianceSplit.components.map((c) => ({ arm: name(a), level: c.level, share: c.share ?? 0 }))),
        Plot.stackX({ x: "share", y: "arm", fill: "level", title: (d) => `${d.arm}: ${d.level} ${Math.round(d.share * 100)}%` }),
      ),
    ],
  });
  app.replaceChildren(
    h("p", {}, h("a", { href: `#/experiments/${id}` }, `← ${s.experimentName}`)),
    h("h1", {}, `Summary: ${s.experimentName}`),
    h(
      "p",
      { class: "muted" },
      `generator ${s.generator}, version ${s.version}. The case is the unit of analysis: each figure is over case means.`,
    ),
    h(
      "p",
      {},
      h(
        "a",
        {
          href: `#/compare?arms=${s.arms
            .map((a) => `${s.experimentId}:${a.combinationId}@${a.overlap}`)
            .slice(0, 2)
            .join(",")}`,
        },
        "Compare two arms →",
      ),
    ),
    h("h2", {}, "Means with 95% confidence intervals"),
    forest,
    table(
      [
        "Combination",
        "Cases",
        "Notes ok/failed/pending",
        "Grades ok/failed/pending",
        "Mean [95% CI]",
        "Normalised [95% CI]",
        "$/note",
        "$/grade",
      ],
      s.arms.map((a) =>
        h(
          "tr",
          {},
          h("td", {}, name(a)),
          h("td", { class: "num" }, `${a.cases}/${a.casesPlanned}`),
          h("td", { class: "num" }, `${a.notes.succeeded}/${a.notes.failed}/${a.notes.pending}`),
          h(
            "td",
            { class: a.grades.failed ? "num error" : "num" },
            `${a.grades.succeeded}/${a.grades.failed}/${a.grades.pending}`,
          ),
          h("td", { class: "num" }, fmtCi(a.score)),
          h("td", { class: "num" }, fmtCi(a.normalised)),
          h("td", { class: "num" }, a.unpricedNotes > 0 ? "unpriced" : fmt(a.costPerNote, 4)),
          h("td", { class: "num" }, a.unpricedGrades > 0 ? "unpriced" : fmt(a.costPerGrade, 4)),
        ),
      ),
    ),
    h("h2", {}, "Where the variance comes from"),
    variance,
    h(
      "ul",
      { class: "implications" },
      s.arms.map((a) => h("li", {}, `${name(a)}: ${a.varianceSplit.implication}`)),
    ),
    h("h2", {}, "Agreement (Krippendorff's alpha, interval)"),
    table(
      ["Combination", "Between rubric authors", "Across grade replications"],
      s.arms.map((a) =>
        h(
          "tr",
          {},
          h("td", {}, name(a)),
          h("td", { class: "num" }, `${fmt(a.agreement.betweenAuthors.alpha, 3)} (${a.agreement.betweenAuthors.units} notes)`),
          h(
            "td",
            { class: "num" },
            `${fmt(a.agreement.acrossReplications.alpha, 3)} (${a.agreement.acrossReplications.units} units)`,
          ),
        ),
      ),
    ),
    h("h2", {}, "Worst criteria (lowest mean satisfaction; for a penalty 100 = fault absent)"),
    ...s.arms.flatMap((a) => [
      h("h3", {}, name(a)),
      table(
        ["Satisfaction", "Flips", "Weight", "Sense", "Case", "Author", "Criterion"],
        a.worstCriteria.map((c) =>
          h(
            "tr",
            { class: "worst-criterion" },
            h("td", { class: "num" }, fmt(c.meanSatisfaction, 1)),
            h("td", { class: "num" }, fmtPct(c.flipRate)),
            h("td", { class: "num" }, c.weight),
            h("td", {}, c.sense),
            h("td", {}, c.caseName),
            h("td", {}, c.author),
            h("td", {}, c.criterion),
          ),
        ),
      ),
    ]),
  );
}
