/**
 * Starting, finding and stopping the embedded Postgres's postmaster. Postgres itself says which
 * postmaster holds a folder and on which port, in `postmaster.pid`; we read that rather than keep a
 * second record that could disagree with it.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { noteEvalDir } from "./cluster-users";
import { pidExists } from "../os-process";

export interface RunningPostmaster {
  pid: number;
  port: number;
}

/** The postmaster.pid lines (Postgres ≥ 10): pid, data folder, start time, port, socket folder, listen address, shared memory key, status. */
function readPidFile(dataDir: string): { pid: number; port: number; status: string } | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n");
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, port, status: (lines[7] ?? "").trim() };
}

/** The postmaster that holds the folder and answers, waiting while it is still starting up. */
export async function findRunningPostmaster(dataDir: string, timeoutMs = 60_000): Promise<RunningPostmaster | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const file = readPidFile(dataDir);
    // A stale file (the process is gone) is Postgres's to clean up on its next start.
    if (!file || !pidExists(file.pid)) return undefined;
    if (file.status === "ready") return { pid: file.pid, port: file.port };
    if (Date.now() > deadline) throw new Error(`The Postgres in ${dataDir} (pid ${file.pid}) is "${file.status}", not ready`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Fast shutdown (SIGINT: ends sessions, checkpoints, exits) and waits until the process is gone. */
export async function stopPostmaster(pid: number, timeoutMs = 30_000): Promise<void> {
  try {
    process.kill(pid, "SIGINT");
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (pidExists(pid)) {
    if (Date.now() > deadline) throw new Error(`Postgres (pid ${pid}) did not stop in ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The uid and gid Postgres runs as: the `postgres` user when we are root (Postgres refuses to run as root). */
export function postgresIds(): { uid: number; gid: number } | Record<string, never> {
  if (os.userInfo().uid !== 0) return {};
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

export const logFileOf = (dataDir: string) => path.join(noteEvalDir(dataDir), "postgres.log");

function tail(file: string, chars = 2000): string {
  try {
    return fs.readFileSync(file, "utf8").slice(-chars);
  } catch {
    return "";
  }
}

/** sun_path holds 107 bytes: a longer socket path would stop Postgres from starting. */
function socketDirFlag(dataDir: string, port: number): string {
  const fits = Buffer.byteLength(path.join(dataDir, `.s.PGSQL.${port}`)) <= 107;
  return fits && !/[,"\s]/.test(dataDir) ? dataDir : "";
}

export interface SpawnOptions {
  binary: string;
  dataDir: string;
  port: number;
  extraFlags: string[];
  timeoutMs?: number;
}

/**
 * Starts a postmaster and resolves once it accepts connections. It listens on 127.0.0.1 only, with its
 * Unix socket in the data folder (private to its owner) rather than /tmp. `detached` gives it a process
 * group of its own, so a terminal's Ctrl-C reaches only the server, which drains its runs while the
 * database still answers; its output goes to note-eval/postgres.log, since it may outlive the process
 * that started it (another process of the checkout may still use it). A start that fails or times out
 * leaves nothing running.
 */
export async function spawnPostmaster(options: SpawnOptions): Promise<RunningPostmaster> {
  const logFile = logFileOf(options.dataDir);
  fs.mkdirSync(path.dirname(logFile), { recursive: true, mode: 0o700 });
  const log = fs.openSync(logFile, "w", 0o600);
  const args = [
    "-D",
    options.dataDir,
    "-p",
    String(options.port),
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    `unix_socket_directories=${socketDirFlag(options.dataDir, options.port)}`,
    ...options.extraFlags,
  ];
  const child = spawn(options.binary, args, {
    ...postgresIds(),
    detached: true,
    stdio: ["ignore", log, log],
    env: { ...process.env, LC_MESSAGES: "C" },
  });
  fs.closeSync(log);
  child.unref();
  let exitCode: number | null | undefined;
  child.once("exit", (code, signal) => (exitCode = code ?? (signal ? -1 : null)));
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (exitCode !== undefined || child.pid === undefined) {
      const cause = child.pid === undefined ? String(await spawnError) : tail(logFile);
      throw new Error(`Postgres exited while starting (port ${options.port}):\n${cause}`);
    }
    const file = readPidFile(options.dataDir);
    if (file?.pid === child.pid && file.status === "ready") return { pid: child.pid, port: options.port };
    if (Date.now() > deadline) {
      await stopPostmaster(child.pid);
      throw new Error(`Postgres did not become ready in ${(options.timeoutMs ?? 60_000) / 1000} s:\n${tail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
