/**
 * `npm run import-cases [-- <folder>]`: upserts the cases of a folder in the existing tool's format
 * (and their LLM rubrics) into the database the server uses (DATABASE_URL, else the embedded one).
 * Without a folder, every collection under SHARED_DATA_DIR (../shared/data) is imported.
 */
import "reflect-metadata";
import path from "node:path";
import { loadConfig } from "../src/config";
import { openDatabase } from "../src/db/data-source";
import { startEmbeddedPostgres } from "../src/db/embedded-postgres";
import { importCaseFolder } from "../src/services/case-import";
import { CaseService } from "../src/services/cases";

async function main(): Promise<void> {
  const config = loadConfig();
  // A folder from the command line is relative to here; without one, SHARED_DATA_DIR is imported.
  const folder = process.argv[2] ? path.resolve(process.argv[2]) : config.sharedDataDir;
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dir: config.embeddedPgDir, port: config.embeddedPgPort, onNotice: (m) => console.log(m) });
  const db = await openDatabase({ url: config.databaseUrl ?? embedded!.url, poolSize: 2 });
  try {
    const summary = await importCaseFolder(new CaseService(db), folder);
    console.log(`imported ${summary.cases} cases and ${summary.rubrics} LLM rubrics from ${folder}`);
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
