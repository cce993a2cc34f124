/**
 * A process named by its pid and its start time. Records in the embedded Postgres's folder outlive
 * the processes that wrote them (SIGKILL, a container restart), and pids are recycled, so "is pid N
 * alive" alone would take an unrelated process for the one that wrote the record.
 */
import fs from "node:fs";

export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot (Linux /proc/<pid>/stat field 22); undefined elsewhere. */
  startedAt?: string;
}

function startTimeOf(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may itself hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19];
  } catch {
    return undefined;
  }
}

export function currentProcess(): ProcessIdentity {
  return { pid: process.pid, startedAt: startTimeOf(process.pid) };
}

/** Whether a process with this pid exists at all (EPERM: it exists but belongs to another user). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether the very process that the identity names still runs (same pid and, where known, same start). */
export function isAlive(identity: ProcessIdentity): boolean {
  if (!pidExists(identity.pid)) return false;
  if (identity.startedAt === undefined) return true;
  const now = startTimeOf(identity.pid);
  return now === undefined || now === identity.startedAt;
}
