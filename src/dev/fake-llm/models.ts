/** The fake vendor's models endpoint: `GET /v1/models[/{id}]` in each vendor's shape. */
import type http from "node:http";

export interface FakeModelInfo {
  id: string;
  /** Anthropic's lifecycle (default active); a retired model also refuses generation like a missing one would. */
  lifecycle?: "active" | "deprecated" | "retired";
  /** RFC 3339 date of the scheduled retirement (Anthropic `retires_at`). */
  retiresAt?: string | null;
}

/** The API key of a request, from either vendor's header. */
export function keyOf(headers: http.IncomingHttpHeaders): string {
  const anthropic = headers["x-api-key"];
  if (typeof anthropic === "string") return anthropic;
  const auth = headers.authorization ?? "";
  return auth.startsWith("Bearer ") ? auth.slice("Bearer ".length) : auth;
}

const CREATED = "2026-01-01T00:00:00Z";

function openaiModel(m: FakeModelInfo) {
  return { id: m.id, object: "model", created: Date.parse(CREATED) / 1000, owned_by: "fake" };
}

function anthropicModel(m: FakeModelInfo) {
  const lifecycle = m.lifecycle ?? "active";
  return {
    type: "model",
    id: m.id,
    display_name: m.id,
    created_at: CREATED,
    lifecycle,
    deprecated_at: lifecycle === "active" ? null : CREATED,
    retires_at: m.retiresAt ?? null,
    line: null,
    capabilities: null,
    max_input_tokens: null,
    max_tokens: null,
  };
}

/** `id` '' lists; otherwise one model. `models` null: every id exists. */
export function modelsAnswer(
  vendor: "openai" | "anthropic",
  id: string,
  models: FakeModelInfo[] | null,
): { status: 200; body: unknown; model: string | null } | { status: 404; message: string; model: string | null } {
  const shape: (m: FakeModelInfo) => { id: string } = vendor === "openai" ? openaiModel : anthropicModel;
  if (!id) {
    const list = (models ?? [{ id: "fake-chat" }, { id: "fake-reasoning" }]).map(shape);
    const body =
      vendor === "openai"
        ? { object: "list", data: list }
        : { data: list, has_more: false, first_id: list[0]?.id ?? null, last_id: list[list.length - 1]?.id ?? null };
    return { status: 200, body, model: null };
  }
  const found = models === null ? { id } : models.find((m) => m.id === id);
  if (!found) {
    const message = vendor === "openai" ? `The model \`${id}\` does not exist or you do not have access to it.` : `model: ${id}`;
    return { status: 404, message, model: id };
  }
  return { status: 200, body: shape(found), model: id };
}
