import { IsNull, type DataSource } from "typeorm";
import { Model } from "../../entities/model";
import type { Vendor } from "../config";
import type { ModelPrice } from "../llm/models/defaults";
import { badInput, notFound } from "../errors";
import { KeyUnreadableError } from "../keys/cipher";
import type { ApiKeyCipher } from "../keys/api-keys";
import { assertMaxChars } from "../limits/caps";
import {
  checkModel,
  displayBaseUrl,
  knownDeprecation,
  resolveBaseUrl,
  resolveModelName,
  type Deprecation,
  type LlmClients,
  type ModelCheck,
  type ModelSpec,
} from "../llm";
import { registerSecret } from "../logger";
import { assertBaseUrl, assertVendor } from "./validation";

export interface ModelInput {
  vendor: string;
  model?: string;
  apiKey?: string;
  baseUrl?: string | null;
}

/** A model with its key, for building a vendor client. Never returned through the API. */
export interface ModelWithKey {
  id: number;
  vendor: Vendor;
  model: string;
  apiKey: string;
  baseUrl: string | null;
}

/** What the API shows of a model beyond its row: the name and endpoint in force, its price and its end of life. */
export interface ModelLifecycle {
  resolvedModel: string;
  /** Where its calls go: the row's base URL, else the configured one, else the vendor's; no user info or query. */
  baseUrl: string;
  /** The resolved model's price (src/llm/models/defaults.ts, then LLM_PRICES_JSON); null: unpriced. */
  price: ModelPrice | null;
  endOfLife: string | null;
  /** A plain-words warning when the model is deprecated, else null. */
  deprecation: string | null;
}

/** Within this many days of its end of life a model's warning says how soon. */
const NEAR_END_OF_LIFE_DAYS = 30;

/** The warning in plain words: deprecated, and past, near or at some date its end of life. */
export function deprecationWords(model: string, known: Deprecation, now = new Date()): string {
  if (!known.endOfLife) return `${model} is deprecated and has an announced end of life (${known.source}): choose a newer model`;
  const days = Math.ceil((Date.parse(`${known.endOfLife}T00:00:00Z`) - now.getTime()) / 86_400_000);
  if (days <= 0)
    return `${model} reached its end of life on ${known.endOfLife} (${known.source}): the vendor may refuse it; choose a newer model`;
  const soon = days <= NEAR_END_OF_LIFE_DAYS ? `, in ${days} day${days === 1 ? "" : "s"}` : "";
  return `${model} is deprecated and reaches end of life on ${known.endOfLife}${soon} (${known.source}): choose a newer model`;
}

/**
 * Models and their keys. Keys are sealed (src/keys) before they are stored and opened only to build
 * a vendor client; a key goes only to the base URL it was given with: createModel stores the pair,
 * setVendorApiKey touches only models on the vendor's configured endpoint (no base URL of their own).
 */
export class ModelService {
  constructor(
    private readonly db: DataSource,
    private readonly llm: LlmClients,
    private readonly keys: ApiKeyCipher,
    private readonly baseUrlAllowlist: readonly string[],
  ) {}

  private get models() {
    return this.db.getRepository(Model);
  }

  list(vendor?: string | null): Promise<Model[]> {
    if (vendor != null) assertVendor(vendor);
    return this.models.find({ where: vendor != null ? { vendor } : {}, order: { vendor: "ASC", model: "ASC", id: "ASC" } });
  }

  get(id: number): Promise<Model | null> {
    return this.models.findOneBy({ id });
  }

  async getOrThrow(id: number): Promise<Model> {
    const model = await this.get(id);
    if (!model) throw notFound("Model", id);
    return model;
  }

  /** Ids among these whose key is set, in one query. */
  async idsWithKey(ids: number[]): Promise<Set<number>> {
    const rows: { id: number }[] = await this.db.query(`SELECT id FROM model WHERE id = ANY($1) AND api_key <> ''`, [ids]);
    return new Set(rows.map((r) => r.id));
  }

  async create(input: ModelInput): Promise<Model> {
    const vendor = assertVendor(input.vendor);
    assertMaxChars(input.model, "model", "nameChars");
    assertMaxChars(input.apiKey, "apiKey", "apiKeyChars");
    assertBaseUrl(input.baseUrl, this.baseUrlAllowlist);
    if (input.apiKey) registerSecret(input.apiKey);
    const saved = await this.models.save(
      this.models.create({
        vendor,
        model: (input.model ?? "").trim(),
        apiKey: await this.keys.seal(input.apiKey ?? "", vendor),
        baseUrl: input.baseUrl || null,
      }),
    );
    return this.getOrThrow(saved.id);
  }

  async delete(id: number): Promise<Model> {
    const model = await this.getOrThrow(id);
    await this.models.delete({ id });
    return model;
  }

  /**
   * The existing tool's key management: sets the key of every model of the vendor that uses the
   * vendor's configured endpoint, and creates the vendor-default model (model '') when there is none.
   * Models with a base URL of their own keep their key: this key was not given for their server.
   */
  async setVendorApiKey(vendorName: string, apiKey: string): Promise<Model[]> {
    const vendor = assertVendor(vendorName);
    assertMaxChars(apiKey, "apiKey", "apiKeyChars");
    registerSecret(apiKey);
    const sealed = await this.keys.seal(apiKey, vendor);
    await this.db.transaction(async (tx) => {
      const repo = tx.getRepository(Model);
      const { affected } = await repo.update({ vendor, baseUrl: IsNull() }, { apiKey: sealed });
      if (!affected) await repo.save(repo.create({ vendor, model: "", apiKey: sealed, baseUrl: null }));
    });
    return this.list(vendor);
  }

  /** The resolved name (config default filled in), its endpoint, its price and what the SDK's deprecation data says of it. */
  lifecycle(model: Pick<Model, "vendor" | "model" | "baseUrl">): ModelLifecycle {
    const spec = { vendor: model.vendor as Vendor, model: model.model, baseUrl: model.baseUrl, apiKey: "" };
    const resolvedModel = resolveModelName(this.llm.config, spec);
    const baseUrl = displayBaseUrl(resolveBaseUrl(this.llm.config, spec));
    const price = this.llm.config.prices[resolvedModel] ?? null;
    const known = knownDeprecation(spec.vendor, resolvedModel);
    if (!known) return { resolvedModel, baseUrl, price, endOfLife: null, deprecation: null };
    return { resolvedModel, baseUrl, price, endOfLife: known.endOfLife, deprecation: deprecationWords(resolvedModel, known) };
  }

  /** Asks the vendor's models endpoint, with this row's key and base URL, whether the model exists and the key works. */
  async check(id: number, options: { reasoning?: boolean; signal?: AbortSignal } = {}): Promise<ModelCheck> {
    const row = await this.withKey(id);
    if (!row) throw notFound("Model", id);
    return checkModel(this.llm, { ...specOf(row), reasoning: options.reasoning }, options.signal);
  }

  /** checkModel for a spec already loaded (e.g. from a run plan). */
  checkSpec(spec: ModelSpec, signal?: AbortSignal): Promise<ModelCheck> {
    return checkModel(this.llm, spec, signal);
  }

  async withKey(id: number): Promise<ModelWithKey | null> {
    const model = await this.models.createQueryBuilder("m").addSelect("m.apiKey").where("m.id = :id", { id }).getOne();
    if (!model) return null;
    let apiKey: string;
    try {
      apiKey = await this.keys.open(model.apiKey ?? "", model.vendor);
    } catch (error) {
      if (!(error instanceof KeyUnreadableError)) throw error;
      throw badInput(
        `The key of model ${id} cannot be read by this server (${error.message}): set it again with createModel or setVendorApiKey`,
      );
    }
    registerSecret(apiKey);
    return {
      id: model.id,
      vendor: model.vendor as Vendor,
      model: model.model,
      apiKey,
      baseUrl: model.baseUrl,
    };
  }
}

export function specOf(row: ModelWithKey): ModelSpec {
  return { vendor: row.vendor, apiKey: row.apiKey, model: row.model, baseUrl: row.baseUrl };
}
