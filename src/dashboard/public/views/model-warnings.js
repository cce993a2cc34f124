import { h, modelName } from "../dom.js";

// Models on their way out: the server says in plain words when a model is deprecated or past or
// near its end of life (Model.deprecation). The experiment page shows one line per such model
// under its title, so it is seen before a run is started; the models page shows it in each row.

/** A model's end of life in plain words: the server's warning, or that none is known. */
export function lifecycleWords(m) {
  return m.deprecation
    ? h("span", { class: "deprecation", "data-testid": "deprecation" }, m.deprecation)
    : h("span", { class: "muted" }, "no end of life known");
}

/** A warning card for the experiment's deprecated models: [card], or [] when there are none. */
export function modelWarnings(combinations) {
  const byId = new Map();
  for (const c of combinations) {
    for (const m of [c.noteGenerator, c.noteGrader]) if (m.deprecation) byId.set(m.id, m);
  }
  if (byId.size === 0) return [];
  return [
    h(
      "section",
      { class: "card warning", "data-testid": "model-warnings" },
      h("h2", {}, byId.size === 1 ? "A model needs attention" : `${byId.size} models need attention`),
      h(
        "ul",
        {},
        [...byId.values()].map((m) => h("li", {}, h("strong", {}, modelName(m)), ": ", lifecycleWords(m))),
      ),
    ),
  ];
}
