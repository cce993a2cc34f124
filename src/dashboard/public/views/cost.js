import { gql } from "../api.js";
import { h, fmtCost, fmtTokens, table } from "../dom.js";

// Cost on the experiment page: what a start would cost (estimateExperimentRun), and a run's spend
// against its budget. docs/budgets.md explains the figures.

const ESTIMATE_QUERY = `query($e: Int!) { estimateExperimentRun(experimentId: $e) {
  scope basis notes grades calls inputTokens { low high } outputTokens { low high } costUsd { low high } unpricedModels
  models { vendor model notes grades calls costUsd { low high } } } }`;

const costRange = (r) => (r ? `${fmtCost(r.low)} – ${fmtCost(r.high)}` : fmtCost(null));
const tokenRange = (r) => (r.low === r.high ? fmtTokens(r.low) : `${fmtTokens(r.low)} – ${fmtTokens(r.high)}`);

/** The estimate card; `refresh()` asks again (after a run ended, the jobs left and the calibration changed). */
export function estimateCard(experimentId) {
  const body = h("div", { id: "estimate" }, h("p", { class: "muted" }, "Estimating…"));
  const refresh = async () => {
    try {
      const { estimateExperimentRun: e } = await gql(ESTIMATE_QUERY, { e: experimentId });
      if (e.notes + e.grades === 0) {
        body.replaceChildren(
          h("p", { class: "muted", "data-testid": "estimate-total" }, "Nothing left to run: every job has finished."),
        );
        return;
      }
      body.replaceChildren(
        h(
          "p",
          {},
          h("b", { "data-testid": "estimate-total" }, e.costUsd ? costRange(e.costUsd) : "unknown"),
          ` for ${e.scope === "all" ? "every job" : "the jobs left"}: ${e.notes} notes, ${e.grades} grades, ${e.calls} calls, `,
          `${tokenRange(e.inputTokens)} tokens in, ${tokenRange(e.outputTokens)} out `,
          h("span", { class: "muted" }, `(${e.basis})`),
        ),
        e.unpricedModels.length > 0
          ? h("p", { class: "error" }, `Unpriced (no price configured, cost unknown): ${e.unpricedModels.join(", ")}`)
          : "",
        table(
          ["Model", "Notes", "Grades", "Calls", "Cost"],
          e.models.map((m) =>
            h(
              "tr",
              {},
              h("td", {}, `${m.vendor}/${m.model}`),
              h("td", { class: "num" }, m.notes),
              h("td", { class: "num" }, m.grades),
              h("td", { class: "num" }, m.calls),
              h("td", { class: "num" }, costRange(m.costUsd)),
            ),
          ),
        ),
      );
    } catch (error) {
      body.replaceChildren(h("p", { class: "error" }, error.message));
    }
  };
  void refresh();
  const card = h("section", { class: "card" }, h("h2", {}, "Estimated cost of a start"), body);
  return { card, refresh };
}

/** The progress stat of a run with a budget: what it spent of it. */
export function budgetStat(p) {
  if (p.budgetUsd === null || p.budgetUsd === undefined) return "";
  return h(
    "span",
    { "data-testid": "budget" },
    h("b", {}, `${fmtCost(p.spentUsd)} / ${fmtCost(p.budgetUsd)}`),
    "spent of the run's budget",
  );
}

/** The budget field beside the start button: empty means no budget. */
export function budgetInput() {
  const input = h("input", { type: "number", min: 0, step: "0.01", placeholder: "none", id: "budget-usd", size: 8 });
  return {
    label: h("label", {}, "budget USD ", input),
    value: () => (input.value.trim() === "" ? null : Number(input.value)),
  };
}
