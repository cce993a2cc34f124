import { gql } from "../api.js";
import { h } from "../dom.js";

// An admin's forms on the models page: add a model (createModel) and set a vendor's key
// (setVendorApiKey). A key is typed into a password field, sent once in the mutation's variables,
// and the field is emptied whatever the answer: the page never holds it longer and no answer
// contains it (the mutations select ids and names only).

const VENDORS = ["openai", "anthropic"];

const vendorSelect = (id) =>
  h(
    "select",
    { id },
    VENDORS.map((v) => h("option", { value: v }, v)),
  );
/** A key field: hidden while typed; "new-password" keeps browsers from filling in a saved password. */
const keyInput = (id) => h("input", { type: "password", id, autocomplete: "new-password", size: 28, placeholder: "API key" });

/**
 * The two forms, as one card. `saved()` runs after a change the list should show (the caller
 * reads the models again).
 */
export function modelAdminCard(saved) {
  return h(
    "section",
    { class: "card", "data-testid": "model-admin" },
    h("h2", {}, "Add a model or set a key"),
    addModelForm(saved),
    setKeyForm(saved),
  );
}

/** A form that sends `run()` on submit, says what happened in its message line, and empties its key field after. */
function form(id, fields, submitLabel, keyField, run) {
  const message = h("span", { class: "form-message", "aria-live": "polite" });
  const button = h("button", { type: "submit" }, submitLabel);
  const node = h("form", { id, class: "controls" }, fields, button, message);
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    message.className = "form-message muted";
    message.textContent = "saving…";
    try {
      message.textContent = await run();
      message.className = "form-message ok";
    } catch (error) {
      // BAD_USER_INPUT (a base URL off the allow-list, an unknown vendor), FORBIDDEN: the server's words.
      message.textContent = error.message;
      message.className = "form-message error";
    } finally {
      keyField.value = "";
      button.disabled = false;
    }
  });
  return node;
}

function addModelForm(saved) {
  const vendor = vendorSelect("add-model-vendor");
  const model = h("input", { id: "add-model-name", placeholder: "model (empty: the vendor's default)", size: 26 });
  const baseUrl = h("input", { id: "add-model-base-url", placeholder: "base URL (empty: the server's)", size: 26 });
  const apiKey = keyInput("add-model-key");
  return form("add-model", [vendor, model, baseUrl, apiKey], "Add model", apiKey, async () => {
    const { createModel } = await gql(`mutation($i: CreateModelInput!) { createModel(input: $i) { id vendor displayName } }`, {
      i: { vendor: vendor.value, model: model.value.trim(), baseUrl: baseUrl.value.trim() || null, apiKey: apiKey.value || null },
    });
    model.value = "";
    baseUrl.value = "";
    await saved();
    return `Added model ${createModel.id}: ${createModel.vendor}/${createModel.displayName}.`;
  });
}

function setKeyForm(saved) {
  const vendor = vendorSelect("set-key-vendor");
  const apiKey = keyInput("set-key-key");
  return form("set-key", [vendor, apiKey], "Set the vendor's key", apiKey, async () => {
    if (!apiKey.value) throw new Error("Type the key first.");
    const { setVendorApiKey } = await gql(
      `mutation($v: String!, $k: String!) { setVendorApiKey(vendor: $v, apiKey: $k) { id baseUrl } }`,
      { v: vendor.value, k: apiKey.value },
    );
    await saved();
    // The answer lists every model of the vendor; those with a base URL of their own kept their key.
    const set = setVendorApiKey.filter((m) => !m.baseUrl).length;
    const kept = setVendorApiKey.length - set;
    return (
      `Key set for ${set} ${vendor.value} model${set === 1 ? "" : "s"} on the server's ${vendor.value} endpoint` +
      (kept === 0
        ? "."
        : kept === 1
          ? "; the one with its own base URL kept its key."
          : `; the ${kept} with their own base URL kept theirs.`)
    );
  });
}
