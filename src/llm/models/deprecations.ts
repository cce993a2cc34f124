/**
 * Which models are on their way out, from the installed SDK's own data and the vendors' announcements.
 *
 * The Anthropic SDK keeps a table of deprecated models and their end-of-life dates
 * (internal/data/deprecated-models) that it uses to warn on every call. The table is not in the
 * package's exports, so it is loaded from its file beside the package entry; when a future SDK moves
 * it, the table is empty and a test (test/llm.models.test.ts) says so. The OpenAI SDK has no such
 * data, so OpenAI's announced ends are listed here by hand.
 */
import fs from "node:fs";
import path from "node:path";
import type { Vendor } from "../types";

export interface Deprecation {
  /** ISO date (YYYY-MM-DD) of the end of life, when one was given. */
  endOfLife: string | null;
  /** Where this comes from, in words. */
  source: string;
}

/** OpenAI's announced ends (the SDK lists o3 without any deprecation). */
const OPENAI_ANNOUNCED: Record<string, string | null> = {
  o3: null,
  "o3-2025-04-16": null,
  "o1-preview": null,
  "o1-mini": null,
  "gpt-4.5-preview": null,
};

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];

/** "November 30th, 2026" → "2026-11-30"; anything else → null. */
export function parseSdkDate(text: string): string | null {
  const m = /^([A-Za-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/.exec(text.trim());
  if (!m) return null;
  const month = MONTHS.indexOf(m[1].toLowerCase());
  if (month < 0) return null;
  return `${m[3]}-${String(month + 1).padStart(2, "0")}-${m[2].padStart(2, "0")}`;
}

function loadSdkTable(file: string, exportName: string): unknown {
  try {
    const entry = require.resolve("@anthropic-ai/sdk");
    const mod = require(path.join(path.dirname(entry), "internal", "data", file)) as Record<string, unknown>;
    return mod[exportName];
  } catch {
    return undefined;
  }
}

let anthropicTable: Record<string, string> | undefined;

/** The Anthropic SDK's deprecation table: model → end-of-life text as the SDK prints it. */
export function anthropicSdkDeprecations(): Record<string, string> {
  if (!anthropicTable) {
    const table = loadSdkTable("deprecated-models.js", "DEPRECATED_MODELS");
    anthropicTable = table && typeof table === "object" ? { ...(table as Record<string, string>) } : {};
  }
  return anthropicTable;
}

/** The deprecation the SDK or the vendor's announcements know for this model, or null. */
export function knownDeprecation(vendor: Vendor, model: string): Deprecation | null {
  if (vendor === "anthropic") {
    const text = anthropicSdkDeprecations()[model];
    if (text === undefined) return null;
    return { endOfLife: parseSdkDate(text), source: "the Anthropic SDK's deprecation table" };
  }
  if (model in OPENAI_ANNOUNCED) return { endOfLife: OPENAI_ANNOUNCED[model], source: "OpenAI's deprecation announcements" };
  return null;
}

/** Whether the installed SDK files are where this module looks (false means the table above is empty). */
export function sdkDeprecationTableFound(): boolean {
  return fs.existsSync(path.join(path.dirname(require.resolve("@anthropic-ai/sdk")), "internal", "data", "deprecated-models.js"));
}
