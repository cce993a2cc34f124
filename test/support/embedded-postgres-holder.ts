/**
 * A process that uses an embedded Postgres folder and holds it until SIGTERM (then leaves it) or
 * SIGKILL (then leaves a record of a dead user behind): the "other process of the checkout" in tests.
 *
 *   node -r ts-node/register/transpile-only test/support/embedded-postgres-holder.ts <dir> <port>
 */
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres";

async function main(): Promise<void> {
  const pg = await startEmbeddedPostgres({ dir: process.argv[2]!, port: Number(process.argv[3]) });
  process.on("SIGTERM", () => void pg.stop().then(() => process.exit(0)));
  process.stdout.write(`${JSON.stringify({ url: pg.url, mode: pg.mode })}\n`);
  setInterval(() => undefined, 60_000);
}

main().catch((error) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
