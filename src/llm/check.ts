/**
 * checkModel: asks the vendor's models endpoint, with the row's own key and base URL, whether the
 * model exists and the key works, and says so in plain words. One GET, no tokens spent.
 */
import type { LlmClients } from "./clients";
import { resolveBaseUrl, resolveModelName } from "./clients";
import { classifySdkError, scrubSecrets } from "./errors";
import { knownDeprecation } from "./models/deprecations";
import type { ModelSpec } from "./types";

export type ModelCheckStatus = "ok" | "no_key" | "key_refused" | "not_found" | "retired" | "unreachable" | "error";

export interface ModelCheck {
  status: ModelCheckStatus;
  /** The resolved model name (the vendor default filled in). */
  model: string;
  /** One sentence for a person: what the vendor answered and what to do. */
  message: string;
  /** ISO date of the end of life, from the vendor's answer or the SDK's deprecation data. */
  endOfLife: string | null;
}

/** A check should not hold up a start the way a long generation may. */
const CHECK_TIMEOUT_MS = 15_000;

export async function checkModel(clients: LlmClients, spec: ModelSpec, signal?: AbortSignal): Promise<ModelCheck> {
  const model = resolveModelName(clients.config, spec);
  const known = knownDeprecation(spec.vendor, model)?.endOfLife ?? null;
  const said = (status: ModelCheckStatus, message: string, endOfLife = known): ModelCheck => ({
    status,
    model,
    message: scrubSecrets(message, [spec.apiKey]),
    endOfLife,
  });
  if (!spec.apiKey) return said("no_key", `No API key is stored for this ${spec.vendor} model: set one with setVendorApiKey.`);
  const baseUrl = resolveBaseUrl(clients.config, spec);
  const options = { timeout: Math.min(CHECK_TIMEOUT_MS, clients.config.requestTimeoutMs), signal };
  try {
    if (spec.vendor === "openai") {
      await clients.openai(spec.apiKey, baseUrl).models.retrieve(model, options);
      clients.keyHealth.accepted(spec.vendor, spec.apiKey, baseUrl);
      return said("ok", `${model} exists and the key works.`);
    }
    const info = await clients.anthropic(spec.apiKey, baseUrl).models.retrieve(model, {}, options);
    clients.keyHealth.accepted(spec.vendor, spec.apiKey, baseUrl);
    const endOfLife = info.retires_at ? info.retires_at.slice(0, 10) : known;
    if (info.lifecycle === "retired")
      return said("retired", `${model} is retired: Anthropic no longer serves it. Choose another model.`, endOfLife);
    const due = endOfLife ? ` It reaches end of life on ${endOfLife}.` : "";
    return said("ok", `${model} exists and the key works.${due}`, endOfLife);
  } catch (error) {
    const failure = classifySdkError(error, spec.vendor, signal);
    if (failure.kind === "auth")
      return said("key_refused", `${spec.vendor} refused the key (HTTP ${failure.status}): check the key.`);
    if (failure.status === 404)
      return said("not_found", `${spec.vendor} does not know the model ${model} (HTTP 404): check its name.`);
    if (failure.kind === "transport" || failure.kind === "timeout") {
      return said("unreachable", `${spec.vendor} could not be asked at ${baseUrl}: ${failure.message}.`);
    }
    return said("error", `${spec.vendor} answered the model check with an error: ${failure.message}.`);
  }
}
