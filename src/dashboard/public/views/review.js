import { gql } from "../api.js";
import { app, h, table } from "../dom.js";

// Rubric review: the queue of cases not eligible yet, and a case page with transcript, chart and
// rubrics side by side, where a reviewer accepts, refuses or edits a rubric and sees at once
// whether the case became eligible.

const REVIEWER_KEY = "note-eval.reviewer";

/**
 * The reviewer's email: the one the signed-in token reviews as once it is bound (fixed: the server
 * refuses any other), else the one kept in this browser between visits.
 */
function reviewerInput(bound) {
  const input = h("input", {
    type: "email",
    id: "reviewer",
    placeholder: "you@example.com",
    value: bound ?? localStorage.getItem(REVIEWER_KEY) ?? "",
  });
  if (bound) {
    input.readOnly = true;
    input.title = "Your token reviews as this person; another reviewer needs a token of their own";
  }
  input.addEventListener("change", () => localStorage.setItem(REVIEWER_KEY, input.value.trim()));
  return input;
}

export async function reviewQueueView() {
  const { reviewQueue } = await gql(`{ reviewQueue { caseId caseName humanAuthors reviewersNeeded rubricsToReview } }`);
  app.replaceChildren(
    h("h1", {}, "Rubric review"),
    h(
      "section",
      { class: "card" },
      h(
        "p",
        { class: "muted" },
        "An experiment takes a case once two different human reviewers accepted a rubric of it. These cases are not there yet, closest first.",
      ),
      reviewQueue.length === 0
        ? h("p", {}, "Every case is eligible: nothing to review.")
        : table(
            ["#", "Case", "Human reviewers", "Reviewers needed", "Rubrics to review"],
            reviewQueue.map((q) =>
              h(
                "tr",
                { "data-testid": "queue-row" },
                h("td", { class: "num" }, q.caseId),
                h("td", {}, h("a", { href: `#/cases/${q.caseId}` }, q.caseName)),
                h("td", { class: "num" }, q.humanAuthors),
                h("td", { class: "num" }, q.reviewersNeeded),
                h("td", { class: "num" }, q.rubricsToReview),
              ),
            ),
          ),
    ),
  );
}

function transcriptTurns(transcript) {
  const cycles = Array.isArray(transcript) ? { "": transcript } : (transcript ?? {});
  return Object.entries(cycles).flatMap(([cycle, turns]) => [
    cycle ? h("div", { class: "muted cycle" }, cycle) : null,
    ...(Array.isArray(turns) ? turns : []).map((t) => h("p", { class: "turn" }, h("strong", {}, `${t.speaker}: `), t.text)),
  ]);
}

function chartItems(chart) {
  if (!chart || typeof chart !== "object") return [h("p", { class: "muted" }, "no chart")];
  return Object.entries(chart).map(([section, items]) =>
    h(
      "div",
      {},
      h("strong", {}, section.replace(/_/g, " ")),
      Array.isArray(items) && items.length > 0
        ? h(
            "ul",
            {},
            items.map((i) => h("li", {}, typeof i === "object" && i ? (i.label ?? JSON.stringify(i)) : String(i))),
          )
        : h("p", { class: "muted" }, typeof items === "string" ? items : "none"),
    ),
  );
}

/** An editable table of criteria; read() gives the edited list. */
function criteriaEditor(criteria) {
  const rows = criteria.map((c) => {
    const text = h("textarea", { rows: 2, class: "criterion-text" }, c.criterion);
    const weight = h("input", { type: "number", min: 1, step: 1, value: c.weight, class: "criterion-weight" });
    const sense = h(
      "select",
      { class: "criterion-sense" },
      ["positive", "negative"].map((s) => h("option", { value: s, selected: s === c.sense }, s)),
    );
    return { row: h("tr", {}, h("td", {}, sense), h("td", {}, weight), h("td", {}, text)), text, weight, sense };
  });
  return {
    node: table(
      ["Sense", "Weight", "Criterion"],
      rows.map((r) => r.row),
    ),
    read: () => rows.map((r) => ({ criterion: r.text.value.trim(), weight: Number(r.weight.value), sense: r.sense.value })),
  };
}

export async function caseReviewView(caseId) {
  const { case: kase, me } = await gql(
    `query($c: Int!) { me { reviewer } case(id: $c) { id name transcript limitedChart humanAuthors eligible
      rubrics { id author validation parentRubricId comments rubric { criterion weight sense } } } }`,
    { c: caseId },
  );
  if (!kase) return app.replaceChildren(h("h1", {}, `Case ${caseId} not found`));
  const reviewer = reviewerInput(me.reviewer);
  const status = h(
    "p",
    { id: "eligibility", class: kase.eligible ? "ok" : "muted", "data-eligible": String(kase.eligible) },
    kase.eligible
      ? `Eligible: ${kase.humanAuthors} human reviewers accepted a rubric.`
      : `Not eligible yet: ${kase.humanAuthors} of 2 human reviewers accepted a rubric.`,
  );
  const message = h("p", { class: "error", id: "review-message" });

  const decide = async (mutation, rubricId, extra = {}) => {
    message.textContent = "";
    const who = reviewer.value.trim();
    localStorage.setItem(REVIEWER_KEY, who);
    try {
      const data = await gql(
        `mutation($i: ${mutation === "reviseRubric" ? "ReviseRubricInput" : "ReviewRubricInput"}!) { ${mutation}(input: $i) { eligible humanAuthors } }`,
        { i: { rubricId, reviewer: who || null, ...extra } },
      );
      return data[mutation];
    } catch (error) {
      message.textContent = error.message;
      return null;
    }
  };
  const after = (outcome) => outcome && caseReviewView(caseId);

  const rubricCard = (r) => {
    const editor = criteriaEditor(r.rubric);
    const saveEdit = h(
      "button",
      {
        class: "primary",
        "data-action": "save-edit",
        onclick: async () => after(await decide("reviseRubric", r.id, { rubric: editor.read() })),
      },
      "Accept my edit",
    );
    const editing = h("div", { class: "editor", hidden: true }, editor.node, saveEdit);
    const actions = h(
      "div",
      { class: "controls" },
      h(
        "button",
        { class: "primary", "data-action": "accept", onclick: async () => after(await decide("acceptRubric", r.id)) },
        "Accept",
      ),
      h(
        "button",
        { class: "danger", "data-action": "refuse", onclick: async () => after(await decide("refuseRubric", r.id)) },
        "Refuse",
      ),
      h(
        "button",
        {
          "data-action": "edit",
          onclick: (e) => {
            editing.hidden = !editing.hidden;
            e.target.textContent = editing.hidden ? "Edit criteria" : "Cancel edit";
          },
        },
        "Edit criteria",
      ),
    );
    return h(
      "div",
      { class: `rubric ${r.validation}`, "data-testid": "rubric", "data-rubric-id": r.id },
      h(
        "h3",
        {},
        `Rubric #${r.id} by ${r.author} `,
        h("span", { class: `status ${r.validation}` }, r.validation.replace("_", " ")),
        r.parentRubricId ? h("span", { class: "muted" }, ` · derived from #${r.parentRubricId}`) : null,
      ),
      table(
        ["Sense", "Weight", "Criterion"],
        r.rubric.map((c) =>
          h(
            "tr",
            {},
            h("td", {}, c.sense === "negative" ? "(−) negative" : "positive"),
            h("td", { class: "num" }, c.weight),
            h("td", {}, c.criterion),
          ),
        ),
      ),
      r.comments ? h("p", { class: "muted" }, r.comments) : null,
      actions,
      editing,
    );
  };

  app.replaceChildren(
    h("h1", {}, h("a", { href: "#/review" }, "Rubric review"), ` · ${kase.name}`),
    h("section", { class: "card" }, h("label", {}, "Reviewer ", reviewer), status, message),
    h(
      "div",
      { class: "review-columns" },
      h("section", { class: "card" }, h("h2", {}, "Transcript"), ...transcriptTurns(kase.transcript)),
      h("section", { class: "card" }, h("h2", {}, "Chart"), ...chartItems(kase.limitedChart)),
      h(
        "section",
        { class: "card" },
        h("h2", {}, `Rubrics (${kase.rubrics.length})`),
        kase.rubrics.length === 0 ? h("p", { class: "muted" }, "No rubric yet.") : kase.rubrics.map(rubricCard),
      ),
    ),
  );
}
