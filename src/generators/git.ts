/**
 * Pinned versions: resolving a version to a commit of the generator's repository, and one worktree
 * per commit, shared by the runs that use it and removed when the last of them releases it.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { pidExists } from "../os-process";
import { promisify } from "node:util";

const exec = promisify(execFile);
const FULL_COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

async function git(repository: string, args: string[]): Promise<string> {
  const { stdout } = await exec("git", ["-C", repository, ...args], { maxBuffer: 1024 * 1024 });
  return stdout.trim();
}

/** Why a version is not usable, in words for the client; null when it is a commit. */
export class VersionError extends Error {}

/**
 * The full hash of the commit `version` names (a hash, a tag, a branch…), as
 * `git rev-parse --verify <version>^{commit}` resolves it. Throws VersionError when it names none.
 */
export async function resolveCommit(repository: string, version: string): Promise<string> {
  // argv, not a shell; still, a leading "-" would be read as an option of rev-parse.
  if (version.startsWith("-") || /[\s\0]/.test(version)) {
    throw new VersionError(`"${version}" is not a commit, tag or branch name`);
  }
  try {
    const commit = await git(repository, ["rev-parse", "--verify", "--quiet", `${version}^{commit}`]);
    if (FULL_COMMIT.test(commit)) return commit;
  } catch {
    // not a commit (or not a repository: checked at start-up)
  }
  throw new VersionError(`"${version}" does not resolve to a commit of the generator's repository`);
}

export async function isRepository(repository: string): Promise<boolean> {
  try {
    return (
      (await git(repository, ["rev-parse", "--is-inside-work-tree"])) === "true" || existsSync(path.join(repository, "HEAD"))
    );
  } catch {
    return false;
  }
}

interface Entry {
  users: number;
  ready: Promise<string>;
}

/**
 * Worktrees of this process under `<dir>/<pid>-<commit>`: created on first use, removed when the
 * last user releases them. `removeStale` (start-up) removes those of processes that are gone.
 */
export class WorktreeCache {
  private readonly entries = new Map<string, Entry>();
  /** git worktree add/remove of one repository take turns (they write its administrative files). */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly dir: string) {}

  private serial<T>(repository: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(repository) ?? Promise.resolve();
    const next = previous.then(task, task);
    this.queues.set(
      repository,
      next.catch(() => undefined),
    );
    return next;
  }

  private pathOf(commit: string): string {
    return path.join(this.dir, `${process.pid}-${commit}`);
  }

  /** The worktree of `commit`, checked out if needed; call the returned release once done with it. */
  async acquire(repository: string, commit: string): Promise<{ path: string; release: () => void }> {
    const key = `${repository}\n${commit}`;
    let entry = this.entries.get(key);
    if (!entry) {
      const target = this.pathOf(commit);
      entry = {
        users: 0,
        ready: this.serial(repository, async () => {
          mkdirSync(this.dir, { recursive: true });
          if (!existsSync(target)) await git(repository, ["worktree", "add", "--detach", "--force", target, commit]);
          return target;
        }),
      };
      this.entries.set(key, entry);
    }
    entry.users++;
    const mine = entry;
    try {
      const worktree = await mine.ready;
      let released = false;
      return {
        path: worktree,
        release: () => {
          if (released) return;
          released = true;
          this.releaseEntry(repository, key, mine);
        },
      };
    } catch (error) {
      this.releaseEntry(repository, key, mine);
      throw error;
    }
  }

  private releaseEntry(repository: string, key: string, entry: Entry): void {
    entry.users--;
    if (entry.users > 0) return;
    this.entries.delete(key);
    void entry.ready
      .then((worktree) => this.serial(repository, () => removeWorktree(repository, worktree)))
      .catch(() => undefined);
  }

  /** Removes worktrees left by processes that are gone (their pid prefix names no live process). */
  async removeStale(repositories: string[]): Promise<void> {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      const pid = Number(name.split("-")[0]);
      if (!Number.isInteger(pid) || pid === process.pid || pidExists(pid)) continue;
      rmSync(path.join(this.dir, name), { recursive: true, force: true });
    }
    for (const repository of repositories) await git(repository, ["worktree", "prune"]).catch(() => undefined);
  }

  /** How many worktrees this process has checked out (tests). */
  get size(): number {
    return this.entries.size;
  }
}

async function removeWorktree(repository: string, worktree: string): Promise<void> {
  await git(repository, ["worktree", "remove", "--force", worktree]).catch(() => undefined);
  rmSync(worktree, { recursive: true, force: true });
  await git(repository, ["worktree", "prune"]).catch(() => undefined);
}
