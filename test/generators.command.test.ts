/**
 * A command generator's job, on real processes: the contract's happy path, and every bad way out
 * (non-zero exit, garbage, nothing, a hang, a flood, an abort) fails with its kind and leaves no
 * process of the job's group alive, checked by process group.
 */
import { mkdtempSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runCommandJob, type CommandRuntime } from "../src/generators/command";
import type { CommandDefinition } from "../src/generators/definitions";
import { GeneratorError } from "../src/generators/errors";
import { GroupRecords } from "../src/generators/process-group";
import type { NoteRequest } from "../src/generators/types";
import { groupAlive, writeGeneratorScripts, type ScriptDir, type ScriptName } from "./support/generator-scripts";

const KEY = "sk-test-SECRET-generator-77";

function request(signal = new AbortController().signal): NoteRequest {
  return {
    case: { id: 1, name: "case-1", transcript: [{ speaker: "Clinician", text: "Hello" }], limitedChart: {}, profile: "" },
    overlap: 100,
    cycleTime: 0,
    replication: 1,
    attempt: 1,
    experiment: { id: 1, name: "e", hyperscribeVersion: "v1" },
    model: { vendor: "openai", apiKey: KEY, model: "", baseUrl: "http://127.0.0.1:9/v1" },
    modelName: "gpt-4.1",
    signal,
  };
}

describe("a command generator's job", () => {
  let scripts: ScriptDir;
  let runtime: CommandRuntime;
  let recordDir: string;
  const definition = (name: ScriptName, extra: Partial<CommandDefinition> = {}): CommandDefinition => ({
    name,
    kind: "command",
    description: "",
    command: [process.execPath, scripts.path(name)],
    repository: null,
    cwd: scripts.dir,
    timeoutMs: 10_000,
    env: {},
    maxOutputBytes: 100_000,
    ...extra,
  });
  const failureOf = async (promise: Promise<unknown>): Promise<GeneratorError> => {
    const error = await promise.then(
      () => new Error("expected the job to fail"),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GeneratorError);
    return error as GeneratorError;
  };

  beforeAll(() => {
    scripts = writeGeneratorScripts();
    recordDir = mkdtempSync(path.join(os.tmpdir(), "note-eval-records-"));
    runtime = { records: new GroupRecords(recordDir), killGraceMs: 300, prices: { "echo-model-1": { input: 1e6, output: 2e6 } } };
  });
  afterEach(() => {
    // Every job's group is gone, and so is its record.
    for (const pid of scripts.pids()) expect(groupAlive(pid)).toBe(false);
    expect(readdirSync(recordDir)).toEqual([]);
  });

  test("reads the result document: note, usage, the model used, its price, artifacts; the key only in the environment", async () => {
    const result = await runCommandJob(definition("echo"), scripts.dir, null, request(), runtime);
    expect(result.note).toEqual({ items: [{ type: "plan", text: "note for case-1 at v1", supportingWords: "" }] });
    expect(result).toMatchObject({ model: "echo-model-1", inputTokens: 11, outputTokens: 7, costUsd: 11 + 14 });
    expect(result.artifacts.transcript2instructions).toEqual({ sawKey: true, stdinHasKey: false });
    expect(result.artifacts.parameters2command).toEqual({});
  });

  test.each([
    ["exits non-zero", "fails", "generator_exit", "exited with status 3; stderr: the generator broke: missing prompt file"],
    ["is killed", "killed", "generator_exit", "was killed by SIGKILL"],
    ["prints garbage", "garbage", "generator_invalid_output", "not one JSON value"],
    ["prints nothing", "silent", "generator_invalid_output", "the output is empty"],
  ] as const)("a generator that %s fails with the kind for it", async (_label, name, kind, message) => {
    const error = await failureOf(runCommandJob(definition(name), scripts.dir, null, request(), runtime));
    expect(error.kind).toBe(kind);
    expect(error.message).toContain(message);
  });

  test("a key the generator prints on stderr is masked in the error the job keeps", async () => {
    const error = await failureOf(runCommandJob(definition("leaksKey"), scripts.dir, null, request(), runtime));
    expect(error.message).toContain("debug: key is [redacted]");
    expect(error.message).not.toContain(KEY);
  });

  test("a generator that hangs (ignoring SIGTERM, with a grandchild) times out and its whole group is killed", async () => {
    const started = Date.now();
    const error = await failureOf(runCommandJob(definition("hangs", { timeoutMs: 300 }), scripts.dir, null, request(), runtime));
    expect(error.kind).toBe("generator_timeout");
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  test("a generator that floods stdout is cut at maxOutputBytes and its group is ended", async () => {
    const error = await failureOf(
      runCommandJob(definition("floods", { maxOutputBytes: 200_000 }), scripts.dir, null, request(), runtime),
    );
    expect(error.kind).toBe("generator_output_too_large");
  });

  test("an abort (cancel, shutdown) rejects with its reason only once the group is gone", async () => {
    const controller = new AbortController();
    const job = runCommandJob(definition("hangs"), scripts.dir, null, request(controller.signal), runtime);
    const before = new Set(scripts.pids());
    // Abort once the process is up (it writes its pid first).
    for (let i = 0; i < 500 && scripts.pids().length === before.size; i++) await new Promise((r) => setTimeout(r, 10));
    controller.abort(new Error("run cancelled"));
    await expect(job).rejects.toThrow("run cancelled");
  });

  test("what a generator leaves in the background is ended with the job", async () => {
    const result = await runCommandJob(definition("leavesChild"), scripts.dir, null, request(), runtime);
    expect(result.note).toEqual({ items: [] });
  });

  test("a program that does not exist fails with kind generator_spawn", async () => {
    const error = await failureOf(
      runCommandJob(definition("echo", { command: ["/nonexistent/generator"] }), scripts.dir, null, request(), runtime),
    );
    expect(error.kind).toBe("generator_spawn");
  });
});
