import { EXPERIMENT_QUERY } from "./experiment.js";
import { fetchResults } from "./results.js";
import { gql } from "../api.js";
import { app, h, fmtScore, comboName, table } from "../dom.js";
import { provenanceCard } from "./provenance.js";

/** A job's state (planned, running, succeeded, failed), its attempts and the error of every failed attempt. */
function jobState(job) {
  return h(
    "div",
    { class: "job-state", "data-testid": "job-state", "data-status": job.status },
    h("span", { class: `status ${job.status}` }, job.status),
    ` ${job.attempts} attempt(s)`,
    job.errors?.length
      ? h(
          "ul",
          { class: "attempt-errors" },
          job.errors.map((e) => h("li", {}, `attempt ${e.attempt}${e.kind ? ` (${e.kind})` : ""}: ${e.message}`)),
        )
      : null,
  );
}

// A note: its JSON items and per criterion satisfaction, score, rationale

export async function noteView(id, resultId) {
  const [{ experiment: x }, results] = await Promise.all([gql(EXPERIMENT_QUERY, { id }), fetchResults(id, null)]);
  const r = results.find((n) => n.id === resultId);
  if (!r) return app.replaceChildren(h("h1", {}, `Note ${resultId} not found`));
  const combo = x.models.find((m) => m.id === r.experimentModelId);
  const rubrics = new Map(x.cases.flatMap((c) => c.rubrics.map((rb) => [rb.id, rb])));
  const { case: kase } = await gql(
    `query($c: Int!) { case(id: $c) { rubrics { id author rubric { criterion weight sense } } } }`,
    { c: r.caseId },
  );
  const criteriaOf = new Map(kase.rubrics.map((rb) => [rb.id, rb.rubric]));
  const provenance = await provenanceCard(resultId);

  const noteItems = Array.isArray(r.noteJson)
    ? r.noteJson
    : r.noteJson && typeof r.noteJson === "object"
      ? Object.entries(r.noteJson).map(([k, v]) => ({ section: k, value: v }))
      : [];
  app.replaceChildren(
    h("h1", {}, h("a", { href: `#/experiments/${id}/results` }, x.name), ` · note #${r.id}`),
    h(
      "section",
      { class: "card" },
      h(
        "div",
        { class: "grid" },
        [
          ["case", r.caseName],
          ["combination", combo ? comboName(combo) : "(removed)"],
          ["transcript overlap", r.cycleTranscriptOverlap],
          ["note replication", r.noteReplication],
        ].map(([k, v]) => h("div", { class: "kv" }, h("span", { class: "muted" }, k), h("span", {}, v))),
      ),
    ),
    provenance,
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Note"),
      jobState(r),
      r.noteJson === null
        ? h(
            "p",
            { class: r.status === "failed" ? "error" : "muted" },
            r.status === "failed" ? "No note: generation failed." : "No note yet.",
          )
        : noteItems.map((item) => h("pre", {}, typeof item === "string" ? item : JSON.stringify(item, null, 2))),
    ),
    ...r.scores.map((s) => {
      const criteria = criteriaOf.get(s.rubricId) ?? [];
      return h(
        "section",
        { class: "card" },
        h(
          "h2",
          {},
          `Grade #${s.id}: rubric by ${rubrics.get(s.rubricId)?.author ?? s.rubricId}, replication ${s.gradeReplication} · overall ${fmtScore(s.overallScore)}`,
        ),
        jobState(s),
        s.criteria.length === 0
          ? h(
              "p",
              { class: s.status === "failed" ? "error" : "muted" },
              s.status === "failed" ? "not graded: every attempt failed" : "not graded yet",
            )
          : table(
              ["#", "Criterion", "Weight", "Satisfaction", "Score", "Rationale"],
              s.criteria.map((c) =>
                h(
                  "tr",
                  {},
                  h("td", { class: "num" }, c.id),
                  h(
                    "td",
                    {},
                    criteria[c.id] ? `${criteria[c.id].sense === "negative" ? "(−) " : ""}${criteria[c.id].criterion}` : "?",
                  ),
                  h("td", { class: "num" }, criteria[c.id]?.weight ?? ""),
                  h("td", { class: "num" }, `${c.satisfaction}%`),
                  h("td", { class: "num" }, fmtScore(c.score)),
                  h("td", {}, c.rationale),
                ),
              ),
            ),
      );
    }),
  );
}
