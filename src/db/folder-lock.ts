/**
 * A lock file that serialises the decisions about one embedded Postgres folder (initialise, start,
 * attach, stop) between the processes of one checkout: a server, a second server, `import-cases`.
 * Node has no flock(), so the lock is a file created with O_EXCL that names its holder; a lock whose
 * holder died (SIGKILL mid-start) is broken by the next process.
 */
import fs from "node:fs";
import { currentProcess, isAlive, type ProcessIdentity } from "./process-identity";

const POLL_MS = 50;

function readHolder(lockPath: string): ProcessIdentity | undefined | "unreadable" {
  try {
    const text = fs.readFileSync(lockPath, "utf8");
    return text ? (JSON.parse(text) as ProcessIdentity) : "unreadable";
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? undefined : "unreadable";
  }
}

/**
 * Runs `action` while holding the lock. Waits up to `timeoutMs` for a live holder, then fails naming it.
 * Residual race, accepted: two processes that find the same dead holder's lock at the same instant may
 * both break it; the window is the microseconds between the second read and the unlink.
 */
export async function withFolderLock<T>(lockPath: string, action: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const me = JSON.stringify(currentProcess());
  const deadline = Date.now() + timeoutMs;
  let unreadableSince: number | undefined;
  for (;;) {
    try {
      fs.writeFileSync(lockPath, me, { flag: "wx", mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readHolder(lockPath);
    if (holder === "unreadable") {
      // Created but not yet written, or written by a process that died in between: give it a second.
      unreadableSince ??= Date.now();
      if (Date.now() - unreadableSince > 1_000) fs.rmSync(lockPath, { force: true });
    } else if (holder && !isAlive(holder)) {
      if (JSON.stringify(readHolder(lockPath)) === JSON.stringify(holder)) fs.rmSync(lockPath, { force: true });
      continue;
    } else if (holder && Date.now() > deadline) {
      throw new Error(
        `Process ${holder.pid} has been starting or stopping the embedded Postgres for over ${timeoutMs / 1000} s ` +
          `(lock ${lockPath}); wait for it or stop it`,
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  try {
    return await action();
  } finally {
    fs.rmSync(lockPath, { force: true });
  }
}
