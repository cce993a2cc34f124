import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { TEMPLATE_DATABASE, databaseUrl } from "./template-database";

function adminUrl(): string {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url) throw new Error("TEST_PG_ADMIN_URL is unset: run the tests through jest, whose globalSetup starts Postgres");
  return url;
}

/** A fresh, migrated database of its own for one test file (cloned from the template in ~50 ms). */
export async function createTestDatabase(): Promise<string> {
  const name = `test_${randomBytes(6).toString("hex")}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  return databaseUrl(adminUrl(), name);
}
