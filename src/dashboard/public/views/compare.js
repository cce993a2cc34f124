// Two (or more) arms compared case by case (docs/statistics.md): pick the arms, see the paired
// differences per case with the CIs, the p-values and the criteria that moved.
import { gql } from "../api.js";
import { app, comboName, h, table } from "../dom.js";
import { fmt, fmtCi, fmtP, loadPlot } from "./plot.js";

const COMPARE = `query($arms: [ArmInput!]!, $baseline: Int) { compareArms(arms: $arms, baseline: $baseline) {
  seed resamples baseline scale
  arms { index label version combination { label } overlap cases mean { n mean lo hi } }
  comparisons { arm baseline matched droppedA droppedB difference { mean lo hi } p holmP bootstrap { lo hi } casesNeeded detectDifference
    differences { caseName a b difference }
    criteriaThatMoved { caseName author criterion weight sense meanSatisfactionA meanSatisfactionB difference } } } }`;

const EXPERIMENTS = `{ experiments { id name hyperscribeVersion cycleTranscriptOverlaps
  models { id noteGraderIsReasoning noteGenerator { vendor displayName } noteGrader { vendor displayName } } } }`;

/** "e:c@o" ↔ {experimentId, combinationId, overlap} */
const parseArm = (text) => {
  const m = /^(\d+):(\d+)(?:@(\d+))?$/.exec(text);
  return m ? { experimentId: Number(m[1]), combinationId: Number(m[2]), overlap: m[3] ? Number(m[3]) : null } : null;
};
const armText = (a) => `${a.experimentId}:${a.combinationId}${a.overlap === null ? "" : `@${a.overlap}`}`;

function armPicker(experiments, selected, label) {
  const options = experiments.flatMap((e) =>
    e.models.flatMap((m) =>
      e.cycleTranscriptOverlaps.map((o) => {
        const value = `${e.id}:${m.id}@${o}`;
        const text = `${e.name} (${e.hyperscribeVersion}) · ${comboName(m)}${e.cycleTranscriptOverlaps.length > 1 ? ` @${o}` : ""}`;
        return h("option", { value, selected: selected && value === armText(selected) }, text);
      }),
    ),
  );
  return h("label", {}, `${label} `, h("select", { name: label.toLowerCase() }, options));
}

export async function compareView(params) {
  const arms = (params.get("arms") ?? "").split(",").map(parseArm).filter(Boolean);
  const { experiments } = await gql(EXPERIMENTS);
  const form = h(
    "form",
    {
      class: "compare-form",
      onsubmit: (event) => {
        event.preventDefault();
        const pick = (name) => event.target.querySelector(`select[name=${name}]`).value;
        location.hash = `#/compare?arms=${pick("baseline")},${pick("arm")}`;
      },
    },
    armPicker(experiments, arms[0], "Baseline"),
    armPicker(experiments, arms[1], "Arm"),
    h("button", { type: "submit" }, "Compare"),
  );
  const header = [h("h1", {}, "Compare arms, case by case"), form];
  if (arms.length < 2) {
    app.replaceChildren(
      ...header,
      h("p", { class: "muted" }, "Pick a baseline and an arm (across experiments too: two versions on the same cases)."),
    );
    return;
  }
  let result;
  try {
    result = (await gql(COMPARE, { arms, baseline: 0 })).compareArms;
  } catch (error) {
    app.replaceChildren(...header, h("p", { class: "error" }, error.message));
    return;
  }
  const Plot = await loadPlot();
  const label = (i) => result.arms[i].label;
  app.replaceChildren(
    ...header,
    table(
      ["#", "Arm", "Version", "Combination", "Cases", "Mean [95% CI]"],
      result.arms.map((a) =>
        h(
          "tr",
          {},
          h("td", { class: "num" }, a.index),
          h("td", {}, a.label),
          h("td", {}, a.version),
          h("td", {}, a.combination?.label ?? "–"),
          h("td", { class: "num" }, a.cases),
          h("td", { class: "num" }, fmtCi(a.mean)),
        ),
      ),
    ),
    ...result.comparisons.map((c) => {
      const d = c.differences;
      const chart = Plot.plot({
        width: 900,
        height: 80 + 16 * d.length,
        marginLeft: 160,
        x: { label: `case mean difference (${label(c.arm)} − ${label(c.baseline)})`, grid: true },
        y: { label: null },
        marks: [
          c.difference.lo !== null
            ? Plot.rectX([c.difference], { x1: "lo", x2: "hi", fill: "steelblue", fillOpacity: 0.12 })
            : null,
          Plot.ruleX([0], { stroke: "gray" }),
          c.difference.mean !== null ? Plot.ruleX([c.difference.mean], { stroke: "steelblue", strokeWidth: 2 }) : null,
          Plot.dot(d, {
            x: "difference",
            y: "caseName",
            fill: (x) => (x.difference >= 0 ? "seagreen" : "firebrick"),
            r: 4,
            title: (x) => `${x.caseName}: ${fmt(x.a)} − ${fmt(x.b)} = ${fmt(x.difference)}`,
          }),
        ],
      });
      chart.classList?.add("paired-plot");
      return h(
        "section",
        { class: "comparison" },
        h("h2", {}, `${label(c.arm)} − ${label(c.baseline)}`),
        h(
          "p",
          { class: "comparison-figures" },
          `${c.matched} matched cases (dropped: ${c.droppedA.length} only in the arm, ${c.droppedB.length} only in the baseline). ` +
            `Mean difference ${fmtCi(c.difference)}; bootstrap 95% CI [${fmt(c.bootstrap.lo)}, ${fmt(c.bootstrap.hi)}] ` +
            `(${result.resamples} resamples, seed ${result.seed}); paired t-test p = ${fmtP(c.p)}, Holm p = ${fmtP(c.holmP)}; ` +
            `${c.casesNeeded === null ? "cases needed: –" : `${c.casesNeeded} cases for 80% power to detect ${fmt(c.detectDifference)}`}.`,
        ),
        chart,
        h("h3", {}, "Criteria that moved (mean satisfaction)"),
        table(
          ["Change", "Arm", "Baseline", "Weight", "Sense", "Case", "Criterion"],
          c.criteriaThatMoved.map((m) =>
            h(
              "tr",
              { class: "criterion-move" },
              h("td", { class: "num" }, fmt(m.difference, 1)),
              h("td", { class: "num" }, fmt(m.meanSatisfactionA, 1)),
              h("td", { class: "num" }, fmt(m.meanSatisfactionB, 1)),
              h("td", { class: "num" }, m.weight),
              h("td", {}, m.sense),
              h("td", {}, m.caseName),
              h("td", {}, m.criterion),
            ),
          ),
        ),
      );
    }),
  );
}
