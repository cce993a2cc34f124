/**
 * The generator seam, its vocabulary written down once.
 *
 * - generator: what writes the notes an experiment measures. Named and defined by the server's
 *   operator in the generators file (never by API clients: a client naming a command to run would be
 *   remote code execution). An experiment names one generator and a version of it.
 * - kind: `builtin` (the project's own LLM pipeline at a prompt version), `command` (a program, one
 *   process per note job, speaking the job contract on stdin/stdout) or `http` (a URL that receives
 *   the same job document by POST and answers the same result document).
 * - version: as the experiment gives it. For a generator with a git `repository` it must resolve to
 *   a commit, and the run executes that commit, checked out in a worktree of its own (pinned).
 * - job document / result document: the contract, docs/generator-contract.md (versioned, with JSON
 *   Schemas in docs/generator-contract/).
 * - prepared generator: a generator made ready for one run at one version (its worktree acquired);
 *   released when the run ends.
 */
import type { ModelSpec, Transcript } from "../llm";

export type GeneratorKind = "builtin" | "command" | "http";
export const GENERATOR_KINDS: readonly GeneratorKind[] = ["builtin", "command", "http"];

/** The contract version a job document carries; a result must be for the same major version. */
export const CONTRACT_VERSION = "note-generator/1";

/** The job document: a command generator's stdin, an http generator's POST body. */
export interface JobDocument {
  contract: typeof CONTRACT_VERSION;
  case: { id: number; name: string; transcript: Transcript; limitedChart: unknown; profile: string };
  cycle: { transcriptOverlap: number; time: number };
  /** Which of the experiment's note replications this note is, from 1. */
  replication: number;
  /** Which attempt at this note, from 1 (a failed attempt is tried again up to the run's maxAttempts). */
  attempt: number;
  experiment: { id: number; name: string; version: string; commit: string | null };
  /** The model the generator must use. Its API key is in the environment only (command generators). */
  model: { vendor: string; name: string; baseUrl: string | null };
}

/** The existing tool's intermediate artifacts of a note; {} when the generator reports none. */
export interface NoteArtifacts {
  stagedQuestionnaires: unknown;
  transcript2instructions: unknown;
  instruction2parameters: unknown;
  parameters2command: unknown;
}

/** What a generator's answer means once checked (missing usage is 0, a missing model the asked one). */
export interface Generation {
  note: unknown;
  /** The model actually used, as the generator reports it (the asked model when it does not say). */
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** Null when the model used has no price (and the generator reported no cost). */
  costUsd: number | null;
  /** Transcript cycles walked (0 when the generator does not say). */
  cycles: number;
  /** The builtin pipeline's prompt version; "" for other kinds. */
  promptVersion: string;
  artifacts: NoteArtifacts;
}

/** One note job for a prepared generator. */
export interface NoteRequest {
  case: { id: number; name: string; transcript: Transcript; limitedChart: unknown; profile: string };
  overlap: number;
  cycleTime: number;
  replication: number;
  attempt: number;
  experiment: { id: number; name: string; hyperscribeVersion: string };
  /** The generator model, key included (the key goes to a command's environment only). */
  model: ModelSpec;
  /** The model's name with the configured default filled in. */
  modelName: string;
  signal: AbortSignal;
}

/** A generator ready for one run at one version. */
export interface PreparedGenerator {
  readonly name: string;
  readonly kind: GeneratorKind;
  readonly version: string;
  /** The full commit hash the version resolved to; null without a repository. */
  readonly commit: string | null;
  /**
   * Writes one note. Rejects with a GeneratorError (a failed attempt, with its kind) or an LlmError
   * (builtin); after an abort, only once every process of the job has ended.
   */
  generate(request: NoteRequest): Promise<Generation>;
  /** The run is over: its worktree may be cleaned up. Safe to call twice. */
  release(): void;
}

/** A generator as the operator defined it. */
export interface NoteGenerator {
  readonly name: string;
  readonly kind: GeneratorKind;
  readonly description: string;
  /** True when versions must be commits of a git repository. */
  readonly pinned: boolean;
  /** The full commit of `version` (BAD_USER_INPUT when it is none); null for an unpinned generator. */
  resolveVersion(version: string): Promise<string | null>;
  /** Readies the generator for a run at `version`, pinned to `commit` when it has a repository. */
  prepare(version: string, commit: string | null): Promise<PreparedGenerator>;
}
