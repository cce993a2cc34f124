/** `npm run demo -- --exit` end to end in a child process: own embedded Postgres, fake vendors, one run, the summary. */
import { spawn } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");

test("the demo runs one experiment end to end and ends with the summary table", async () => {
  const pgPort = String(55_000 + Math.floor(Math.random() * 2_000));
  const child = spawn(
    process.execPath,
    [
      "-r",
      "ts-node/register/transpile-only",
      "scripts/demo.ts",
      "--exit",
      "--port",
      "0",
      "--pg-port",
      pgPort,
      "--data-dir",
      "test-output/demo-postgres",
      "--latency-ms",
      "5",
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += String(d)));
  child.stderr.on("data", (d) => (err += String(d)));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) console.log(out, err);
  expect(code).toBe(0);
  expect(out).toContain("loaded 5 demo cases");
  expect(out).toMatch(/run \d+ finished: 20\/20 notes, 40\/40 grades, 0 failed/);
  expect(out).toMatch(/openai\/gpt-4\.1 → anthropic\/demo-claude\s+10\s+20\s+\d/);
  expect(out).toMatch(/anthropic\/demo-claude → openai\/gpt-4\.1-mini\s+10\s+20\s+\d/);
  // --exit stops the server with the demo, so no URL is offered.
  expect(out).not.toMatch(/http:\/\/127\.0\.0\.1:\d+\/(#|graphql)/);
}, 60_000);
