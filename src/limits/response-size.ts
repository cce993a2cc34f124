/**
 * The response-size guard: a result larger than the configured cap is replaced by one error before
 * it is serialised (serialising is where a huge result exhausts the heap: the rows themselves are
 * already in memory, their JSON text would be a second, larger copy). The size is estimated by
 * walking the result and stops as soon as the cap is passed, so an ordinary result costs one walk
 * and a huge one costs no more than the cap.
 */
import { GraphQLError } from "graphql";
import { ErrorCode } from "../errors";

/** Roughly the length of the JSON text of `root`, or Infinity once it passes `max`. */
export function estimateJsonChars(root: unknown, max: number): number {
  let total = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === "string") total += value.length + 2;
    else if (typeof value === "number" || typeof value === "boolean") total += 6;
    else if (value === null || value === undefined) total += 4;
    else if (value instanceof Date) total += 26;
    else if (Array.isArray(value)) {
      total += 2 + value.length;
      for (const item of value) stack.push(item);
    } else if (typeof value === "object") {
      for (const [key, item] of Object.entries(value)) {
        total += key.length + 4;
        stack.push(item);
      }
    }
    if (total > max) return Infinity;
  }
  return total;
}

export function responseTooLarge(maxBytes: number): GraphQLError {
  return new GraphQLError(
    `The response would be larger than ${maxBytes.toLocaleString("en-US")} bytes (RESPONSE_MAX_BYTES): ` +
      `ask for fewer fields or items, e.g. a page of results or one case's transcript at a time`,
    { extensions: { code: ErrorCode.BAD_USER_INPUT, limit: "responseBytes", max: maxBytes } },
  );
}
