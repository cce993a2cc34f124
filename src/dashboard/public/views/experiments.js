import { gql } from "../api.js";
import { app, h, statusBadge, table } from "../dom.js";

// Experiments list

export async function experimentsView() {
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
