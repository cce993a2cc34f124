/**
 * Wires the parts into a running service: database (embedded when no DATABASE_URL), migrations,
 * services, schema, HTTP + WebSocket server. Tests start it in-process with a database of their own.
 */
import type { DataSource } from "typeorm";
import type { Config } from "./config";
import type { Context } from "./context";
import { openDatabase } from "./db/data-source";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "./db/embedded-postgres";
import { makeLogger, type Logger } from "./logger";
import { makeSchema } from "./schema";
import { mountIde } from "./ide";
import { GRAPHQL_PATH, startServer, type RunningServer } from "./server";
import { makeServices, type Services } from "./services";

export interface App {
  server: RunningServer;
  db: DataSource;
  services: Services;
  logger: Logger;
  /** Stops in stages (server, then database); safe to call twice. */
  stop(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
}

async function connectDatabase(config: Config, logger: Logger): Promise<{ url: string; embedded?: EmbeddedPostgresHandle }> {
  if (config.databaseUrl) return { url: config.databaseUrl };
  logger.info(`No DATABASE_URL: starting the embedded Postgres in ${config.embeddedPgDir} on port ${config.embeddedPgPort}`);
  const embedded = await startEmbeddedPostgres({
    dir: config.embeddedPgDir,
    port: config.embeddedPgPort,
    onLog: (m) => logger.debug(`postgres: ${m.trim()}`),
  });
  return { url: embedded.url, embedded };
}

export async function startApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? makeLogger(config.logLevel);
  const { url, embedded } = await connectDatabase(config, logger);
  const db = await openDatabase({ url, poolSize: 20 });
  const services = makeServices(db);
  const schema = await makeSchema();
  const context = (): Context => ({ services, config, logger, db });
  const server = await startServer({
    schema,
    port: config.port,
    host: config.host,
    logger,
    context,
    mountRoutes: (app) => mountIde(app, { graphqlPath: GRAPHQL_PATH }),
  });
  logger.info(`GraphQL on ${server.url} (subscriptions on ${server.wsUrl})`);

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    await server.close();
    await db.destroy();
    await embedded?.stop();
  };
  return { server, db, services, logger, stop: () => (stopping ??= stop()) };
}
