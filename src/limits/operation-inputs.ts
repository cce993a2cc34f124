/**
 * Checks every value an operation brings (its variables and the literals written in its document)
 * before any resolver runs, for what no resolver should have to think about: NUL characters
 * (Postgres text and jsonb cannot hold them, and the insert fails as an internal error), strings
 * longer than any field accepts, and lists or objects nested deeper than any input needs (a JSON
 * value nested 10,000 deep overflows the stack of whatever recurses over it next). Runs once per
 * operation for HTTP (an Apollo plugin) and for graphql-ws (its onSubscribe hook).
 */
import { Kind, visit, type DocumentNode, type GraphQLError, type ValueNode } from "graphql";
import { CAPS, capExceeded } from "./caps";
import { badInput } from "../errors";

function nulRefused(where: string): GraphQLError {
  return badInput(`${where} holds a NUL character (\\u0000), which no input accepts: remove it`, { limit: "noNul" });
}

/** Walks a JSON-like value iteratively (a recursive walk is what a deep value would overflow). */
function checkValue(root: unknown, where: string): void {
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (typeof value === "string") {
      if (value.length > CAPS.stringChars) throw capExceeded("stringChars", `A string in ${where} is longer than allowed`);
      if (value.includes("\u0000")) throw nulRefused(where);
    } else if (value !== null && typeof value === "object") {
      if (depth >= CAPS.jsonDepth) throw capExceeded("jsonDepth", `${where} nests lists or objects deeper than allowed`);
      const children = Array.isArray(value) ? value : Object.entries(value).flat();
      for (const child of children) stack.push({ value: child, depth: depth + 1 });
    }
  }
}

function literalDepth(node: ValueNode): number {
  let deepest = 0;
  const stack: { node: ValueNode; depth: number }[] = [{ node, depth: 0 }];
  while (stack.length > 0) {
    const { node: n, depth } = stack.pop()!;
    deepest = Math.max(deepest, depth);
    if (n.kind === Kind.LIST) for (const v of n.values) stack.push({ node: v, depth: depth + 1 });
    if (n.kind === Kind.OBJECT) for (const f of n.fields) stack.push({ node: f.value, depth: depth + 1 });
  }
  return deepest;
}

/** Throws BAD_USER_INPUT naming the limit for the first value that breaks one. */
export function checkOperationInputs(document: DocumentNode, variables: Record<string, unknown> | null | undefined): void {
  for (const [name, value] of Object.entries(variables ?? {})) checkValue(value, `variable $${name}`);
  visit(document, {
    StringValue(node) {
      if (node.value.length > CAPS.stringChars) throw capExceeded("stringChars", "A string in the query is longer than allowed");
      if (node.value.includes("\u0000")) throw nulRefused("a string in the query");
    },
    Argument(node) {
      if (literalDepth(node.value) > CAPS.jsonDepth) {
        throw capExceeded("jsonDepth", `argument ${node.name.value} nests lists or objects deeper than allowed`);
      }
    },
  });
}
