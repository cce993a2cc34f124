/**
 * A process named by its pid and its start time. Records in the embedded Postgres's folder outlive
 * the processes that wrote them (SIGKILL, a container restart), and pids are recycled, so "is pid N
 * alive" alone would take an unrelated process for the one that wrote the record.
 */
import { pidExists, processStartTime } from "../os-process";

export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot (Linux /proc/<pid>/stat field 22); undefined elsewhere. */
  startedAt?: string;
}

export function currentProcess(): ProcessIdentity {
  return { pid: process.pid, startedAt: processStartTime(process.pid) ?? undefined };
}

/** Whether the very process that the identity names still runs (same pid and, where known, same start). */
export function isAlive(identity: ProcessIdentity): boolean {
  if (!pidExists(identity.pid)) return false;
  if (identity.startedAt === undefined) return true;
  const now = processStartTime(identity.pid);
  return now === null || now === identity.startedAt;
}
