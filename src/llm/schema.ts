/**
 * A small validator for the JSON-schema subset our prompts use: type object/array/string/integer/
 * number/boolean, enum, required, properties, additionalProperties:false, items, minItems/maxItems,
 * minimum/maximum. Vendors' "strict" modes are not trusted: every answer goes through here, and the
 * first error message is fed back to the model on a repair try.
 */
import type { JsonSchema } from "./types";

interface Schema {
  type?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** Returns the first violation as "at <path>: <problem>", or null when the value fits. */
export function validateSchema(schema: JsonSchema, value: unknown): string | null {
  return check(schema as Schema, value, "$");
}

function check(s: Schema, v: unknown, path: string): string | null {
  switch (s.type) {
    case undefined:
      break;
    case "object":
      if (typeOf(v) !== "object") return `at ${path}: expected an object, got ${typeOf(v)}`;
      break;
    case "array":
      if (!Array.isArray(v)) return `at ${path}: expected an array, got ${typeOf(v)}`;
      break;
    case "string":
      if (typeof v !== "string") return `at ${path}: expected a string, got ${typeOf(v)}`;
      break;
    case "integer":
      if (typeof v !== "number" || !Number.isInteger(v)) return `at ${path}: expected an integer, got ${JSON.stringify(v)}`;
      break;
    case "number":
      if (typeof v !== "number" || !Number.isFinite(v)) return `at ${path}: expected a number, got ${typeOf(v)}`;
      break;
    case "boolean":
      if (typeof v !== "boolean") return `at ${path}: expected a boolean, got ${typeOf(v)}`;
      break;
    default:
      return `at ${path}: schema type "${s.type}" is not supported by the validator`;
  }
  if (s.enum && !s.enum.includes(v)) {
    return `at ${path}: ${JSON.stringify(v)} is not one of ${s.enum.map((e) => JSON.stringify(e)).join(", ")}`;
  }
  if (typeof v === "number") {
    if (s.minimum !== undefined && v < s.minimum) return `at ${path}: ${v} is below the minimum ${s.minimum}`;
    if (s.maximum !== undefined && v > s.maximum) return `at ${path}: ${v} is above the maximum ${s.maximum}`;
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems)
      return `at ${path}: expected at least ${s.minItems} items, got ${v.length}`;
    if (s.maxItems !== undefined && v.length > s.maxItems)
      return `at ${path}: expected at most ${s.maxItems} items, got ${v.length}`;
    if (s.items) {
      for (let i = 0; i < v.length; i++) {
        const err = check(s.items, v[i], `${path}[${i}]`);
        if (err) return err;
      }
    }
  } else if (s.type === "object" || (s.properties && typeOf(v) === "object")) {
    const obj = v as Record<string, unknown>;
    for (const key of s.required ?? []) {
      if (!(key in obj)) return `at ${path}: missing required property "${key}"`;
    }
    const props = s.properties ?? {};
    for (const key of Object.keys(obj)) {
      const sub = props[key];
      if (sub) {
        const err = check(sub, obj[key], `${path}.${key}`);
        if (err) return err;
      } else if (s.additionalProperties === false) {
        return `at ${path}: unexpected property "${key}"`;
      }
    }
  }
  return null;
}
