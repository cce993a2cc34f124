import { EXPERIMENT_QUERY } from "./experiment.js";
import { gql } from "../api.js";
import { scoreChart } from "../chart.js";
import { app, h, fmtScore, comboName, table } from "../dom.js";

// Results: notes with scores, filters, chart

export async function fetchResults(id, failed) {
  const nodes = [];
  let after = null;
  for (;;) {
    const { experimentResults } = await gql(
      `query($e: Int!, $f: Boolean, $a: String) { experimentResults(experimentId: $e, failed: $f, first: 200, after: $a) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { node { id caseId caseName experimentModelId cycleTranscriptOverlap noteReplication generatedNoteId plannedGrades noteJson
          scores { id rubricId gradeReplication overallScore criteria { id satisfaction score rationale } } } } } }`,
      { e: id, f: failed, a: after },
    );
    nodes.push(...experimentResults.edges.map((e) => e.node));
    if (!experimentResults.pageInfo.hasNextPage) return nodes;
    after = experimentResults.pageInfo.endCursor;
  }
}

export async function resultsView(id, params) {
  const failedOnly = params.get("failed") === "1";
  const combo = params.get("combination") ?? "";
  const [{ experiment: x }, results] = await Promise.all([
    gql(EXPERIMENT_QUERY, { id }),
    fetchResults(id, failedOnly ? true : null),
  ]);
  const combos = new Map(x.models.map((m) => [m.id, comboName(m)]));
  const authors = new Map(x.cases.flatMap((c) => c.rubrics.map((r) => [r.id, r.author])));
  const shown = results.filter((r) => !combo || String(r.experimentModelId) === combo);
  const go = (next) => {
    const p = new URLSearchParams({ failed: failedOnly ? "1" : "0", combination: combo, ...next });
    location.hash = `#/experiments/${id}/results?${p}`;
  };
  const mean = (values) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);

  const chartGroups = x.models
    .filter((m) => !combo || String(m.id) === combo)
    .map((m) => ({
      label: comboName(m),
      values: results
        .filter((r) => r.experimentModelId === m.id)
        .flatMap((r) => r.scores.map((s) => s.overallScore).filter((v) => v !== null)),
    }));

  app.replaceChildren(
    h("h1", {}, h("a", { href: `#/experiments/${id}` }, x.name), " · results"),
    h(
      "section",
      { class: "card", id: "chart" },
      h("h2", {}, "Score distribution per model combination"),
      scoreChart(chartGroups),
    ),
    h(
      "section",
      { class: "card" },
      h(
        "div",
        { class: "filters" },
        h(
          "label",
          {},
          h("input", {
            type: "checkbox",
            id: "failed-only",
            checked: failedOnly,
            onchange: (e) => go({ failed: e.target.checked ? "1" : "0" }),
          }),
          " failed notes only",
        ),
        h(
          "label",
          {},
          "combination ",
          h(
            "select",
            { id: "combination", onchange: (e) => go({ combination: e.target.value }) },
            h("option", { value: "" }, "all"),
            x.models.map((m) => h("option", { value: m.id, selected: String(m.id) === combo }, comboName(m))),
          ),
        ),
        h("span", { class: "muted" }, `${shown.length} note(s)`),
      ),
      table(
        ["#", "Case", "Combination", "Overlap", "Rep", "Note", "Grades", "Mean score", "Scores (rubric author: score)"],
        shown.map((r) => {
          const scores = r.scores.map((s) => s.overallScore).filter((v) => v !== null);
          return h(
            "tr",
            { "data-testid": "result-row" },
            h("td", { class: "num" }, h("a", { href: `#/experiments/${id}/notes/${r.id}` }, r.id)),
            h("td", {}, r.caseName),
            h("td", {}, combos.get(r.experimentModelId) ?? "(removed)"),
            h("td", { class: "num" }, r.cycleTranscriptOverlap),
            h("td", { class: "num" }, r.noteReplication),
            h("td", {}, r.generatedNoteId ? "ok" : h("span", { class: "error" }, "failed / pending")),
            h("td", { class: "num" }, `${scores.length}/${r.plannedGrades}`),
            h("td", { class: "num" }, fmtScore(mean(scores))),
            h(
              "td",
              { class: "muted" },
              r.scores
                .map((s) => `${authors.get(s.rubricId) ?? s.rubricId}#${s.gradeReplication}: ${fmtScore(s.overallScore)}`)
                .join("; "),
            ),
          );
        }),
      ),
    ),
  );
}
