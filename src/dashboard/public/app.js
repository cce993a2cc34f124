// The dashboard: hash routes, one view per route, live progress over graphql-ws.
import { gql, onConnection, PROGRESS_FIELDS, subscribe } from "./api.js";
import { scoreChart } from "./chart.js";

const app = document.getElementById("app");
/** Cleanups of the current view (subscriptions, timers), run on navigation. */
let cleanups = [];

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const fmtDuration = (ms) => {
  if (ms === null || ms === undefined) return "–";
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
};
const fmtTokens = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n));
const fmtScore = (v) => (v === null || v === undefined ? "–" : Number(v).toFixed(1));
const statusBadge = (s) => h("span", { class: `status ${s ?? ""}` }, s ?? "never run");
const modelName = (m) => `${m.vendor}/${m.displayName}`;
const comboName = (c) =>
  `${modelName(c.noteGenerator)} → ${modelName(c.noteGrader)}${c.noteGraderIsReasoning ? " (reasoning)" : ""}`;

const NUMERIC_HEADERS = new Set([
  "#",
  "Overlap",
  "Rep",
  "Grades",
  "Mean score",
  "Weight",
  "Satisfaction",
  "Score",
  "Cases",
  "Combinations",
  "Human reviewers",
]);

function table(headers, rows) {
  return h(
    "table",
    {},
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        headers.map((x) => h("th", { class: NUMERIC_HEADERS.has(x) ? "num" : null }, x)),
      ),
    ),
    h("tbody", {}, rows),
  );
}

// ---------- Experiments list ----------

async function experimentsView() {
  const { experiments } = await gql(
    `{ experiments { id name hyperscribeVersion updated cases { id } models { id } runs { id status } } }`,
  );
  app.replaceChildren(
    h("h1", {}, "Experiments"),
    h(
      "section",
      { class: "card" },
      experiments.length === 0
        ? h(
            "p",
            { class: "muted" },
            "No experiments yet: create one with the CLI (note-eval experiment create) or the GraphQL IDE.",
          )
        : table(
            ["#", "Name", "Version", "Cases", "Combinations", "Last run", "Updated"],
            experiments.map((e) =>
              h(
                "tr",
                {},
                h("td", { class: "num" }, e.id),
                h("td", {}, h("a", { href: `#/experiments/${e.id}` }, e.name)),
                h("td", {}, e.hyperscribeVersion),
                h("td", { class: "num" }, e.cases.length),
                h("td", { class: "num" }, e.models.length),
                h("td", {}, statusBadge(e.runs[0]?.status)),
                h("td", { class: "muted" }, new Date(e.updated).toLocaleString()),
              ),
            ),
          ),
    ),
  );
}

// ---------- Experiment page: settings, cases, combinations, runs, controls, live progress ----------

const EXPERIMENT_QUERY = `query($id: Int!) { experiment(id: $id) {
  id name hyperscribeVersion cycleTranscriptOverlaps cycleTimes noteReplications gradeReplications created updated
  cases { id name humanAuthors rubrics { id author validation } }
  models { id noteGraderIsReasoning noteGenerator { id vendor displayName } noteGrader { id vendor displayName } }
  runs { id status workers maxAttempts retryFailed startedAt finishedAt error } } }`;

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
      h("span", {}, h("b", {}, `$${p.costUsd.toFixed(4)}`), "cost so far"),
      h("span", {}, h("b", {}, `${fmtTokens(p.inputTokens)} / ${fmtTokens(p.outputTokens)}`), "tokens in / out"),
      h("span", {}, h("b", {}, fmtDuration(p.elapsedMs)), "elapsed"),
      h("span", { "data-testid": "eta" }, h("b", {}, p.done ? "done" : fmtDuration(p.etaMs)), "ETA"),
    ),
  ];
}

function eventItem(e) {
  const failed = /failed|retrying/.test(e.type);
  const what = e.result
    ? `${e.result.caseName} (overlap ${e.result.cycleTranscriptOverlap}, rep ${e.result.noteReplication})`
    : "";
  const grade = e.grade
    ? ` grade #${e.grade.id}${e.grade.overallScore !== null ? ` → ${fmtScore(e.grade.overallScore)}` : ""}`
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

async function experimentView(id) {
  const { experiment: x } = await gql(EXPERIMENT_QUERY, { id });
  if (!x) return app.replaceChildren(h("h1", {}, `Experiment ${id} not found`));
  const running = x.runs.find((r) => r.status === "running");
  const workers = h("input", { type: "number", min: 1, value: 3, id: "workers" });
  const attempts = h("input", { type: "number", min: 1, value: 3, id: "max-attempts" });
  const retry = h("input", { type: "checkbox", id: "retry-failed" });
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
            `mutation($e: Int!, $w: Int!, $m: Int!, $r: Boolean!) { startExperimentRun(experimentId: $e, workers: $w, maxAttempts: $m, retryFailed: $r) { id } }`,
            {
              e: id,
              w: Number(workers.value),
              m: Number(attempts.value),
              r: retry.checked,
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
          h("td", { class: "error" }, r.error ?? ""),
        ),
      ),
    );
  renderRuns(x.runs);
  const refreshRuns = async () => {
    const { experiment } = await gql(
      `query($id: Int!) { experiment(id: $id) { runs { id status workers maxAttempts retryFailed startedAt finishedAt error } } }`,
      {
        id,
      },
    );
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
        start,
        cancel,
        h("a", { href: `#/experiments/${id}/results` }, "Results and score chart →"),
        message,
      ),
      progress,
      h("h2", {}, "Latest events"),
      events,
    ),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Settings"),
      h(
        "div",
        { class: "grid" },
        [
          ["generator version", x.hyperscribeVersion],
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
      h(
        "table",
        {},
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["#", "Status", "Workers", "Max attempts", "Retry failed", "Started", "Finished", "Error"].map((t) => h("th", {}, t)),
          ),
        ),
        runsBody,
      ),
    ),
  );

  let lastStatus;
  cleanups.push(
    subscribe(
      `subscription($e: Int!) { experimentProgress(experimentId: $e) { ${PROGRESS_FIELDS} } }`,
      { e: id },
      ({ experimentProgress: p }) => {
        progress.replaceChildren(...progressView(p));
        progress.dataset.runStatus = p.runStatus ?? "";
        if (p.runStatus !== lastStatus) {
          lastStatus = p.runStatus;
          refreshRuns();
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

// ---------- Results: notes with scores, filters, chart ----------

async function fetchResults(id, failed) {
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

async function resultsView(id, params) {
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

// ---------- A note: its JSON items and per criterion satisfaction, score, rationale ----------

async function noteView(id, resultId) {
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
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Note"),
      r.noteJson === null
        ? h("p", { class: "error" }, "No note: generation failed or has not run yet.")
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
        s.criteria.length === 0
          ? h("p", { class: "muted" }, "not graded yet")
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

// ---------- Router ----------

async function route() {
  cleanups.forEach((c) => c());
  cleanups = [];
  const [path, query = ""] = location.hash.replace(/^#/, "").split("?");
  const params = new URLSearchParams(query);
  let m;
  try {
    if ((m = /^\/experiments\/(\d+)\/notes\/(\d+)$/.exec(path))) await noteView(Number(m[1]), Number(m[2]));
    else if ((m = /^\/experiments\/(\d+)\/results$/.exec(path))) await resultsView(Number(m[1]), params);
    else if ((m = /^\/experiments\/(\d+)$/.exec(path))) await experimentView(Number(m[1]));
    else await experimentsView();
  } catch (error) {
    app.replaceChildren(h("h1", {}, "Something went wrong"), h("pre", { class: "error" }, error.message));
  }
}

const connection = document.getElementById("connection");
onConnection((state) => (connection.textContent = state === "connected" ? "● live" : ""));
window.addEventListener("hashchange", route);
route();
