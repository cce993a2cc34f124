/**
 * Deterministic fake answers that fit a JSON schema: the same request body and seed always give the
 * same answer, whatever the order requests arrive in. Text is made of words from the request itself.
 */
import { createHash } from "node:crypto";

export type Rng = () => number;

/** mulberry32: tiny, fast, good enough to vary fake answers. */
export function makeRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seedFor(bodyText: string, seed: number): number {
  return createHash("md5").update(bodyText).update(String(seed)).digest().readUInt32LE(0);
}

const FALLBACK_WORDS =
  "patient reports medication dose daily tablet follow up plan review allergy refill symptoms improved".split(" ");

/** Up to 400 plain words of the text (letters only), to build realistic-ish strings from. */
export function wordsOf(text: string): string[] {
  const words = text.slice(-4000).match(/[A-Za-z][A-Za-z'-]{2,}/g);
  return words && words.length >= 5 ? words.slice(-400) : FALLBACK_WORDS;
}

interface Schema {
  type?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
}

function sentence(rng: Rng, words: string[], min = 4, max = 14): string {
  const n = min + Math.floor(rng() * (max - min + 1));
  const start = Math.floor(rng() * words.length);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(words[(start + i) % words.length]);
  return out.join(" ");
}

/** A value that fits the schema. `index` is the position in the enclosing array: ids follow it. */
export function fakeValue(schema: Schema, rng: Rng, words: string[], key = "", index = 0): unknown {
  if (schema.enum && schema.enum.length) return schema.enum[Math.floor(rng() * schema.enum.length)];
  switch (schema.type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, sub] of Object.entries(schema.properties ?? {})) out[k] = fakeValue(sub, rng, words, k, index);
      return out;
    }
    case "array": {
      const min = schema.minItems ?? 1;
      const max = schema.maxItems ?? min + 4;
      const n = min + Math.floor(rng() * (max - min + 1));
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(fakeValue(schema.items ?? { type: "string" }, rng, words, key, i));
      return out;
    }
    case "integer":
    case "number": {
      const min = schema.minimum ?? 0;
      const max = schema.maximum ?? 100;
      if (key === "id") return Math.min(Math.max(index, min), max);
      return min + Math.floor(rng() * (max - min + 1));
    }
    case "boolean":
      return rng() < 0.5;
    case "string":
    default:
      return sentence(rng, words);
  }
}

/** A value that is valid JSON but breaks an object schema (wrong shape). */
export function schemaViolation(schema: Schema): unknown {
  if (schema.type === "object") return { unexpected_property: "this breaks the schema" };
  return { not_what_you_asked: true };
}

/** Text that is not valid JSON. */
export function malformedJson(valid: string): string {
  return valid.length > 4 ? valid.slice(0, Math.ceil(valid.length / 2)) : "{not json";
}
