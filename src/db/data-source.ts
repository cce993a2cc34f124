import "reflect-metadata";
import { DataSource } from "typeorm";
import { ENTITIES } from "../../entities";
import { MIGRATIONS } from "../../migrations";

export interface DataSourceOptions {
  url: string;
  /** Connections in the pool; the runner's two pools and the API share them. */
  poolSize?: number;
  logging?: boolean;
}

/** Entities and migrations are passed as classes, not globs, so the same code works from src/ and dist/. */
export function makeDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: "postgres",
    url: options.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: "migrations",
    synchronize: false,
    logging: options.logging ?? false,
    extra: { max: options.poolSize ?? 20 },
  });
}

/** Connects and brings the schema up to date: every pending migration in one transaction. */
export async function openDatabase(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = makeDataSource(options);
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: "all" });
  return dataSource;
}
