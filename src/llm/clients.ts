/**
 * SDK clients and per-vendor limiters, built once from LlmConfig and shared by every call.
 *
 * SDK clients are cached per (vendor, apiKey, baseUrl): constructing one per call would cost more
 * than the rest of a call at zero latency. The SDKs' own retries are off (`maxRetries: 0`) so that
 * src/llm/transport.ts counts and paces every attempt; their `timeout` is config.requestTimeoutMs.
 * Base URLs and keys are always passed explicitly so the SDKs never read process.env themselves.
 * Requests go through node:http(s) keep-alive agents (vendors/http-fetch.ts), about half the CPU of
 * the global fetch per call.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import PQueue from "p-queue";
import type { LlmConfig } from "../config";
import type { ModelSpec, Vendor } from "./types";
import { KeyHealth } from "./key-health";
import { AdaptiveLimiter, type LimiterState } from "./limits/adaptive-limiter";
import { sharedLimiter, soloLimiter, type KeyLimiter } from "./limits/cluster-limiter";
import type { ClusterShare } from "./limits/cluster-share";
import { sharedVendorQueue, type VendorQueue } from "./limits/cluster-vendor";
import { nodeHttpFetch } from "./vendors/http-fetch";

const OFFICIAL_BASE_URLS: Record<Vendor, string> = {
  openai: "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com",
};

export interface LlmClients {
  readonly config: LlmConfig;
  /** Log sink; every line has already been scrubbed of API keys. */
  readonly log: (msg: string) => void;
  /**
   * Per-vendor limiter, or null when neither concurrency nor rate is capped (no queue overhead);
   * this process's share of the caps when a cluster is given (./limits/cluster-vendor.ts).
   */
  readonly limiters: Record<Vendor, VendorQueue | null>;
  /** Consecutive refusals per key, shared by every call (./key-health.ts). */
  readonly keyHealth: KeyHealth;
  /**
   * The adaptive limiter of a key (./limits/adaptive-limiter.ts), this process's share of it when a
   * cluster is given (./limits/cluster-limiter.ts); null when LLM_ADAPTIVE_LIMITS is off.
   */
  adaptive(vendor: Vendor, apiKey: string, baseUrl: string): KeyLimiter | null;
  /** Every key's current limit, why it last changed and how many processes share it (keys shown by vendor and base URL only). */
  limitStates(): ({ vendor: Vendor; baseUrl: string; processes: number } & LimiterState)[];
  openai(apiKey: string, baseUrl: string): OpenAI;
  anthropic(apiKey: string, baseUrl: string): Anthropic;
}

function makeLimiter(config: LlmConfig, vendor: Vendor, cluster: ClusterShare | undefined): VendorQueue | null {
  const concurrency = config.vendorConcurrency[vendor];
  const rate = config.vendorRateLimit[vendor];
  if (!Number.isFinite(concurrency) && !Number.isFinite(rate)) return null;
  const queue = new PQueue({
    concurrency: Number.isFinite(concurrency) ? concurrency : Infinity,
    ...(Number.isFinite(rate) ? { intervalCap: rate, interval: config.vendorRateIntervalMs } : {}),
  });
  return cluster
    ? sharedVendorQueue(cluster, queue, vendor, { concurrency, rate, intervalMs: config.vendorRateIntervalMs })
    : queue;
}

export interface LlmClientsOptions {
  log?: (msg: string) => void;
  /** The processes sharing keys through Postgres (./limits/cluster-share.ts); absent: this process alone. */
  cluster?: ClusterShare;
}

export function makeLlmClients(config: LlmConfig, options: LlmClientsOptions = {}): LlmClients {
  const openaiClients = new Map<string, OpenAI>();
  const anthropicClients = new Map<string, Anthropic>();
  const common = { maxRetries: 0, timeout: config.requestTimeoutMs, fetch: nodeHttpFetch };
  const adaptive = new Map<string, { vendor: Vendor; baseUrl: string; limiter: KeyLimiter }>();
  const log = options.log ?? (() => {});
  return {
    config,
    log,
    limiters: {
      openai: makeLimiter(config, "openai", options.cluster),
      anthropic: makeLimiter(config, "anthropic", options.cluster),
    },
    keyHealth: new KeyHealth(config.keyRefusalsToStop),
    adaptive(vendor, apiKey, baseUrl) {
      if (!config.adaptiveLimits) return null;
      const id = `${vendor}\u0000${apiKey}\u0000${baseUrl}`;
      let entry = adaptive.get(id);
      if (!entry) {
        const limiter = new AdaptiveLimiter(config.maxConcurrencyPerKey, (s) =>
          log(`${vendor} at ${baseUrl}: limit ${s.reason}`),
        );
        const { cluster } = options;
        entry = {
          vendor,
          baseUrl,
          limiter: cluster ? sharedLimiter(cluster, limiter, { vendor, apiKey, baseUrl }) : soloLimiter(limiter),
        };
        adaptive.set(id, entry);
      }
      return entry.limiter;
    },
    limitStates() {
      return [...adaptive.values()].map((e) => ({ vendor: e.vendor, baseUrl: e.baseUrl, ...e.limiter.state() }));
    },
    openai(apiKey, baseUrl) {
      const key = `${apiKey}\u0000${baseUrl}`;
      let client = openaiClients.get(key);
      if (!client) {
        client = new OpenAI({ ...common, apiKey, baseURL: baseUrl, organization: null, project: null });
        openaiClients.set(key, client);
      }
      return client;
    },
    anthropic(apiKey, baseUrl) {
      const key = `${apiKey}\u0000${baseUrl}`;
      let client = anthropicClients.get(key);
      if (!client) {
        client = new Anthropic({ ...common, apiKey, authToken: null, baseURL: baseUrl });
        anthropicClients.set(key, client);
      }
      return client;
    },
  };
}

/** '' means the vendor's default from config: the reasoning model when spec.reasoning, else chat. */
export function resolveModelName(config: LlmConfig, spec: ModelSpec): string {
  if (spec.model) return spec.model;
  const defaults = config.defaults[spec.vendor];
  return spec.reasoning ? defaults.reasoning : defaults.chat;
}

/** The spec's base URL wins, then config.baseUrls, then the vendor's own. */
export function resolveBaseUrl(config: LlmConfig, spec: ModelSpec): string {
  return spec.baseUrl || config.baseUrls[spec.vendor] || OFFICIAL_BASE_URLS[spec.vendor];
}
