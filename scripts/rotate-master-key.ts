/**
 * `npm run rotate-master-key`: seals every stored vendor API key under a new master key (see
 * src/keys/rotate.ts), in the database the server uses (DATABASE_URL, else the embedded one).
 */
import "reflect-metadata";
import { loadConfig } from "../src/config";
import { openDatabase } from "../src/db/data-source";
import { startEmbeddedPostgres } from "../src/db/embedded-postgres";
import { rotateMasterKey } from "../src/keys/rotate";

async function main(): Promise<void> {
  const config = loadConfig();
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dir: config.embeddedPgDir, port: config.embeddedPgPort });
  const db = await openDatabase({ url: config.databaseUrl ?? embedded!.url, poolSize: 2 });
  try {
    const result = await rotateMasterKey(config.masterKey, db);
    const where = result.source === "file" ? `the key file ${config.masterKey.file}` : "MASTER_KEY";
    console.log(
      `Every stored API key is sealed under master key ${result.currentKeyId} (${where}): ` +
        `${result.resealed} resealed, ${result.sealed} plaintext sealed.` +
        (result.source === "environment" ? " MASTER_KEY_PREVIOUS can now be removed." : ""),
    );
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
