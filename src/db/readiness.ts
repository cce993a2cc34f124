/** What /readyz answers: ready when the database answers and every migration this code knows is applied. */
import type { DataSource } from "typeorm";
import { databaseUnavailableReason } from "./unavailable";

export interface Readiness {
  ready: boolean;
  database: "reachable" | "unreachable";
  migrations: "applied" | "pending" | "unknown";
  /** Why not ready, for operators (no secrets: a SQLSTATE name or a driver message). */
  reason?: string;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function checkReadiness(db: DataSource, timeoutMs: number): Promise<Readiness> {
  try {
    const pending = await withTimeout(
      (async () => {
        await db.query("SELECT 1");
        return db.showMigrations();
      })(),
      timeoutMs,
    );
    return pending
      ? {
          ready: false,
          database: "reachable",
          migrations: "pending",
          reason: "migrations are pending: restart the server to apply them",
        }
      : { ready: true, database: "reachable", migrations: "applied" };
  } catch (error) {
    const reason = databaseUnavailableReason(error) ?? (error instanceof Error ? error.message : String(error));
    return { ready: false, database: "unreachable", migrations: "unknown", reason };
  }
}
