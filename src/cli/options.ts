/**
 * The CLI's one reader of the environment (src/config.ts is the server's): everything else takes
 * these options as arguments, so tests pass their own.
 */
export const DEFAULT_URL = "http://127.0.0.1:4000/graphql";

export interface CliEnv {
  /** NOTE_EVAL_URL: the GraphQL endpoint of a running server. */
  url: string | undefined;
  /** NOTE_EVAL_TOKEN: the API token the CLI authenticates with. */
  token: string | undefined;
  /** NO_COLOR: plain output even on a terminal. */
  noColor: boolean;
  /** NOTE_EVAL_REVIEWER: the reviewer's email address for `rubrics accept|refuse|add` (--reviewer wins). */
  reviewer: string | undefined;
}

export function readCliEnv(env: Record<string, string | undefined> = process.env): CliEnv {
  return {
    url: env.NOTE_EVAL_URL || undefined,
    token: env.NOTE_EVAL_TOKEN || undefined,
    noColor: Boolean(env.NO_COLOR),
    reviewer: env.NOTE_EVAL_REVIEWER || undefined,
  };
}

/** --url wins over NOTE_EVAL_URL, which wins over the default. */
export function resolveUrl(flag: string | undefined, env: CliEnv): string {
  const url = flag || env.url || DEFAULT_URL;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error();
  } catch {
    throw new UsageError(`--url must be an http(s) URL, received "${url}"`);
  }
  return url;
}

/** A mistake in the command line: exit code 2 with the message. */
export class UsageError extends Error {}
