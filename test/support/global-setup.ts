/**
 * One throw-away Postgres cluster for the whole test run; each test file gets its own database
 * cloned from a migrated template (see test/support/database.ts).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findFreePort, startEmbeddedPostgres } from "../../src/db/embedded-postgres";
import { prepareTemplateDatabase } from "./template-database";

export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "note-eval-test-pg-"));
  fs.chmodSync(dir, 0o755); // as root, Postgres runs as the postgres user, which must reach the folder
  const port = await findFreePort();
  const pg = await startEmbeddedPostgres({
    dir: path.join(dir, "data"),
    port,
    // durability is pointless for a throw-away cluster and costs seconds
    postgresFlags: ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300"],
  });
  process.env.TEST_PG_ADMIN_URL = pg.url;
  await prepareTemplateDatabase(pg.url);
  (globalThis as Record<string, unknown>).__TEST_PG__ = { stop: pg.stop, dir };
}
