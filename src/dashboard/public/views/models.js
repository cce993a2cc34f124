import { gql } from "../api.js";
import { app, h, table } from "../dom.js";
import { modelAdminCard } from "./models-admin.js";
import { lifecycleWords } from "./model-warnings.js";

// The models page: every model row as the server resolves it (the name in force, its endpoint,
// whether a key is stored, its price, its deprecation), and a Check per row that asks the vendor
// (checkModel: one models-endpoint request with the row's key) and shows the answer in plain words.
// Keys are write-only: no field returns them, so this page never has one to show. An admin also
// gets the forms of ./models-admin.js.

const MODEL_FIELDS = "id vendor displayName resolvedModel baseUrl resolvedBaseUrl hasApiKey deprecation price { input output }";

/** Roles that may call checkModel (@Authorized("runner") in resolvers/model.resolver.ts) and above. */
const MAY_CHECK = new Set(["runner", "admin"]);
/** The role of createModel and setVendorApiKey (@Authorized("admin")). */
const MAY_MANAGE = "admin";

const usd = (n) => `$${Number(n).toFixed(2).replace(/\.00$/, "")}`;
/** "$2 / $8" (input / output per million tokens), or "unpriced": the cost of its calls is unknown, never 0. */
const fmtPrice = (price) => (price ? `${usd(price.input)} / ${usd(price.output)}` : h("span", { class: "muted" }, "unpriced"));

export async function modelsView() {
  const { me, models } = await gql(`{ me { name role } models { ${MODEL_FIELDS} } }`);
  const mayCheck = MAY_CHECK.has(me.role);
  const list = h("div", { id: "model-list" });
  const show = (rows) =>
    list.replaceChildren(
      rows.length === 0
        ? h(
            "p",
            { class: "muted", "data-testid": "no-models" },
            "No models yet: an admin adds one here, with the CLI (note-eval models set-key --vendor openai) or createModel in the GraphQL IDE.",
          )
        : table(
            ["#", "Vendor", "Name", "Model it calls", "Base URL", "Key", "Price in / out per M tokens", "End of life", "Check"],
            rows.map((m) => modelRow(m, mayCheck)),
          ),
    );
  show(models);
  app.replaceChildren(
    h("h1", { id: "models-title" }, "Models"),
    h(
      "section",
      { class: "card" },
      h(
        "p",
        { class: "muted" },
        "The models experiments can use. Keys are write-only: the page shows whether one is stored, never the key. ",
        "Check asks the vendor's models endpoint, with the model's own key and base URL, whether the model exists and the key works (no tokens spent).",
      ),
      mayCheck
        ? null
        : h(
            "p",
            { class: "notice", "data-testid": "check-needs-role" },
            `Checking a model needs the runner role; your token "${me.name}" has the ${me.role} role. Ask an admin for a runner token.`,
          ),
      list,
    ),
    me.role === MAY_MANAGE
      ? modelAdminCard(async () => show((await gql(`{ models { ${MODEL_FIELDS} } }`)).models))
      : h(
          "p",
          { class: "muted", "data-testid": "manage-needs-role" },
          `Adding a model or setting a key needs the admin role (your token has the ${me.role} role).`,
        ),
  );
}

function modelRow(m, mayCheck) {
  const answer = h("span", { class: "check-answer", "aria-live": "polite" });
  const button = h("button", { type: "button", disabled: !mayCheck, "data-action": "check" }, "Check");
  button.addEventListener("click", async () => {
    button.disabled = true;
    answer.className = "check-answer muted";
    answer.removeAttribute("data-status");
    answer.textContent = "asking the vendor…";
    try {
      const { checkModel } = await gql(`query($id: Int!) { checkModel(id: $id) { status message } }`, { id: m.id });
      answer.dataset.status = checkModel.status;
      answer.className = `check-answer ${checkModel.status === "ok" ? "ok" : "error"}`;
      answer.textContent = checkModel.message;
    } catch (error) {
      // FORBIDDEN (a role below runner), NOT_FOUND (deleted meanwhile), UNAVAILABLE: the server's words.
      answer.dataset.status = error.code ?? "error";
      answer.className = "check-answer error";
      answer.textContent = error.message;
    } finally {
      button.disabled = false;
    }
  });
  return h(
    "tr",
    { "data-testid": "model-row", "data-model-id": m.id },
    h("td", { class: "num" }, m.id),
    h("td", {}, m.vendor),
    h("td", {}, m.displayName),
    h("td", {}, m.resolvedModel),
    h("td", {}, m.resolvedBaseUrl, m.baseUrl ? null : h("span", { class: "muted" }, " (the server's setting)")),
    h("td", { "data-testid": "has-key" }, m.hasApiKey ? "set" : h("span", { class: "error" }, "no key")),
    h("td", {}, fmtPrice(m.price)),
    h("td", { "data-testid": "lifecycle" }, lifecycleWords(m)),
    h("td", { class: "check" }, button, " ", answer),
  );
}
