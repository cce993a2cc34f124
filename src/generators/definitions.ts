/**
 * The operator's generators file: parsing and checking, with every default beside it. config.ts
 * reads the file and the environment (it is the only reader of process.env) and calls this.
 *
 * ```json
 * { "generators": [
 *   { "name": "mine", "kind": "command", "description": "…", "command": ["node", "generate.mjs"],
 *     "repository": "../my-generator", "cwd": ".", "timeoutMs": 600000, "env": ["HOME"],
 *     "maxOutputBytes": 4194304 },
 *   { "name": "remote", "kind": "http", "url": "http://127.0.0.1:8080/note", "timeoutMs": 600000 },
 *   { "name": "note-v1", "kind": "builtin", "promptVersion": "note-v1" } ] }
 * ```
 *
 * Relative paths are relative to the file's folder; a repository generator's `cwd` is relative to
 * the checked-out commit.
 */
import path from "node:path";
import type { GeneratorKind } from "./types";

/** The generator always present, whatever the file says: the project's own pipeline. */
export const BUILTIN_NAME = "builtin";
export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
/** Environment variables every command generator receives from the server's environment. */
export const ALWAYS_PASSED_ENV = ["PATH"] as const;

interface Common {
  name: string;
  description: string;
}
export interface BuiltinDefinition extends Common {
  kind: "builtin";
  promptVersion: string;
}
export interface CommandDefinition extends Common {
  kind: "command";
  /** argv: the program and its arguments (no shell). */
  command: string[];
  /** Absolute path of a git repository whose commits are the versions; null = versions are labels. */
  repository: string | null;
  /** Working directory: absolute, or relative to the checked-out commit when there is a repository. */
  cwd: string;
  timeoutMs: number;
  /** The passed-through variables' values, read from the server's environment at start-up. */
  env: Record<string, string>;
  maxOutputBytes: number;
}
export interface HttpDefinition extends Common {
  kind: "http";
  url: string;
  timeoutMs: number;
  maxOutputBytes: number;
}
export type GeneratorDefinition = BuiltinDefinition | CommandDefinition | HttpDefinition;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function fail(file: string, where: string, message: string): never {
  throw new Error(`${file}: ${where}: ${message}`);
}

function positiveInt(file: string, where: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) fail(file, where, `must be a whole number >= 1`);
  return value;
}

/**
 * The generators the file defines, `builtin` first. `text` is the file's content (null when the
 * file does not exist), `env` the server's environment for the pass-through variables.
 */
export function parseGeneratorsFile(
  file: string,
  text: string | null,
  env: Record<string, string | undefined>,
  knownPromptVersions: readonly string[],
): GeneratorDefinition[] {
  const builtin: BuiltinDefinition = {
    name: BUILTIN_NAME,
    kind: "builtin",
    description: `The project's own LLM pipeline (prompt ${knownPromptVersions[0]}); the version is a label`,
    promptVersion: knownPromptVersions[0],
  };
  if (text === null) return [builtin];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    fail(file, "not JSON", (error as Error).message);
  }
  const list = (parsed as { generators?: unknown })?.generators;
  if (!Array.isArray(list)) fail(file, "top level", `must be {"generators": [...]}`);
  const base = path.dirname(file);
  const definitions: GeneratorDefinition[] = [builtin];
  for (const [index, raw] of list.entries()) {
    const item = (raw ?? {}) as Record<string, unknown>;
    const where = `generators[${index}]`;
    const name = item.name;
    if (typeof name !== "string" || !NAME.test(name)) fail(file, where, `"name" must match ${NAME}`);
    if (definitions.some((d) => d.name === name)) fail(file, where, `the name "${name}" is taken`);
    const kind = item.kind as GeneratorKind;
    const description = typeof item.description === "string" ? item.description : "";
    const at = `${where} ("${name}")`;
    switch (kind) {
      case "builtin": {
        const promptVersion = item.promptVersion ?? knownPromptVersions[0];
        if (typeof promptVersion !== "string" || !knownPromptVersions.includes(promptVersion))
          fail(file, at, `"promptVersion" must be one of ${knownPromptVersions.join(", ")}`);
        definitions.push({ name, kind, description, promptVersion });
        break;
      }
      case "command": {
        const command = item.command;
        if (!Array.isArray(command) || command.length === 0 || command.some((a) => typeof a !== "string" || a === ""))
          fail(file, at, `"command" must be a non-empty array of strings (argv; no shell)`);
        const repository = item.repository === undefined ? null : item.repository;
        if (repository !== null && (typeof repository !== "string" || repository === ""))
          fail(file, at, `"repository" must be the path of a git repository`);
        const cwd = item.cwd ?? ".";
        if (typeof cwd !== "string") fail(file, at, `"cwd" must be a path`);
        const names = item.env ?? [];
        if (!Array.isArray(names) || names.some((n) => typeof n !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)))
          fail(file, at, `"env" must list environment variable names`);
        const passed: Record<string, string> = {};
        for (const variable of [...ALWAYS_PASSED_ENV, ...(names as string[])]) {
          const value = env[variable];
          if (value !== undefined) passed[variable] = value;
        }
        definitions.push({
          name,
          kind,
          description,
          command: command as string[],
          repository: repository === null ? null : path.resolve(base, repository),
          cwd: repository === null ? path.resolve(base, cwd) : cwd,
          timeoutMs: positiveInt(file, `${at} timeoutMs`, item.timeoutMs, DEFAULT_TIMEOUT_MS),
          env: passed,
          maxOutputBytes: positiveInt(file, `${at} maxOutputBytes`, item.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES),
        });
        if (repository !== null && path.isAbsolute(cwd)) fail(file, at, `"cwd" must be relative to the repository's checkout`);
        break;
      }
      case "http": {
        const url = item.url;
        let parsedUrl: URL | undefined;
        try {
          parsedUrl = typeof url === "string" ? new URL(url) : undefined;
        } catch {
          parsedUrl = undefined;
        }
        if (!parsedUrl || !["http:", "https:"].includes(parsedUrl.protocol)) fail(file, at, `"url" must be an http(s) URL`);
        definitions.push({
          name,
          kind,
          description,
          url: parsedUrl.toString(),
          timeoutMs: positiveInt(file, `${at} timeoutMs`, item.timeoutMs, DEFAULT_TIMEOUT_MS),
          maxOutputBytes: positiveInt(file, `${at} maxOutputBytes`, item.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES),
        });
        break;
      }
      default:
        fail(file, at, `"kind" must be one of builtin, command, http`);
    }
  }
  return definitions;
}
