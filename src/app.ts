/**
 * Wires the parts into a running service: database (embedded when no DATABASE_URL), migrations,
 * services, schema, HTTP + WebSocket server. Tests start it in-process with a database of their own.
 */
import type { DataSource } from "typeorm";
import { AuditLog } from "./auth/audit";
import { ensureFirstToken, warnIfExposed } from "./auth/first-start";
import { loginUrl, mountLogin } from "./auth/login";
import { TokenService } from "./auth/tokens";
import type { Config } from "./config";
import type { Principal } from "./auth/principal";
import type { Context } from "./context";
import { openDatabase } from "./db/data-source";
import { DatabaseMonitor } from "./db/monitor";
import { checkReadiness } from "./db/readiness";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "./db/embedded-postgres";
import { makeTopicCodecs } from "./events/codecs";
import { InMemoryEventBus, type EventBus } from "./events/event-bus";
import { PostgresEventBus } from "./events/postgres-event-bus";
import { GeneratorRegistry } from "./generators";
import { ApiKeyCipher } from "./keys/api-keys";
import { makeLlmClients } from "./llm";
import { ClusterShare } from "./llm/limits/cluster-share";
import { makeLogger, type Logger } from "./logger";
import { queryCounts, queryProgress } from "./runner/progress";
import { ProgressBroadcaster } from "./runner/progress-broadcaster";
import { startHealthServer } from "./runner/health-server";
import { Runner } from "./runner/runner";
import { whenDatabaseUp } from "./runner/database-health";
import { makeSchema, pubSubOf } from "./schema";
import { mountIde } from "./ide";
import { mountDashboard } from "./dashboard";
import { GRAPHQL_PATH, startServer, type RunningServer } from "./server";
import { makeServices, type Services } from "./services";
import { makeBudgetGuard } from "./services/budget";

export interface App {
  server: RunningServer;
  runner: Runner;
  bus: EventBus;
  db: DataSource;
  /** Up or down, as this process sees the database; the runner and the bus listen to its changes. */
  dbMonitor: DatabaseMonitor;
  services: Services;
  logger: Logger;
  tokens: TokenService;
  audit: AuditLog;
  /**
   * The admin token created because the database had no active token, and its login URL; shown
   * once (main.ts prints it), undefined when tokens existed.
   */
  firstLogin?: { token: string; url: string };
  /** Stops in stages (server, then database); safe to call twice. */
  stop(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
}

async function connectDatabase(config: Config, logger: Logger): Promise<{ url: string; embedded?: EmbeddedPostgresHandle }> {
  if (config.databaseUrl) return { url: config.databaseUrl };
  logger.info(`No DATABASE_URL: the embedded Postgres in ${config.embeddedPgDir}`);
  const embedded = await startEmbeddedPostgres({
    dir: config.embeddedPgDir,
    port: config.embeddedPgPort,
    onNotice: (m) => logger.info(m),
  });
  return { url: embedded.url, embedded };
}

/** The master key, and the key migration: stored keys not sealed under it (plaintext, or a previous key) are resealed. */
async function loadApiKeys(config: Config, db: DataSource, logger: Logger): Promise<ApiKeyCipher> {
  const keys = await ApiKeyCipher.load(config.masterKey);
  if (keys.keyring.createdFile)
    logger.info(
      `Created the master key file ${keys.keyring.createdFile} (mode 0600): back it up; API keys cannot be read without it`,
    );
  const { sealed, resealed, unreadable } = await keys.resealStored(db);
  if (sealed > 0) logger.info(`Sealed ${sealed} stored API key(s) that were plaintext`);
  if (resealed > 0) logger.info(`Resealed ${resealed} stored API key(s) under the current master key`);
  if (unreadable > 0) {
    logger.warn(
      `${unreadable} stored API key(s) are sealed under a master key this server does not have: runs with those models fail until the key is set again`,
    );
  }
  return keys;
}

export async function startApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? makeLogger(config.logLevel);
  const { url, embedded } = await connectDatabase(config, logger);
  let db: DataSource | undefined;
  // The pool reports connections that died while idle (a restarting Postgres) before any query fails.
  let monitor: DatabaseMonitor | undefined;
  const releasers: Array<() => Promise<void>> = [];
  try {
    db = await openDatabase({
      url,
      poolSize: 20,
      connectTimeoutMs: config.dbConnectTimeoutMs,
      statementTimeoutMs: config.dbStatementTimeoutMs,
      onPoolError: (error) => {
        if (!monitor?.noteError(error)) logger.warn(`database pool: ${error.message}`);
      },
    });
    const opened = db;
    monitor = new DatabaseMonitor({
      probe: async () => void (await opened.query("SELECT 1")),
      backoffBaseMs: 100,
      backoffMaxMs: config.dbReconnectMaxMs,
      log: (m) => logger.warn(m),
    });
    return await startOnDatabase(config, logger, db, monitor, embedded, releasers);
  } catch (error) {
    for (const release of releasers.reverse()) await release().catch(() => undefined);
    monitor?.close();
    // A failed start (migrations, a taken PORT, ...) releases what it took; the embedded Postgres is
    // stopped only if no other process of the checkout uses it.
    await db?.destroy().catch(() => undefined);
    await embedded?.stop().catch((e) => logger.warn(`stopping the embedded Postgres after a failed start: ${String(e)}`));
    throw error;
  }
}

/** `postgres`: events reach subscribers on every process of the database; `memory`: this process only. */
async function startEventBus(
  config: Config,
  logger: Logger,
  db: DataSource,
  dbMonitor: DatabaseMonitor,
): Promise<EventBus & { close(): Promise<void> }> {
  if (config.eventBus === "memory") return Object.assign(new InMemoryEventBus(), { close: async () => undefined });
  const bus = new PostgresEventBus({
    url: (db.options as { url: string }).url,
    query: (sql, parameters) => db.query(sql, parameters),
    codecs: makeTopicCodecs(db, {
      progress: (id) => queryProgress(db, id),
      counts: async (id) => {
        const { run: _run, ...counts } = await queryCounts(db, id);
        return counts;
      },
    }),
    reconnectMaxMs: config.dbReconnectMaxMs,
    log: (level, message) => logger[level](message),
    onDatabaseError: (error) => dbMonitor.noteError(error),
  });
  await bus.start();
  return bus;
}

async function startOnDatabase(
  config: Config,
  logger: Logger,
  db: DataSource,
  dbMonitor: DatabaseMonitor,
  embedded: EmbeddedPostgresHandle | undefined,
  releasers: Array<() => Promise<void>>,
): Promise<App> {
  const bus = await startEventBus(config, logger, db, dbMonitor);
  releasers.push(() => bus.close());
  const broadcaster = new ProgressBroadcaster(bus, (id) => queryProgress(db, id), config.progressThrottleMs, logger);
  // Processes on this database divide the vendors' limits between them (docs/limits.md).
  const cluster = config.llm.clusterLimits
    ? new ClusterShare({
        query: (sql, parameters) => db.query(sql, parameters),
        heartbeatMs: config.llm.clusterHeartbeatMs,
        log: (m) => logger.warn(m),
      })
    : undefined;
  if (cluster) releasers.push(() => cluster.close());
  const llm = makeLlmClients(config.llm, { log: (m) => logger.debug(m), cluster });
  const runner = new Runner({
    db,
    llm,
    bus,
    logger,
    leaseMs: config.jobLeaseMs,
    pollMs: config.runPollMs,
    outageGraceMs: config.runOutageGraceMs,
    database: {
      isUnavailable: (error) => dbMonitor.noteError(error),
      whenUp: () => whenDatabaseUp(dbMonitor),
    },
    drives: config.role !== "api",
    joins: config.resumeOnStart,
    loadPlan: (experimentId) => services.runs.loadPlan(experimentId),
    onChange: (id) => broadcaster.changed(id),
    onRunEnd: (id) => void broadcaster.flush(id),
    guard: makeBudgetGuard(db, config.llm.prices, logger),
  });
  const generators = new GeneratorRegistry(config.generators, { llm, prices: config.llm.prices, logger });
  await generators.start();
  const keys = await loadApiKeys(config, db, logger);
  const services = makeServices(db, runner, {
    llm,
    logger,
    generators,
    keys,
    baseUrlAllowlist: config.baseUrlAllowlist,
  });
  const tokens = new TokenService(db);
  const audit = new AuditLog(db, logger);
  // A worker serves no API: it neither needs nor prints a login.
  const firstToken = config.role === "worker" ? undefined : await ensureFirstToken(tokens);

  // Runs a previous process left (running or interrupted) go on here, before the server listens:
  // a client that reconnects after a restart sees its run resumed, never the `interrupted` left by
  // the previous server.
  if (config.role !== "api" && config.resumeOnStart) await runner.tick();

  const schema = await makeSchema({ pubSub: pubSubOf(bus) });
  const context = (principal: Principal | undefined): Context => ({
    services,
    config,
    logger,
    db,
    bus,
    loaders: services.runs.makeLoaders(),
    principal,
    tokens,
    audit,
  });
  const verifyToken = (token: string) => tokens.verify(token);
  const server =
    config.role === "worker"
      ? await startHealthServer({ port: config.port, host: config.host, runIds: () => runner.activeRunIds() })
      : await startServer({
          schema,
          port: config.port,
          host: config.host,
          logger,
          limits: config.limits,
          context,
          originPolicy: { allowedHosts: config.allowedHosts, allowedOrigins: config.allowedOrigins },
          verifyToken,
          database: {
            readiness: () => checkReadiness(db, config.dbConnectTimeoutMs),
            outage: () => dbMonitor.outage(),
            noteError: (error) => dbMonitor.noteError(error),
          },
          mountRoutes: (app) => {
            mountLogin(app, verifyToken);
            mountIde(app, { graphqlPath: GRAPHQL_PATH });
            mountDashboard(app);
          },
        });
  if (config.role === "worker") logger.info(`Worker ready: runs only, health checks on ${server.url}`);
  else
    logger.info(
      `GraphQL on ${server.url} (subscriptions on ${server.wsUrl}), dashboard on ${new URL("/", server.url)}` +
        (config.role === "api" ? "; runs are driven by worker processes" : ""),
    );
  if (config.role !== "worker") warnIfExposed(config.host, logger);
  const firstLogin = firstToken ? { token: firstToken, url: loginUrl(new URL(server.url).origin, firstToken) } : undefined;

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    // Runs first (they still write results), then the server, then the database.
    await runner.shutdown(config.shutdownGraceMs);
    await cluster?.close();
    broadcaster.close();
    await bus.close();
    await server.close();
    dbMonitor.close();
    await db.destroy();
    await embedded?.stop();
  };
  return { server, runner, bus, db, dbMonitor, services, logger, tokens, audit, firstLogin, stop: () => (stopping ??= stop()) };
}
