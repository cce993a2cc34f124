/**
 * Child processes in process groups of their own, ended as a whole, and a record of every live
 * group on disk so that groups a SIGKILLed server left behind are ended by the next start.
 *
 * A command generator runs as the leader of a new process group (spawn `detached`, i.e. setsid):
 * whatever it starts (a shell, `uv run`, Python workers) stays in that group unless it starts a
 * session of its own. Ending it means SIGTERM to the group, then SIGKILL to whatever is left after
 * the grace period; after a normal exit the group is swept with SIGKILL too, so nothing it left in
 * the background survives the job.
 *
 * Records: `<dir>/<pgid>.json` holds the group and its owner (this server's pid and start time). A
 * record is removed once its group is gone; on start-up, `endOrphanedGroups` ends the groups whose
 * owner is no longer alive. A pgid cannot be reused while any process of its group lives, so a
 * group that still answers to signal 0 is the one recorded (its leader's start time is checked too
 * while the leader lives).
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { processStartTime } from "../os-process";

const HAVE_PROC = existsSync("/proc/self/stat");

/**
 * True while a process of the group is alive. On Linux, from /proc: a killed process whose parent is
 * gone stays a zombie until init reaps it, and signal 0 would still find it.
 */
export function groupAlive(pgid: number): boolean {
  if (HAVE_PROC) {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      } catch {
        continue; // ended while we looked
      }
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // fields[0] is the state, fields[2] the process group.
      if (Number(fields[2]) === pgid && fields[0] !== "Z" && fields[0] !== "X") return true;
    }
    return false;
  }
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but is not ours to signal; treat as alive (we will not be able to end it).
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

const POLL_MS = 20;

/** Resolves true once no process of the group is left, false after timeoutMs. */
async function waitForGroupEnd(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return true;
}

/** SIGTERM to the group, SIGKILL to what is left after graceMs; resolves once the group is gone. */
export async function endGroup(pgid: number, graceMs: number): Promise<void> {
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, "SIGTERM");
  if (await waitForGroupEnd(pgid, graceMs)) return;
  signalGroup(pgid, "SIGKILL");
  await waitForGroupEnd(pgid, 5_000);
}

interface GroupRecord {
  pgid: number;
  leaderStart: string | null;
  ownerPid: number;
  ownerStart: string | null;
}

/** Where the live groups of this machine's servers are recorded. */
export class GroupRecords {
  private readonly ownerStart = processStartTime(process.pid);

  constructor(private readonly dir: string) {}

  add(pgid: number): void {
    mkdirSync(this.dir, { recursive: true });
    const record: GroupRecord = {
      pgid,
      leaderStart: processStartTime(pgid),
      ownerPid: process.pid,
      ownerStart: this.ownerStart,
    };
    writeFileSync(path.join(this.dir, `${pgid}.json`), JSON.stringify(record));
  }

  remove(pgid: number): void {
    rmSync(path.join(this.dir, `${pgid}.json`), { force: true });
  }

  /**
   * Ends the recorded groups whose owning server is gone (SIGTERM, then SIGKILL after graceMs) and
   * removes their records. Returns the groups ended.
   */
  async endOrphanedGroups(graceMs: number): Promise<number[]> {
    let files: string[];
    try {
      files = readdirSync(this.dir).filter((f) => f.endsWith(".json"));
    } catch {
      return [];
    }
    const ended: number[] = [];
    for (const file of files) {
      let record: GroupRecord;
      try {
        record = JSON.parse(readFileSync(path.join(this.dir, file), "utf8")) as GroupRecord;
      } catch {
        rmSync(path.join(this.dir, file), { force: true });
        continue;
      }
      const ownerAlive = processStartTime(record.ownerPid) !== null && processStartTime(record.ownerPid) === record.ownerStart;
      if (ownerAlive) continue;
      const leaderStart = processStartTime(record.pgid);
      const leaderReused = leaderStart !== null && record.leaderStart !== null && leaderStart !== record.leaderStart;
      if (!leaderReused && groupAlive(record.pgid)) {
        await endGroup(record.pgid, graceMs);
        ended.push(record.pgid);
      }
      this.remove(record.pgid);
    }
    return ended;
  }
}

/** Starts argv as the leader of a new process group (no shell), recorded until `forget`. */
export function spawnGroupLeader(
  argv: string[],
  options: Pick<SpawnOptions, "cwd" | "env">,
  records: GroupRecords,
): ChildProcess {
  const child = spawn(argv[0], argv.slice(1), { ...options, detached: true, stdio: ["pipe", "pipe", "pipe"] });
  if (child.pid !== undefined) records.add(child.pid);
  return child;
}
