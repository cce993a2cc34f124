import { budgetInput, budgetStat, estimateCard } from "./cost.js";
import { modelWarnings } from "./model-warnings.js";
import { generatorSettings } from "./provenance.js";
import { gql, onConnection, PROGRESS_FIELDS, subscribe } from "../api.js";
import { app, onLeave, h, fmtCost, fmtDuration, fmtTokens, fmtScore, statusBadge, modelName, table } from "../dom.js";

// Experiment page: settings, cases, combinations, runs, controls, live progress

const RUN_FIELDS = "id status workers maxAttempts retryFailed startedAt finishedAt error failedNotes failedGrades";

export const EXPERIMENT_QUERY = `query($id: Int!) { experiment(id: $id) {
  id name generator hyperscribeVersion generatorCommit cycleTranscriptOverlaps cycleTimes noteReplications gradeReplications created updated
  cases { id name humanAuthors rubrics { id author validation } }
  models { id noteGraderIsReasoning noteGenerator { id vendor displayName deprecation } noteGrader { id vendor displayName deprecation } }
  runs { ${RUN_FIELDS} } } }`;

function progressRow(label, counts) {
  const pct = (n) => (counts.expected > 0 ? (100 * n) / counts.expected : 0);
  const finished = counts.succeeded + counts.failed;
  return h(
    "div",
    {
      class: "progress-row",
      "data-testid": `${label}-progress`,
      "data-expected": counts.expected,
      "data-finished": finished,
      "data-failed": counts.failed,
    },
    h("strong", {}, label),
    h(
      "div",
      { class: "bar", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": counts.expected, "aria-valuenow": finished },
      h("span", { class: "ok", style: `width:${pct(counts.succeeded)}%` }),
      h("span", { class: "fail", style: `width:${pct(counts.failed)}%` }),
      h("span", { class: "run", style: `width:${pct(counts.running)}%` }),
    ),
    h(
      "span",
      { class: "legend" },
      `${counts.succeeded} / ${counts.expected} done · ${counts.failed} failed · ${counts.running} running · ${counts.pending} pending`,
    ),
  );
}

function progressView(p) {
  return [
    progressRow("notes", p.notes),
    progressRow("grades", p.grades),
    h(
      "div",
      { class: "stats" },
      h("span", {}, h("b", {}, p.runStatus ? statusBadge(p.runStatus) : "–"), "run ", p.runId ?? "–"),
      h("span", {}, h("b", {}, fmtCost(p.costUsd, p.unpriced)), "cost so far"),
      budgetStat(p),
      h("span", {}, h("b", {}, `${fmtTokens(p.inputTokens)} / ${fmtTokens(p.outputTokens)}`), "tokens in / out"),
      h("span", {}, h("b", {}, fmtDuration(p.elapsedMs)), "elapsed"),
      h("span", { "data-testid": "eta" }, h("b", {}, p.done ? "done" : fmtDuration(p.etaMs)), "ETA"),
    ),
    // Each vendor key's limit across the cluster and why it last changed (keys by vendor and base URL only).
    ...(p.limits ?? []).map((l) =>
      h(
        "div",
        { class: "legend", "data-testid": "limit" },
        `${l.vendor} ${l.baseUrl}: limit ${l.limit}`,
        l.processes > 1 ? ` across ${l.processes} processes` : "",
        l.reason ? h("span", { class: "muted" }, ` (${l.reason})`) : null,
      ),
    ),
  ];
}

function eventItem(e) {
  const failed = /failed|retrying/.test(e.type);
  const where =
    e.result?.cycleTranscriptOverlap !== undefined
      ? ` (overlap ${e.result.cycleTranscriptOverlap}, rep ${e.result.noteReplication})`
      : "";
  const what = e.result ? `${e.result.caseName}${where}` : "";
  const grade = e.grade
    ? ` grade #${e.grade.id}${e.grade.overallScore !== null ? ` → ${fmtScore(e.grade.overallScore)}` : ""}`
    : e.gradeId
      ? ` grade #${e.gradeId}`
      : "";
  return h(
    "li",
    { class: failed ? "failed" : null },
    h("span", { class: "muted" }, new Date(e.at).toLocaleTimeString(), " "),
    h("strong", {}, e.type),
    ` ${what}${grade}${e.attempt ? ` · attempt ${e.attempt}` : ""}`,
    e.error ? h("div", { class: "error" }, e.error) : null,
  );
}

export async function experimentView(id) {
  const { experiment: x } = await gql(EXPERIMENT_QUERY, { id });
  if (!x) return app.replaceChildren(h("h1", {}, `Experiment ${id} not found`));
  const running = x.runs.find((r) => r.status === "running");
  const workers = h("input", { type: "number", min: 1, value: 3, id: "workers" });
  const attempts = h("input", { type: "number", min: 1, value: 3, id: "max-attempts" });
  const retry = h("input", { type: "checkbox", id: "retry-failed" });
  const budget = budgetInput();
  const estimate = estimateCard(id);
  const message = h("span", { class: "error" });
  const start = h(
    "button",
    {
      class: "primary",
      id: "start-run",
      disabled: Boolean(running),
      onclick: async () => {
        start.disabled = true;
        try {
          await gql(
            `mutation($e: Int!, $w: Int!, $m: Int!, $r: Boolean!, $b: Float) { startExperimentRun(experimentId: $e, workers: $w, maxAttempts: $m, retryFailed: $r, budgetUsd: $b) { id } }`,
            {
              e: id,
              w: Number(workers.value),
              m: Number(attempts.value),
              r: retry.checked,
              b: budget.value(),
            },
          );
          message.textContent = "";
          refreshRuns();
        } catch (error) {
          message.textContent = error.message;
          start.disabled = false;
        }
      },
    },
    "Start run",
  );
  const cancel = h(
    "button",
    {
      class: "danger",
      id: "cancel-run",
      disabled: !running,
      onclick: async () => {
        const runId = cancel.dataset.runId;
        if (!runId) return;
        cancel.disabled = true;
        try {
          await gql(`mutation($r: Int!) { cancelExperimentRun(runId: $r) { id status } }`, { r: Number(runId) });
        } catch (error) {
          message.textContent = error.message;
        }
        refreshRuns();
      },
    },
    "Cancel run",
  );
  if (running) cancel.dataset.runId = running.id;

  const runsBody = h("tbody");
  const renderRuns = (runs) =>
    runsBody.replaceChildren(
      ...runs.map((r) =>
        h(
          "tr",
          {},
          h("td", { class: "num" }, r.id),
          h("td", {}, statusBadge(r.status)),
          h("td", { class: "num" }, r.workers),
          h("td", { class: "num" }, r.maxAttempts),
          h("td", {}, r.retryFailed ? "yes" : "no"),
          h("td", {}, r.startedAt ? new Date(r.startedAt).toLocaleString() : "–"),
          h("td", {}, r.finishedAt ? new Date(r.finishedAt).toLocaleString() : "–"),
          h(
            "td",
            { class: r.failedNotes + r.failedGrades > 0 ? "num error" : "num", "data-testid": "run-failed" },
            `${r.failedNotes} notes, ${r.failedGrades} grades`,
          ),
          h(
            "td",
            { class: "error" },
            r.error ??
              (r.failedNotes + r.failedGrades > 0
                ? h(
                    "a",
                    { href: `#/experiments/${id}/results?${r.failedGrades > 0 ? "failedGrades" : "failed"}=1` },
                    "see the failures",
                  )
                : ""),
          ),
        ),
      ),
    );
  renderRuns(x.runs);
  // Called from subscriptions and after a reconnect, never awaited: a failure (the server is
  // restarting) is shown beside the table, and the reconnect handler below asks again.
  const runsError = h("p", { class: "error", id: "runs-error" });
  const refreshRuns = async () => {
    let experiment;
    try {
      ({ experiment } = await gql(`query($id: Int!) { experiment(id: $id) { runs { ${RUN_FIELDS} } } }`, { id }));
    } catch (error) {
      runsError.textContent = `Could not load the runs: ${error.message}`;
      return;
    }
    runsError.textContent = "";
    renderRuns(experiment.runs);
    const current = experiment.runs.find((r) => r.status === "running");
    start.disabled = Boolean(current);
    cancel.disabled = !current;
    if (current) cancel.dataset.runId = current.id;
  };

  const progress = h("div", { id: "progress" }, h("p", { class: "muted" }, "Connecting…"));
  const events = h("ul", { class: "events", id: "events" });

  app.replaceChildren(
    h("h1", {}, x.name, " ", h("span", { class: "muted" }, `#${x.id}`)),
    ...modelWarnings(x.models),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Live progress"),
      h(
        "div",
        { class: "controls" },
        h("label", {}, "workers ", workers),
        h("label", {}, "max attempts ", attempts),
        h("label", {}, retry, " retry failed"),
        budget.label,
        start,
        cancel,
        h("a", { href: `#/experiments/${id}/results` }, "Results and score chart →"),
        " ",
        h("a", { href: `#/experiments/${id}/summary` }, "Summary: means, CIs, agreement →"),
        message,
      ),
      progress,
      h("h2", {}, "Latest events"),
      events,
    ),
    estimate.card,
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Settings"),
      h(
        "div",
        { class: "grid" },
        [
          ...generatorSettings(x),
          ["transcript overlaps", x.cycleTranscriptOverlaps.join(", ")],
          ["cycle times", x.cycleTimes.join(", ") || "–"],
          ["note replications", x.noteReplications],
          ["grade replications", x.gradeReplications],
          ["created", new Date(x.created).toLocaleString()],
        ].map(([k, v]) => h("div", { class: "kv" }, h("span", { class: "muted" }, k), h("span", {}, v))),
      ),
    ),
    h(
      "section",
      { class: "card" },
      h("h2", {}, `Model combinations (${x.models.length})`),
      table(
        ["#", "Note generator", "Grader", "Reasoning grader"],
        x.models.map((m) =>
          h(
            "tr",
            {},
            h("td", { class: "num" }, m.id),
            h("td", {}, modelName(m.noteGenerator)),
            h("td", {}, modelName(m.noteGrader)),
            h("td", {}, m.noteGraderIsReasoning ? "yes" : "no"),
          ),
        ),
      ),
    ),
    h(
      "section",
      { class: "card" },
      h("h2", {}, `Cases (${x.cases.length})`),
      table(
        ["#", "Name", "Human reviewers", "Accepted rubrics"],
        x.cases.map((c) =>
          h(
            "tr",
            {},
            h("td", { class: "num" }, c.id),
            h("td", {}, c.name),
            h("td", { class: "num" }, c.humanAuthors),
            h(
              "td",
              {},
              c.rubrics
                .filter((r) => r.validation === "accepted")
                .map((r) => r.author)
                .join(", "),
            ),
          ),
        ),
      ),
    ),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Runs"),
      runsError,
      h(
        "table",
        {},
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["#", "Status", "Workers", "Max attempts", "Retry failed", "Started", "Finished", "Failed", "Error"].map((t) =>
              h("th", {}, t),
            ),
          ),
        ),
        runsBody,
      ),
    ),
  );

  // The events so far, read back from the rows: a reload or a finished run still shows them.
  const loadHistory = async () => {
    const { experimentEvents } = await gql(
      `query($e: Int!) { experimentEvents(experimentId: $e, limit: 50) { type at attempt error runId caseName gradeId } }`,
      { e: id },
    );
    events.replaceChildren(
      ...experimentEvents.map((e) => eventItem({ ...e, result: e.caseName ? { caseName: e.caseName } : null })),
    );
  };
  await loadHistory();
  onLeave(
    onConnection((state) => {
      if (state !== "reconnected") return;
      void refreshRuns();
      loadHistory().catch((error) => events.prepend(h("li", { class: "error" }, `Could not load the events: ${error.message}`)));
    }),
  );

  let lastStatus;
  onLeave(
    subscribe(
      `subscription($e: Int!) { experimentProgress(experimentId: $e) { ${PROGRESS_FIELDS} } }`,
      { e: id },
      ({ experimentProgress: p }) => {
        progress.replaceChildren(...progressView(p));
        progress.dataset.runStatus = p.runStatus ?? "";
        if (p.runStatus !== lastStatus) {
          lastStatus = p.runStatus;
          refreshRuns();
          void estimate.refresh();
        }
      },
    ),
    subscribe(
      `subscription($e: Int!) { experimentResultEvents(experimentId: $e) {
        type at attempt error runId result { caseName cycleTranscriptOverlap noteReplication } grade { id overallScore } } }`,
      { e: id },
      ({ experimentResultEvents: e }) => {
        events.prepend(eventItem(e));
        while (events.children.length > 50) events.lastChild.remove();
      },
    ),
  );
}
