/** Runs the note-eval CLI in-process with captured output, as the CLI tests do. */
import { PassThrough, Readable } from "node:stream";
import { main } from "../../src/cli/main";
import type { CliIo } from "../../src/cli/io";

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** `env` is the CLI's whole environment (nothing is inherited); stdin is empty; Ctrl-C never comes. */
export async function runCliInProcess(
  argv: string[],
  env: Record<string, string | undefined>,
  cwd = process.cwd(),
): Promise<CliOutcome> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += String(d)));
  stderr.on("data", (d) => (err += String(d)));
  const io: CliIo = { stdin: Readable.from([]), stdout, stderr, cwd, env, onInterrupt: () => () => undefined };
  const code = await main(argv, io);
  return { code, stdout: out, stderr: err };
}
