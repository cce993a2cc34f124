/**
 * Small generator programs for tests, written to a temporary folder: each follows (or breaks) the
 * job contract in one way. Every one writes its pid to `<dir>/pids/<pid>` first, so that tests can
 * check by process group that nothing is left running.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const PRELUDE = `
const fs = require("node:fs");
const path = require("node:path");
const pidDir = path.join(__dirname, "pids");
fs.mkdirSync(pidDir, { recursive: true });
fs.writeFileSync(path.join(pidDir, String(process.pid)), "");
const readStdin = () => new Promise((resolve) => { let s = ""; process.stdin.on("data", (c) => (s += c)); process.stdin.on("end", () => resolve(s)); });
const { spawn } = require("node:child_process");
/** A grandchild in the same process group that ignores SIGTERM: only SIGKILL ends it. */
const stubbornChild = () => spawn(process.execPath, ["-e", "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: "ignore" }).unref();
`;

export const GENERATOR_SCRIPTS = {
  /** Answers a note naming the case, the version and whether the key arrived (never the key). */
  echo: `readStdin().then((text) => {
  const job = JSON.parse(text);
  process.stdout.write(JSON.stringify({
    note: { items: [{ type: "plan", text: "note for " + job.case.name + " at " + job.experiment.version, supportingWords: "" }] },
    usage: { inputTokens: 11, outputTokens: 7 },
    model: "echo-model-1",
    artifacts: { transcript2instructions: { sawKey: Boolean(process.env.NOTE_EVAL_API_KEY), stdinHasKey: text.includes(process.env.NOTE_EVAL_API_KEY || "\\u0000") } },
  }));
});`,
  /** Exits 3 after a line on stderr. */
  fails: `readStdin().then(() => { process.stderr.write("the generator broke: missing prompt file\\n"); process.exit(3); });`,
  /** Prints its key on stderr, then fails. */
  leaksKey: `readStdin().then(() => { process.stderr.write("debug: key is " + process.env.NOTE_EVAL_API_KEY + "\\n"); process.exit(1); });`,
  /** Is killed (by a signal nobody on our side sent). */
  killed: `readStdin().then(() => process.kill(process.pid, "SIGKILL"));`,
  /** Prints something that is not JSON. */
  garbage: `readStdin().then(() => process.stdout.write("Traceback (most recent call last): oops"));`,
  /** Prints nothing and exits 0. */
  silent: `readStdin().then(() => undefined);`,
  /** Never answers; ignores SIGTERM and has a grandchild that ignores it too. */
  hangs: `stubbornChild(); process.on("SIGTERM", () => {}); setInterval(() => {}, 1000);`,
  /** Writes without end. */
  floods: `const chunk = "x".repeat(65536); const write = () => { while (process.stdout.write(chunk)) {} process.stdout.once("drain", write); }; write();`,
  /** Answers, but leaves a background process behind. */
  leavesChild: `stubbornChild(); readStdin().then(() => process.stdout.write(JSON.stringify({ note: { items: [] } })));`,
} as const;
export type ScriptName = keyof typeof GENERATOR_SCRIPTS;

export interface ScriptDir {
  dir: string;
  path(name: ScriptName): string;
  /** Pids of every generator process started so far (each leads its own process group). */
  pids(): number[];
}

export function writeGeneratorScripts(): ScriptDir {
  const dir = mkdtempSync(path.join(os.tmpdir(), "note-eval-generators-"));
  mkdirSync(path.join(dir, "pids"), { recursive: true });
  for (const [name, body] of Object.entries(GENERATOR_SCRIPTS)) writeFileSync(path.join(dir, `${name}.js`), PRELUDE + body);
  return {
    dir,
    path: (name) => path.join(dir, `${name}.js`),
    pids: () => readdirSync(path.join(dir, "pids")).map(Number),
  };
}

/** True while any process of the group led by pgid is alive (not a zombie), from `ps`. */
export function groupAlive(pgid: number): boolean {
  const lines = execFileSync("ps", ["-e", "-o", "pgid=,stat="], { encoding: "utf8" }).split("\n");
  return lines.some((line) => {
    const [group, state] = line.trim().split(/\s+/);
    return Number(group) === pgid && !state?.startsWith("Z");
  });
}
