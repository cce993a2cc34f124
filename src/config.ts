/**
 * The one module that reads process.env. Every setting has its default beside it, and a bad value
 * stops start-up with a message naming the variable and what it received.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseGeneratorsFile } from "./generators/definitions";
import type { GeneratorsConfig } from "./generators/registry";
import { NOTE_PROMPT_VERSION } from "./llm/prompts/note-v1";
import { DEFAULT_MODELS, DEFAULT_PRICES, type ModelPrice } from "./llm/models/defaults";

export type Vendor = "openai" | "anthropic";
export const VENDORS: readonly Vendor[] = ["openai", "anthropic"];

export interface VendorDefaults {
  /** Model for note generation and for grading without reasoning. */
  chat: string;
  /** Model for grading when the experiment's combination asks for a reasoning grader. */
  reasoning: string;
}

export type { ModelPrice };

export interface LlmConfig {
  /** Base URLs that override the SDKs' own; a model row's base_url wins over these. */
  baseUrls: Record<Vendor, string | undefined>;
  /** OPENAI_API_KEY / ANTHROPIC_API_KEY, for tools that call a vendor without a model row (scripts/grade-file.ts). */
  apiKeys: Record<Vendor, string | undefined>;
  defaults: Record<Vendor, VendorDefaults>;
  /** Milliseconds one HTTP request may take before it is cut and retried. */
  requestTimeoutMs: number;
  /** Transport retries (429, 5xx, 529, resets, timeouts) after the first try of one request. */
  transportRetries: number;
  /** First backoff in ms; doubles on each retry, with full jitter, capped by backoffMaxMs. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Adapt each key's concurrency and pacing to the vendor's rate-limit headers and 429s (src/llm/limits). */
  adaptiveLimits: boolean;
  /** The most requests in flight per key that adaptation may reach (a run's `workers` bounds it too). */
  maxConcurrencyPerKey: number;
  /**
   * Processes on one database divide each key's limits (and the per-vendor caps) between them, 1/N
   * each (src/llm/limits/cluster-share.ts); false: every process uses the whole limit.
   */
  clusterLimits: boolean;
  /** How often a process using a key says so in the database; a process unheard for 3 intervals no longer counts. */
  clusterHeartbeatMs: number;
  /** Refusals (401/403) of one key in a row, with no success between, after which runs using it stop as failed. */
  keyRefusalsToStop: number;
  /** Tries for an answer that is not valid JSON or breaks the schema (the error is fed back). */
  structuredOutputTries: number;
  /** Requests in flight per vendor, across all runs (Infinity = no cap). */
  vendorConcurrency: Record<Vendor, number>;
  /** Requests per interval per vendor (Infinity = no limit), and that interval in ms. */
  vendorRateLimit: Record<Vendor, number>;
  vendorRateIntervalMs: number;
  /** Price per model name (src/llm/models/defaults.ts, then LLM_PRICES_JSON); an unpriced model's cost is null. */
  prices: Record<string, ModelPrice>;
  maxOutputTokens: number;
}

/** Bounds on requests and responses (src/limits); input caps are constants in src/limits/caps.ts. */
export interface LimitsConfig {
  /** Largest HTTP body and WebSocket message, in bytes. */
  requestMaxBytes: number;
  /** Largest result of one operation (its estimated JSON size), in bytes. */
  responseMaxBytes: number;
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxCost: number;
  introspection: boolean;
}

export interface MasterKeyConfig {
  /** MASTER_KEY: base64 of 32 bytes; when set, no key file is used. */
  fromEnvironment: string | undefined;
  /** MASTER_KEY_PREVIOUS: the key MASTER_KEY replaced, until the server has resealed every API key. */
  previousFromEnvironment: string | undefined;
  /** MASTER_KEY_FILE: created on first start (mode 0600) when MASTER_KEY is unset. */
  file: string;
}

export interface Config {
  port: number;
  host: string;
  /** External Postgres; when unset the server starts an embedded one. */
  databaseUrl: string | undefined;
  /** Where the embedded Postgres keeps its data across restarts. */
  embeddedPgDir: string;
  embeddedPgPort: number;
  /** Time to open a database connection or get one from the pool before the call fails as UNAVAILABLE. */
  dbConnectTimeoutMs: number;
  /** Longest a single SQL statement may run (Postgres statement_timeout); the client gives up 2 s later. */
  dbStatementTimeoutMs: number;
  /** Longest wait between two probes of a database that went away (exponential backoff from 100 ms). */
  dbReconnectMaxMs: number;
  /** `postgres`: run events and progress reach subscribers on every process of the database (LISTEN/NOTIFY); `memory`: this process only. */
  eventBus: "postgres" | "memory";
  /** The folder of shared case data (../shared/data beside the checkout). */
  sharedDataDir: string;
  /** Folders importCaseFolder may read from (and below); the shared data folder by default. */
  importRoots: string[];
  limits: LimitsConfig;
  /** The master key that seals vendor API keys at rest (src/keys). */
  masterKey: MasterKeyConfig;
  /**
   * Origins a model's baseUrl may point at (BASE_URL_ALLOWLIST): a model's key is sent there. Entries
   * are origins (`https://host[:port]`); `:*` allows any port of that host.
   */
  baseUrlAllowlist: string[];
  /** Seconds that calls in flight may take to finish after SIGTERM before they are aborted. */
  shutdownGraceMs: number;
  /**
   * What this process does: `all` (GraphQL and runs), `api` (GraphQL and subscriptions; runs are
   * driven by worker processes on the same database) or `worker` (runs only; its port answers /healthz).
   */
  role: Role;
  /**
   * Lease of a claimed job: its process extends it every third of it; a job whose lease ran out
   * (its process died or hangs) is planned again by any process driving the run.
   */
  jobLeaseMs: number;
  /** How often a process heartbeats its runs, notices runs ended elsewhere, and joins running runs. */
  runPollMs: number;
  /** How long a database outage may pause a run before it is left interrupted (and resumed once the database is back). */
  runOutageGraceMs: number;
  /** Minimum ms between two progress messages to one subscriber (the final one is always sent). */
  progressThrottleMs: number;
  /** Join running runs and resume interrupted ones (on start and every runPollMs); false: drive only the runs started here. */
  resumeOnStart: boolean;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  /** Host names answered besides IP literals and localhost (DNS rebinding protection); "*" answers any. */
  allowedHosts: string[];
  /** Origins whose pages may call the API besides the server's own; "*" allows any. */
  allowedOrigins: string[];
  llm: LlmConfig;
  /** The operator's note generators (GENERATORS_FILE) and where their worktrees and process records go. */
  generators: GeneratorsConfig;
}

type Env = Record<string, string | undefined>;

class ConfigError extends Error {}

function readInt(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw === "Infinity" || raw === "unlimited") return Infinity;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, received "${raw}"`);
  }
  return value;
}

function readString(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  return raw === undefined || raw === "" ? fallback : raw;
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw new ConfigError(`${name} must be true or false, received "${raw}"`);
}

/** A list of folders separated by the platform's path delimiter (":" here), each resolved from the checkout. */
function readFolders(env: Env, name: string, fallback: string[], projectRoot: string): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  return raw
    .split(path.delimiter)
    .filter((p) => p.trim() !== "")
    .map((p) => path.resolve(projectRoot, p.trim()));
}

function readLimits(env: Env): LimitsConfig {
  return {
    requestMaxBytes: readInt(env, "REQUEST_MAX_BYTES", 4_000_000, 1_000),
    responseMaxBytes: readInt(env, "RESPONSE_MAX_BYTES", 32_000_000, 1_000),
    maxDepth: readInt(env, "GRAPHQL_MAX_DEPTH", 10, 1),
    maxAliases: readInt(env, "GRAPHQL_MAX_ALIASES", 15, 0),
    maxTokens: readInt(env, "GRAPHQL_MAX_TOKENS", 2_000, 10),
    maxCost: readInt(env, "GRAPHQL_MAX_COST", 50_000, 1),
    introspection: readBoolean(env, "INTROSPECTION", true),
  };
}

/** A base64 master key must decode to 32 bytes; the message never repeats the value. */
function readMasterKey(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const bytes = Buffer.from(raw.trim(), "base64");
  if (bytes.length !== 32 || bytes.toString("base64") !== raw.trim()) {
    throw new ConfigError(`${name} must be 32 random bytes in base64 (e.g. \`openssl rand -base64 32\`); the value given is not`);
  }
  return raw.trim();
}

const VENDOR_ORIGINS = ["https://api.openai.com", "https://api.anthropic.com"];

/** The allow-list: BASE_URL_ALLOWLIST, or the vendors' own origins plus those of OPENAI/ANTHROPIC_BASE_URL. */
function readBaseUrlAllowlist(env: Env): string[] {
  const raw = env.BASE_URL_ALLOWLIST;
  const entries =
    raw !== undefined && raw.trim() !== ""
      ? raw
          .split(",")
          .map((e) => e.trim())
          .filter((e) => e !== "")
      : [...VENDOR_ORIGINS, env.OPENAI_BASE_URL, env.ANTHROPIC_BASE_URL].filter((e): e is string => !!e);
  return entries.map((entry) => {
    const match = /^(https?):\/\/([^/:]+|\[[^\]]+\])(?::(\d+|\*))?(?:\/.*)?$/.exec(entry);
    if (!match) throw new ConfigError(`BASE_URL_ALLOWLIST: "${entry}" is not an origin like https://host or http://127.0.0.1:*`);
    const [, scheme, host, port] = match;
    return `${scheme}://${host.toLowerCase()}${port ? `:${port}` : ""}`;
  });
}

function readList(env: Env, name: string): string[] {
  return (env[name] ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

function readOrigins(env: Env): string[] {
  const origins = readList(env, "ALLOWED_ORIGINS");
  for (const origin of origins) {
    if (origin === "*") continue;
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      // reported below
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.origin !== origin.replace(/\/$/, "")) {
      throw new ConfigError(`ALLOWED_ORIGINS must list origins like https://eval.example.org:8443, received "${origin}"`);
    }
  }
  return origins;
}

function readPrices(env: Env): Record<string, ModelPrice> {
  const raw = env.LLM_PRICES_JSON;
  if (!raw) return DEFAULT_PRICES;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`LLM_PRICES_JSON must be JSON like {"gpt-4.1":{"input":2,"output":8}}`);
  }
  const prices: Record<string, ModelPrice> = { ...DEFAULT_PRICES };
  for (const [model, price] of Object.entries(parsed as Record<string, ModelPrice>)) {
    if (typeof price?.input !== "number" || typeof price?.output !== "number") {
      throw new ConfigError(`LLM_PRICES_JSON: "${model}" needs numeric input and output prices`);
    }
    prices[model] = { input: price.input, output: price.output };
  }
  return prices;
}

export type Role = "all" | "api" | "worker";

function readRole(env: Env): Role {
  const raw = readString(env, "ROLE", "all");
  const roles = ["all", "api", "worker"] as const;
  const role = roles.find((r) => r === raw);
  if (!role) throw new ConfigError(`ROLE must be one of ${roles.join(", ")}, received "${raw}"`);
  return role;
}

function readChoice<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = readString(env, name, fallback);
  const choice = choices.find((c) => c === raw);
  if (!choice) throw new ConfigError(`${name} must be one of ${choices.join(", ")}, received "${raw}"`);
  return choice;
}

function readLogLevel(env: Env): Config["logLevel"] {
  const raw = readString(env, "LOG_LEVEL", "info");
  const levels = ["debug", "info", "warn", "error", "silent"] as const;
  const level = levels.find((l) => l === raw);
  if (!level) throw new ConfigError(`LOG_LEVEL must be one of ${levels.join(", ")}, received "${raw}"`);
  return level;
}

/** src/ when run from source, dist/src/ when compiled: either way the checkout is above it. */
function findProjectRoot(): string {
  const parent = path.resolve(__dirname, "..");
  return path.basename(parent) === "dist" ? path.dirname(parent) : parent;
}

/**
 * GENERATORS_FILE (default generators.json at the project root; a missing default file means only
 * builtin, a missing file named explicitly is an error), parsed with the environment's values of the
 * variables each command generator passes through.
 */
function readGenerators(env: Env, projectRoot: string): GeneratorsConfig {
  const named = env.GENERATORS_FILE;
  const file = path.resolve(projectRoot, readString(env, "GENERATORS_FILE", "generators.json"));
  let text: string | null = null;
  if (existsSync(file)) text = readFileSync(file, "utf8");
  else if (named) throw new ConfigError(`GENERATORS_FILE: ${file} does not exist`);
  try {
    return {
      file,
      definitions: parseGeneratorsFile(file, text, env, [NOTE_PROMPT_VERSION]),
      workDir: path.resolve(projectRoot, readString(env, "GENERATORS_WORK_DIR", ".data/generators")),
      killGraceMs: readInt(env, "GENERATOR_KILL_GRACE_MS", 2000),
    };
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`GENERATORS_FILE: ${(error as Error).message}`);
  }
}

export function loadConfig(env: Env = process.env): Config {
  const projectRoot = findProjectRoot();
  const sharedDataDir = path.resolve(projectRoot, readString(env, "SHARED_DATA_DIR", "../shared/data"));
  return {
    port: readInt(env, "PORT", 4000),
    host: readString(env, "HOST", "127.0.0.1"),
    databaseUrl: env.DATABASE_URL || undefined,
    embeddedPgDir: path.resolve(projectRoot, readString(env, "EMBEDDED_PG_DIR", ".data/postgres")),
    embeddedPgPort: readInt(env, "EMBEDDED_PG_PORT", 54329, 1),
    dbConnectTimeoutMs: readInt(env, "DB_CONNECT_TIMEOUT_MS", 5_000, 100),
    dbStatementTimeoutMs: readInt(env, "DB_STATEMENT_TIMEOUT_MS", 10_000, 100),
    dbReconnectMaxMs: readInt(env, "DB_RECONNECT_MAX_MS", 5_000, 100),
    eventBus: readChoice(env, "EVENT_BUS", ["postgres", "memory"] as const, "postgres"),
    sharedDataDir,
    importRoots: readFolders(env, "IMPORT_ROOTS", [sharedDataDir], projectRoot),
    limits: readLimits(env),
    masterKey: {
      fromEnvironment: readMasterKey(env, "MASTER_KEY"),
      previousFromEnvironment: readMasterKey(env, "MASTER_KEY_PREVIOUS"),
      file: path.resolve(projectRoot, readString(env, "MASTER_KEY_FILE", ".data/keys/master.key")),
    },
    baseUrlAllowlist: readBaseUrlAllowlist(env),
    shutdownGraceMs: readInt(env, "SHUTDOWN_GRACE_MS", 10_000),
    role: readRole(env),
    jobLeaseMs: readInt(env, "JOB_LEASE_MS", 30_000, 1000),
    runPollMs: readInt(env, "RUN_POLL_MS", 1000, 10),
    runOutageGraceMs: readInt(env, "RUN_OUTAGE_GRACE_MS", 30_000, 0),
    progressThrottleMs: readInt(env, "PROGRESS_THROTTLE_MS", 250),
    resumeOnStart: readString(env, "RESUME_ON_START", "true") !== "false",
    logLevel: readLogLevel(env),
    generators: readGenerators(env, projectRoot),
    allowedHosts: readList(env, "ALLOWED_HOSTS"),
    allowedOrigins: readOrigins(env),
    llm: {
      baseUrls: { openai: env.OPENAI_BASE_URL || undefined, anthropic: env.ANTHROPIC_BASE_URL || undefined },
      apiKeys: { openai: env.OPENAI_API_KEY || undefined, anthropic: env.ANTHROPIC_API_KEY || undefined },
      defaults: {
        openai: {
          chat: readString(env, "OPENAI_DEFAULT_CHAT_MODEL", DEFAULT_MODELS.openai.chat),
          reasoning: readString(env, "OPENAI_DEFAULT_REASONING_MODEL", DEFAULT_MODELS.openai.reasoning),
        },
        anthropic: {
          chat: readString(env, "ANTHROPIC_DEFAULT_CHAT_MODEL", DEFAULT_MODELS.anthropic.chat),
          reasoning: readString(env, "ANTHROPIC_DEFAULT_REASONING_MODEL", DEFAULT_MODELS.anthropic.reasoning),
        },
      },
      requestTimeoutMs: readInt(env, "LLM_REQUEST_TIMEOUT_MS", 120_000, 1),
      transportRetries: readInt(env, "LLM_TRANSPORT_RETRIES", 4),
      backoffBaseMs: readInt(env, "LLM_BACKOFF_BASE_MS", 500),
      backoffMaxMs: readInt(env, "LLM_BACKOFF_MAX_MS", 30_000),
      structuredOutputTries: readInt(env, "LLM_STRUCTURED_OUTPUT_TRIES", 3, 1),
      keyRefusalsToStop: readInt(env, "LLM_KEY_REFUSALS_TO_STOP", 3, 1),
      adaptiveLimits: readBoolean(env, "LLM_ADAPTIVE_LIMITS", true),
      maxConcurrencyPerKey: readInt(env, "LLM_MAX_CONCURRENCY_PER_KEY", 256, 1),
      clusterLimits: readBoolean(env, "LLM_CLUSTER_LIMITS", true),
      clusterHeartbeatMs: readInt(env, "LLM_CLUSTER_HEARTBEAT_MS", 1000, 50),
      vendorConcurrency: {
        openai: readInt(env, "OPENAI_MAX_CONCURRENCY", Infinity, 1),
        anthropic: readInt(env, "ANTHROPIC_MAX_CONCURRENCY", Infinity, 1),
      },
      vendorRateLimit: {
        openai: readInt(env, "OPENAI_REQUESTS_PER_INTERVAL", Infinity, 1),
        anthropic: readInt(env, "ANTHROPIC_REQUESTS_PER_INTERVAL", Infinity, 1),
      },
      vendorRateIntervalMs: readInt(env, "LLM_RATE_INTERVAL_MS", 60_000, 1),
      prices: readPrices(env),
      maxOutputTokens: readInt(env, "LLM_MAX_OUTPUT_TOKENS", 8192, 1),
    },
  };
}

export { ConfigError };
