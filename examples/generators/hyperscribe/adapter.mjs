#!/usr/bin/env node
/**
 * Adapter for the existing Python tool's note generator at a commit (docs/hyperscribe-adapter.md).
 * It runs in the tool's checked-out commit (the generator's `repository` worktree) and speaks the
 * job contract on one side and the tool's conventions on the other:
 *
 *   1. reads the job document (stdin) and writes the case as the tool's case files in a temporary
 *      folder: transcript.json, limited_chart.json, profile.json;
 *   2. sets the environment the tool's experiment runner sets for its case runner: VendorTextLLM,
 *      KeyTextLLM (the key, from NOTE_EVAL_API_KEY), CycleTranscriptOverlap, and the fixed settings
 *      (no audit, no tuning, one worker, no staffers or commands policy, no audio);
 *   3. runs the entry point given after `--` with `--case-dir <folder> --output <file>`, in the
 *      current folder (the tool's checkout), passing its stderr through;
 *   4. reads the note it wrote (the tool's note.json: a list of {instruction, command}) and, when
 *      present beside it, artifacts.json ({stagedQuestionnaires, transcript2instructions, ...}) and
 *      usage.json ({inputTokens, outputTokens, model}); prints one result document.
 *
 * Usage in the generators file:
 *   "command": ["node", "/abs/path/examples/generators/hyperscribe/adapter.mjs", "--",
 *               "uv", "run", "python", "-m", "scripts.note_eval_entry"]
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** The tool's names for the vendors (hyperscribe/libraries/constants.py VENDOR_*). */
const VENDOR_NAMES = { openai: "OpenAI", anthropic: "Anthropic" };

function toolEnvironment(job) {
  return {
    ...process.env,
    VendorTextLLM: VENDOR_NAMES[job.model.vendor] ?? job.model.vendor,
    KeyTextLLM: process.env.NOTE_EVAL_API_KEY ?? "",
    CycleTranscriptOverlap: String(job.cycle.transcriptOverlap),
    AuditLLMDecisions: "n",
    IsTuning: "n",
    sendProgress: "",
    MaxWorkers: "1",
    StructuredReasonForVisit: "n",
    StaffersList: "",
    StaffersPolicy: "y",
    CommandsList: "",
    CommandsPolicy: "n",
    TrialStaffersList: "",
    APISigningKey: "",
    VendorAudioLLM: "",
    KeyAudioLLM: "",
  };
}

function readJsonIfPresent(file) {
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined;
}

async function main() {
  const separator = process.argv.indexOf("--");
  const entry = separator === -1 ? [] : process.argv.slice(separator + 1);
  if (entry.length === 0) throw new Error("usage: adapter.mjs -- <entry point argv>");
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  const job = JSON.parse(text);

  const dir = mkdtempSync(path.join(os.tmpdir(), "hyperscribe-case-"));
  try {
    writeFileSync(path.join(dir, "transcript.json"), JSON.stringify(job.case.transcript));
    writeFileSync(path.join(dir, "limited_chart.json"), JSON.stringify(job.case.limitedChart ?? {}));
    writeFileSync(path.join(dir, "profile.json"), JSON.stringify({ [job.case.name]: job.case.profile ?? "" }));
    const output = path.join(dir, "note.json");
    const status = await new Promise((resolve, reject) => {
      const child = spawn(entry[0], [...entry.slice(1), "--case-dir", dir, "--output", output], {
        env: toolEnvironment(job),
        stdio: ["ignore", "inherit", "inherit"],
      });
      child.on("error", reject);
      child.on("exit", (code, signal) => resolve(code ?? `signal ${signal}`));
    });
    if (status !== 0) throw new Error(`the tool's entry point exited with ${status}`);
    if (!existsSync(output)) throw new Error("the tool's entry point wrote no note.json");
    const usage = readJsonIfPresent(path.join(dir, "usage.json")) ?? {};
    const result = {
      note: JSON.parse(readFileSync(output, "utf8")),
      usage: { inputTokens: usage.inputTokens ?? 0, outputTokens: usage.outputTokens ?? 0 },
      model: usage.model ?? job.model.name,
      artifacts: readJsonIfPresent(path.join(dir, "artifacts.json")) ?? {},
    };
    process.stdout.write(JSON.stringify(result));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`hyperscribe adapter: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
