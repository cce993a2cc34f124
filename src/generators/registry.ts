/**
 * The operator's generators, by name, made from the definitions config.ts read from the generators
 * file (builtin always among them). Knows nothing of GraphQL: a bad name or version is a
 * VersionError whose message services pass on as BAD_USER_INPUT.
 */
import path from "node:path";
import type { LlmConfig } from "../config";
import type { LlmClients } from "../llm";
import type { Logger } from "../logger";
import { runBuiltinJob } from "./builtin";
import { runCommandJob, type CommandRuntime } from "./command";
import type { GeneratorDefinition } from "./definitions";
import { isRepository, resolveCommit, VersionError, WorktreeCache } from "./git";
import { runHttpJob } from "./http";
import { GroupRecords } from "./process-group";
import type { NoteGenerator, PreparedGenerator } from "./types";

export interface GeneratorsConfig {
  /** The generators file (may not exist: then only builtin). */
  file: string;
  definitions: GeneratorDefinition[];
  /** Worktrees and process-group records live here. */
  workDir: string;
  /** Between SIGTERM and SIGKILL when a generator's process group is ended. */
  killGraceMs: number;
}

export interface GeneratorDeps {
  llm: LlmClients;
  prices: LlmConfig["prices"];
  logger: Logger;
}

export class GeneratorRegistry {
  private readonly generators = new Map<string, NoteGenerator>();
  readonly worktrees: WorktreeCache;
  private readonly records: GroupRecords;

  constructor(
    private readonly config: GeneratorsConfig,
    private readonly deps: GeneratorDeps,
  ) {
    this.worktrees = new WorktreeCache(path.join(config.workDir, "worktrees"));
    this.records = new GroupRecords(path.join(config.workDir, "processes"));
    for (const definition of config.definitions) this.generators.set(definition.name, this.make(definition));
  }

  /**
   * Start-up: ends the generator process groups a killed server left behind, removes its
   * worktrees, and warns about repositories that are not there.
   */
  async start(): Promise<void> {
    const ended = await this.records.endOrphanedGroups(this.config.killGraceMs);
    if (ended.length > 0)
      this.deps.logger.warn(`ended ${ended.length} generator process group(s) left by a stopped server: ${ended.join(", ")}`);
    const repositories = this.config.definitions.flatMap((d) => (d.kind === "command" && d.repository ? [d.repository] : []));
    await this.worktrees.removeStale(repositories);
    for (const repository of repositories) {
      if (!(await isRepository(repository)))
        this.deps.logger.warn(`generators file ${this.config.file}: ${repository} is not a git repository`);
    }
  }

  list(): NoteGenerator[] {
    return [...this.generators.values()];
  }

  /** The generator of that name; VersionError naming the known ones otherwise. */
  get(name: string): NoteGenerator {
    const generator = this.generators.get(name);
    if (!generator) {
      throw new VersionError(
        `Unknown generator "${name}": this server's operator configured ${this.list()
          .map((g) => `"${g.name}"`)
          .join(", ")} (the generators query lists them)`,
      );
    }
    return generator;
  }

  private make(definition: GeneratorDefinition): NoteGenerator {
    const base = { name: definition.name, kind: definition.kind, description: definition.description };
    const prepared = (version: string, commit: string | null, rest: Pick<PreparedGenerator, "generate" | "release">) => ({
      ...base,
      version,
      commit,
      ...rest,
    });
    /** A generator whose versions are labels: nothing to resolve, check out or release. */
    const unpinned = (generate: PreparedGenerator["generate"]): NoteGenerator => ({
      ...base,
      pinned: false,
      resolveVersion: async () => null,
      prepare: async (version) => prepared(version, null, { generate, release: () => undefined }),
    });
    switch (definition.kind) {
      case "builtin":
        return unpinned((request) => runBuiltinJob(definition, this.deps.llm, request));
      case "http":
        return unpinned((request) => runHttpJob(definition, null, request, this.deps.prices));
      case "command": {
        const runtime: CommandRuntime = { records: this.records, killGraceMs: this.config.killGraceMs, prices: this.deps.prices };
        const repository = definition.repository;
        return {
          ...base,
          pinned: repository !== null,
          resolveVersion: async (version) => (repository === null ? null : resolveCommit(repository, version)),
          prepare: async (version, commit) => {
            if (repository === null || commit === null) {
              return prepared(version, null, {
                generate: (request) => runCommandJob(definition, definition.cwd, null, request, runtime),
                release: () => undefined,
              });
            }
            const worktree = await this.worktrees.acquire(repository, commit);
            const cwd = path.resolve(worktree.path, definition.cwd);
            return prepared(version, commit, {
              generate: (request) => runCommandJob(definition, cwd, commit, request, runtime),
              release: worktree.release,
            });
          },
        };
      }
    }
  }
}
