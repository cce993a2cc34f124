/**
 * Child processes of the benchmark (the server and the fake vendor server) and what /proc says
 * about them: CPU time (utime + stime of /proc/<pid>/stat) and peak RSS (VmHWM of /proc/<pid>/status).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux unless told otherwise). */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU milliseconds (user + system) the process has used so far. */
export function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]); // field 14 overall
  const stime = Number(fields[12]); // field 15
  return ((utime + stime) * 1000) / CLK_TCK;
}

/** A VmXXX line of /proc/<pid>/status in MB (kB / 1024). */
export function statusMb(pid: number, key: "VmHWM" | "VmRSS"): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  logFile: string;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after graceMs; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  kill(): Promise<void>;
}

const live = new Set<Child>();

/** Starts `node <args>` with its output in logFile. */
export function startNode(args: string[], env: NodeJS.ProcessEnv, logFile: string): Child {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, "a");
  const proc = spawn(process.execPath, args, { env, stdio: ["ignore", out, out] });
  fs.closeSync(out);
  if (!proc.pid) throw new Error(`could not start node ${args.join(" ")}`);
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const child: Child = {
    proc,
    pid: proc.pid,
    logFile,
    exited,
    async stop(graceMs = 15_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      live.delete(child);
    },
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
      live.delete(child);
    },
  };
  live.add(child);
  void exited.then(() => live.delete(child));
  return child;
}

/** On the way out (error or Ctrl-C): no child of ours is left behind. */
export function killAllStarted(): void {
  for (const child of live) {
    try {
      child.proc.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  live.clear();
}

export function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
