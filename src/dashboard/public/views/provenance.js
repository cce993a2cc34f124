import { gql } from "../api.js";
import { fmtCost, h } from "../dom.js";

// Where a note came from: generator, version, commit or prompt, the model used, tokens, cost, time

const PROVENANCE_QUERY = `query($id: Int!) { experimentResult(id: $id) { provenance {
  generatorName generatorKind version commit promptVersion vendor model inputTokens outputTokens costUsd durationMs } } }`;

/** The experiment page's settings rows for its generator: name, version as given, resolved commit. */
export function generatorSettings(x) {
  return [
    ["generator", x.generator],
    ["generator version", x.hyperscribeVersion],
    [
      "resolved commit",
      x.generatorCommit ? h("code", { "data-testid": "generator-commit" }, x.generatorCommit) : "– (not pinned)",
    ],
  ];
}

export async function provenanceCard(resultId) {
  const { experimentResult } = await gql(PROVENANCE_QUERY, { id: resultId });
  const p = experimentResult?.provenance;
  if (!p) return h("section", { class: "card" }, h("h2", {}, "Provenance"), h("p", { class: "muted" }, "No note yet."));
  const rows = [
    ["generator", `${p.generatorName} (${p.generatorKind})`],
    ["version", p.version],
    p.commit ? ["commit", h("code", {}, p.commit)] : ["prompt", p.promptVersion ?? ""],
    ["model used", `${p.vendor}/${p.model}`],
    ["tokens", `${p.inputTokens} in, ${p.outputTokens} out`],
    ["cost", fmtCost(p.costUsd)],
    ["duration", `${(p.durationMs / 1000).toFixed(1)} s`],
  ];
  return h(
    "section",
    { class: "card", "data-testid": "provenance" },
    h("h2", {}, "Provenance"),
    h(
      "div",
      { class: "grid" },
      rows.map(([k, v]) => h("div", { class: "kv" }, h("span", { class: "muted" }, k), h("span", {}, v))),
    ),
  );
}
