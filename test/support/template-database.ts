import { Client } from "pg";
import { openDatabase } from "../../src/db/data-source";

export const TEMPLATE_DATABASE = "note_eval_template";

/** Creates the migrated template that every test file's database is cloned from. */
export async function prepareTemplateDatabase(adminUrl: string): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.end();
  const dataSource = await openDatabase({ url: databaseUrl(adminUrl, TEMPLATE_DATABASE), poolSize: 1 });
  await dataSource.destroy();
}

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
