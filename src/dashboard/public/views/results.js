import { EXPERIMENT_QUERY } from "./experiment.js";
import { gql, onConnection, subscribe } from "../api.js";
import { scoreChart } from "../chart.js";
import { app, h, fmtScore, comboName, onLeave, table } from "../dom.js";

// Results: notes with scores, filters, chart

/** failed: true = failed notes only; failedGrades: true = notes with a failed grade only. */
export async function fetchResults(id, failed, failedGrades = null) {
  const nodes = [];
  let after = null;
  for (;;) {
    const { experimentResults } = await gql(
      `query($e: Int!, $f: Boolean, $g: Boolean, $a: String) {
        experimentResults(experimentId: $e, failed: $f, failedGrades: $g, first: 200, after: $a) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { node { id caseId caseName experimentModelId cycleTranscriptOverlap noteReplication generatedNoteId plannedGrades noteJson
          status attempts errors
          scores { id rubricId gradeReplication overallScore status attempts errors criteria { id satisfaction score rationale } } } } } }`,
      { e: id, f: failed, g: failedGrades, a: after },
    );
    nodes.push(...experimentResults.edges.map((e) => e.node));
    if (!experimentResults.pageInfo.hasNextPage) return nodes;
    after = experimentResults.pageInfo.endCursor;
  }
}

/** Live results: at most one refresh per this many ms while a run reports notes and grades. */
const REFRESH_MS = 1000;

export async function resultsView(id, params) {
  const failedOnly = params.get("failed") === "1";
  const failedGradesOnly = params.get("failedGrades") === "1";
  const combo = params.get("combination") ?? "";
  const { experiment: x } = await gql(EXPERIMENT_QUERY, { id });
  const combos = new Map(x.models.map((m) => [m.id, comboName(m)]));
  const authors = new Map(x.cases.flatMap((c) => c.rubrics.map((r) => [r.id, r.author])));
  const go = (next) => {
    const p = new URLSearchParams({
      failed: failedOnly ? "1" : "0",
      failedGrades: failedGradesOnly ? "1" : "0",
      combination: combo,
      ...next,
    });
    location.hash = `#/experiments/${id}/results?${p}`;
  };
  const mean = (values) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);
  const checkbox = (elementId, checked, key, label) =>
    h(
      "label",
      {},
      h("input", { type: "checkbox", id: elementId, checked, onchange: (e) => go({ [key]: e.target.checked ? "1" : "0" }) }),
      ` ${label}`,
    );

  const chartCard = h("section", { class: "card", id: "chart" });
  const count = h("span", { class: "muted", id: "result-count" });
  const tableSlot = h("div", { id: "results-table" });
  const noteCell = (r) =>
    r.generatedNoteId
      ? "ok"
      : h(
          "span",
          { class: r.status === "failed" ? "error" : "muted" },
          r.status === "failed" ? "failed" : (r.status ?? "pending"),
        );
  const gradesCell = (r, scores) => {
    const failed = r.scores.filter((s) => s.status === "failed").length;
    return [`${scores.length}/${r.plannedGrades}`, failed ? h("span", { class: "error" }, ` (${failed} failed)`) : null];
  };

  const render = (results) => {
    const shown = results.filter((r) => !combo || String(r.experimentModelId) === combo);
    const chartGroups = x.models
      .filter((m) => !combo || String(m.id) === combo)
      .map((m) => ({
        label: comboName(m),
        values: results
          .filter((r) => r.experimentModelId === m.id)
          .flatMap((r) => r.scores.map((s) => s.overallScore).filter((v) => v !== null)),
      }));
    chartCard.replaceChildren(h("h2", {}, "Score distribution per model combination"), scoreChart(chartGroups));
    count.textContent = `${shown.length} note(s)`;
    tableSlot.replaceChildren(
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
            h("td", {}, noteCell(r)),
            h("td", { class: "num" }, gradesCell(r, scores)),
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
    );
  };
  const load = async () => render(await fetchResults(id, failedOnly ? true : null, failedGradesOnly ? true : null));
  await load();

  app.replaceChildren(
    h("h1", {}, h("a", { href: `#/experiments/${id}` }, x.name), " · results"),
    chartCard,
    h(
      "section",
      { class: "card" },
      h(
        "div",
        { class: "filters" },
        checkbox("failed-only", failedOnly, "failed", "failed notes only"),
        checkbox("failed-grades-only", failedGradesOnly, "failedGrades", "notes with failed grades only"),
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
        count,
      ),
      tableSlot,
    ),
  );

  // Live during a run: notes and grades that finish show up here, throttled to one refresh a second.
  let timer = null;
  let stale = false;
  const refresh = () => {
    if (timer) return void (stale = true);
    timer = setTimeout(async () => {
      await load().catch(() => undefined);
      timer = null;
      if (stale) {
        stale = false;
        refresh();
      }
    }, REFRESH_MS);
  };
  onLeave(() => clearTimeout(timer));
  onLeave(
    subscribe(
      `subscription($e: Int!) { experimentResultEvents(experimentId: $e) { type } }`,
      { e: id },
      ({ experimentResultEvents: e }) => {
        if (/succeeded|failed/.test(e.type)) refresh();
      },
    ),
  );
  // After a reconnection (server restart), the rows are read again: events sent meanwhile are gone.
  onLeave(onConnection((state) => state === "reconnected" && refresh()));
}
