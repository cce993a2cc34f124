/**
 * Which processes use an embedded Postgres folder. Each process that starts or attaches to the
 * folder's postmaster leaves a record in `<data folder>/note-eval/users/`; the postmaster is stopped
 * by the last one to leave, and one found running with no live user (its users were killed) is an
 * orphan. Read and changed only under the folder lock.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { currentProcess, isAlive, type ProcessIdentity } from "./process-identity";

export interface ClusterUser extends ProcessIdentity {
  /** The port this user's connections go to (a restart while users remain must keep it). */
  port: number;
}

export const noteEvalDir = (dataDir: string) => path.join(dataDir, "note-eval");
const usersDir = (dataDir: string) => path.join(noteEvalDir(dataDir), "users");

/** Records a user of the folder; returns the record's name, which `removeUser` takes. */
export function addUser(dataDir: string, port: number): string {
  fs.mkdirSync(usersDir(dataDir), { recursive: true, mode: 0o700 });
  const name = `${process.pid}-${randomBytes(4).toString("hex")}.json`;
  const user: ClusterUser = { ...currentProcess(), port };
  fs.writeFileSync(path.join(usersDir(dataDir), name), JSON.stringify(user), { mode: 0o600 });
  return name;
}

export function removeUser(dataDir: string, name: string): void {
  fs.rmSync(path.join(usersDir(dataDir), name), { force: true });
}

/** The users whose process still runs; records of dead processes are removed on the way. */
export function liveUsers(dataDir: string): ClusterUser[] {
  let names: string[];
  try {
    names = fs.readdirSync(usersDir(dataDir));
  } catch {
    return [];
  }
  const live: ClusterUser[] = [];
  for (const name of names) {
    const file = path.join(usersDir(dataDir), name);
    let user: ClusterUser | undefined;
    try {
      user = JSON.parse(fs.readFileSync(file, "utf8")) as ClusterUser;
    } catch {
      user = undefined;
    }
    if (user && isAlive(user)) live.push(user);
    else fs.rmSync(file, { force: true });
  }
  return live;
}
