import "reflect-metadata";
import { DataSource } from "typeorm";
import { ENTITIES } from "../../entities";
import { MIGRATIONS } from "../../migrations";

export interface DataSourceOptions {
  url: string;
  /** Connections in the pool; the runner's two pools and the API share them. */
  poolSize?: number;
  logging?: boolean;
  /** Time to open a connection or wait for a free one in the pool (pg `connectionTimeoutMillis`); default 5000. */
  connectTimeoutMs?: number;
  /**
   * Server-side `statement_timeout` of every pool connection; default 10000. The client also gives
   * up 2 s later (pg `query_timeout`), for a server that does not answer at all.
   */
  statementTimeoutMs?: number;
  /** Errors of idle pool connections (e.g. Postgres shutting down); without a handler they are logged by TypeORM. */
  onPoolError?: (error: Error) => void;
}

/** Entities and migrations are passed as classes, not globs, so the same code works from src/ and dist/. */
export function makeDataSource(options: DataSourceOptions): DataSource {
  const statementTimeoutMs = options.statementTimeoutMs ?? 10_000;
  return new DataSource({
    type: "postgres",
    url: options.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: "migrations",
    synchronize: false,
    logging: options.logging ?? false,
    ...(options.onPoolError ? { poolErrorHandler: options.onPoolError } : {}),
    extra: {
      max: options.poolSize ?? 20,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      // 0 turns a timeout off (a migration-only connection).
      ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs, query_timeout: statementTimeoutMs + 2_000 } : {}),
      // Notices a peer that vanished (a cut network) on idle connections.
      keepAlive: true,
    },
  });
}

/** Brings the schema up to date: every pending migration in one transaction, with no statement timeout. */
export async function migrate(url: string): Promise<void> {
  const dataSource = makeDataSource({ url, poolSize: 1, statementTimeoutMs: 0 });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: "all" });
  } finally {
    await dataSource.destroy();
  }
}

/** Migrates, then connects the pool the application uses (with its timeouts). */
export async function openDatabase(options: DataSourceOptions): Promise<DataSource> {
  await migrate(options.url);
  const dataSource = makeDataSource(options);
  await dataSource.initialize();
  return dataSource;
}
