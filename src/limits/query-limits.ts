/**
 * Limits on the shape of a GraphQL document, for both ways in: Apollo (HTTP) and graphql-ws (which
 * does not go through Apollo's plugins, and runs queries and mutations as well as subscriptions).
 * GraphQL Armor's validation rules bound depth, aliases, directives and cost; graphql-js's own
 * parser bounds tokens (the same check Armor's max-tokens plugin makes, without a second parse).
 * Each refusal is BAD_USER_INPUT naming the setting that bounds it.
 */
import { ApolloArmor } from "@escape.tech/graphql-armor";
import { GraphQLError, NoSchemaIntrospectionCustomRule, type ValidationContext, type ValidationRule } from "graphql";
import { ErrorCode } from "../errors";

export interface QueryLimits {
  /** Nesting of selections (GRAPHQL_MAX_DEPTH). */
  maxDepth: number;
  /** Aliases in one operation (GRAPHQL_MAX_ALIASES): 600 aliases of `cases` once ran the heap out. */
  maxAliases: number;
  /** Lexical tokens in one document (GRAPHQL_MAX_TOKENS). */
  maxTokens: number;
  /**
   * Armor's cost (GRAPHQL_MAX_COST): objects 2, scalars 1, growing by 1.5× per level of depth. The
   * dashboard's results page, the largest query of our clients, costs about 23,000.
   */
  maxCost: number;
  /** Whether the schema can be introspected (INTROSPECTION); the IDE needs it. */
  introspection: boolean;
}

const message = (what: string, setting: string) => `Query refused: ${what} (${setting}).`;

/** Armor's own messages ("Syntax Error: Aliases limit of 15 exceeded, found 600.") with the setting named. */
function reportAs(setting: string) {
  return {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) =>
        context?.reportError(
          new GraphQLError(`Query refused: ${error.message.replace(/^Syntax Error: /, "")} (${setting})`, {
            extensions: { code: ErrorCode.BAD_USER_INPUT, limit: setting },
          }),
        ),
    ],
  };
}

/**
 * Validation rules to add to graphql-js's specified ones, shared by Apollo and graphql-ws (Apollo adds
 * the introspection rule itself when `introspection` is false; graphql-ws is given it here).
 */
export function queryLimitRules(limits: QueryLimits, path: "apollo" | "graphql-ws"): ValidationRule[] {
  const { validationRules } = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ...reportAs("GRAPHQL_MAX_DEPTH") },
    maxAliases: { n: limits.maxAliases, ...reportAs("GRAPHQL_MAX_ALIASES") },
    maxDirectives: { n: 50, ...reportAs("maxDirectives") },
    costLimit: { maxCost: limits.maxCost, ...reportAs("GRAPHQL_MAX_COST") },
    // Tokens are bounded by the parser (parseOptions); suggestions are masked only with introspection off,
    // since introspection tells the same and more.
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return limits.introspection || path === "apollo" ? validationRules : [...validationRules, NoSchemaIntrospectionCustomRule];
}

const TOKENS_ERROR = /Document contains more that? (\d+) tokens/;

/** graphql-js reports too many tokens as a syntax error; clients get it as the limit it is. */
export function asTokenLimitError(error: { message: string }): GraphQLError | undefined {
  const match = TOKENS_ERROR.exec(error.message);
  if (!match) return undefined;
  return new GraphQLError(message(`more than ${match[1]} tokens`, "GRAPHQL_MAX_TOKENS"), {
    extensions: { code: ErrorCode.BAD_USER_INPUT, limit: "GRAPHQL_MAX_TOKENS" },
  });
}

/** With introspection off, "Did you mean …" suggestions would still reveal field names. */
export function maskSuggestions(text: string, introspection: boolean): string {
  return introspection ? text : text.replace(/ Did you mean .+\?$/, "");
}
