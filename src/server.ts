/**
 * HTTP and WebSocket on one port and one path (/graphql): Apollo answers queries and mutations,
 * graphql-ws answers subscriptions, express serves the IDE and the dashboard's static files.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type ExecutionArgs,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer, type WebSocket } from "ws";
import type { LimitsConfig } from "./config";
import { authenticate, hostOriginGuard, principalOf, type VerifyToken } from "./auth/http-guard";
import type { OriginPolicy } from "./auth/origin-policy";
import type { Principal } from "./auth/principal";
import { tokenOfConnection } from "./auth/credentials";
import { securityHeaders } from "./auth/security-headers";
import { verifyUpgrade } from "./auth/ws-guard";
import type { Context } from "./context";
import { makeLimitsPlugin } from "./limits/apollo-plugin";
import { makeBodyErrorHandler, makeFallbackErrorHandler, notFoundHandler } from "./limits/http-errors";
import { checkOperationInputs } from "./limits/operation-inputs";
import { asTokenLimitError, maskSuggestions, queryLimitRules } from "./limits/query-limits";
import { estimateJsonChars, responseTooLarge } from "./limits/response-size";
import type { Readiness } from "./db/readiness";
import { ErrorCode, unavailable } from "./errors";
import type { Logger } from "./logger";
import { maskSecrets } from "./logger";
import { sharedSubscribe } from "./shared-subscribe";

export const GRAPHQL_PATH = "/graphql";

export interface ServerOptions {
  schema: GraphQLSchema;
  port: number;
  host: string;
  logger: Logger;
  limits: LimitsConfig;
  /** Builds the context of one operation (HTTP request or subscription) for its caller. */
  context: (principal: Principal | undefined) => Context;
  /** Host and Origin headers answered (HTTP and WebSocket upgrade). */
  originPolicy: OriginPolicy;
  /** Who a token stands for; undefined for unknown and revoked tokens. */
  verifyToken: VerifyToken;
  /** Extra routes mounted before GraphQL (IDE, dashboard, login); they pass the Host/Origin checks first. */
  mountRoutes?: (app: express.Express) => void;
  /** The database's health: /readyz, errors answered as UNAVAILABLE, and failing at once during an outage. */
  database?: DatabaseStatus;
}

export interface DatabaseStatus {
  readiness(): Promise<Readiness>;
  /** While the database is known to be down: since when and why. */
  outage(): { since: Date; reason: string } | undefined;
  /** Records an error seen by an operation; true when it means the database is unavailable. */
  noteError(error: unknown): boolean;
}

export interface RunningServer {
  url: string;
  wsUrl: string;
  port: number;
  httpServer: http.Server;
  /** Stops accepting, closes subscriptions and waits for requests in flight. Safe to call twice. */
  close(): Promise<void>;
}

const KNOWN_CODES = new Set([
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "CONFLICT",
  ErrorCode.UNAVAILABLE,
  "GRAPHQL_VALIDATION_FAILED",
  "GRAPHQL_PARSE_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
]);

/** Errors we raised keep their message; anything else is logged in full and hidden from the client. */
function makeErrorFormatter(logger: Logger, limits: LimitsConfig, database: DatabaseStatus | undefined) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const tokenLimit = asTokenLimitError(formatted);
    if (tokenLimit) return tokenLimit.toJSON();
    // Apollo gives every validation error GRAPHQL_VALIDATION_FAILED; a refused limit is the input's fault.
    if (formatted.extensions?.limit !== undefined && formatted.extensions.code === "GRAPHQL_VALIDATION_FAILED") {
      return { ...formatted, extensions: { ...formatted.extensions, code: "BAD_USER_INPUT" } };
    }
    const code = formatted.extensions?.code;
    if (typeof code === "string" && KNOWN_CODES.has(code)) {
      return { ...formatted, message: maskSuggestions(maskSecrets(formatted.message), limits.introspection) };
    }
    // A lost connection, a refused one, "too many clients", a statement timeout: the client may retry.
    if (database?.noteError((error as GraphQLError)?.originalError ?? error)) {
      logger.warn(
        `${formatted.path?.join(".") ?? "operation"}: the database is unavailable (${database.outage()?.reason ?? "now back"})`,
      );
      return {
        message: "The database is unavailable; try again shortly",
        path: formatted.path,
        locations: formatted.locations,
        extensions: { code: ErrorCode.UNAVAILABLE },
      };
    }
    logger.error(
      `Unexpected error in ${formatted.path?.join(".") ?? "operation"}`,
      (error as GraphQLError)?.originalError ?? error,
    );
    return {
      message: "Internal server error: the server logged the details",
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    };
  };
}

/**
 * A message over maxPayload makes ws close the socket with 1009 and emit "error", which graphql-ws's
 * adapter logs with a stack trace ("Internal error emitted on a WebSocket socket"). The client did
 * that, not our code: the event is dropped here (ws has closed the socket already).
 */
function quietOversizedMessages(socket: WebSocket): void {
  const emit = socket.emit.bind(socket);
  socket.emit = ((event: string | symbol, ...args: unknown[]) => {
    const code = (args[0] as { code?: string } | undefined)?.code;
    if (event === "error" && code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") return true;
    return emit(event, ...args);
  }) as WebSocket["emit"];
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const app = express();
  const httpServer = http.createServer(app);
  const { limits } = options;
  // ws accepts 100 MiB messages by default; a larger one closes the socket with 1009 (message too big).
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: GRAPHQL_PATH,
    maxPayload: limits.requestMaxBytes,
    verifyClient: verifyUpgrade(options.originPolicy),
  });
  wsServer.on("connection", quietOversizedMessages);
  // A connection's principal is looked up again for each operation, so a revoked token stops working
  // on open sockets too (for new subscriptions).
  const tokens = new WeakMap<object, string>();
  const formatError = makeErrorFormatter(options.logger, limits, options.database);
  // graphql-ws sends only GraphQLError instances from onSubscribe: format, then wrap again.
  const formatErrors = (errors: readonly GraphQLError[]) =>
    errors.map((e) => {
      const formatted = formatError(e.toJSON(), e);
      return new GraphQLError(formatted.message, { extensions: formatted.extensions });
    });

  // Token lookups read the database too: during an outage they answer UNAVAILABLE like operations do.
  const verifyToken: VerifyToken = async (token) => {
    const outage = options.database?.outage();
    if (outage) throw unavailable(`The database has been unavailable since ${outage.since.toISOString()}; try again shortly`);
    try {
      return await options.verifyToken(token);
    } catch (error) {
      if (options.database?.noteError(error)) throw unavailable("The database is unavailable; try again shortly");
      throw error;
    }
  };

  const wsCleanup = useServer(
    {
      schema: options.schema,
      onConnect: async (ctx) => {
        const token = tokenOfConnection(ctx.connectionParams, ctx.extra.request);
        if (!token || !(await verifyToken(token))) return false; // graphql-ws closes with 4403 Forbidden
        tokens.set(ctx.extra.socket, token);
        return true;
      },
      context: async (ctx) => {
        const token = tokens.get(ctx.extra.socket);
        return options.context(token ? await verifyToken(token) : undefined);
      },
      subscribe: sharedSubscribe,
      // graphql-ws does not go through Apollo's plugins: the same limits apply here (parse, validate, inputs).
      onSubscribe: (_ctx, _id, payload) => {
        const wsRules = [...specifiedRules, ...queryLimitRules(limits, "graphql-ws")];
        let document;
        try {
          document = parse(payload.query, { maxTokens: limits.maxTokens });
        } catch (error) {
          const syntax = error as GraphQLError;
          return formatErrors([new GraphQLError(syntax.message, { extensions: { code: "GRAPHQL_PARSE_FAILED" } })]);
        }
        const invalid = validate(options.schema, document, wsRules);
        if (invalid.length > 0) {
          return formatErrors(
            invalid.map((e) =>
              e.extensions.code ? e : new GraphQLError(e.message, { extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }),
            ),
          );
        }
        try {
          checkOperationInputs(document, payload.variables);
        } catch (error) {
          return formatErrors([error as GraphQLError]);
        }
        const args: ExecutionArgs = {
          schema: options.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
        };
        return args;
      },
      onError: (_ctx, _id, _payload, errors) => {
        for (const error of errors) options.logger.warn(`subscription error: ${maskSecrets(error.message)}`);
      },
      // graphql-ws sends execution results as they are; mask unknown errors as Apollo does for HTTP.
      // The response-size guard of the HTTP side (limits/apollo-plugin.ts) applies to every message.
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (result.data != null && estimateJsonChars(result.data, limits.responseMaxBytes) > limits.responseMaxBytes) {
          return { data: null, errors: [responseTooLarge(limits.responseMaxBytes).toJSON()] };
        }
        if (!("errors" in result) || !result.errors) return;
        return { ...result, errors: result.errors.map((e) => formatError(e instanceof GraphQLError ? e.toJSON() : e, e)) };
      },
    },
    wsServer,
  );

  // During a known outage an operation fails at once instead of waiting for its own timeout.
  const failFastWhileDatabaseDown: ApolloServerPlugin = {
    async requestDidStart() {
      return {
        async didResolveOperation() {
          const outage = options.database?.outage();
          if (outage)
            throw unavailable(`The database has been unavailable since ${outage.since.toISOString()}; try again shortly`);
        },
      };
    },
  };

  const drainWebSockets: ApolloServerPlugin = {
    async serverWillStart() {
      return {
        async drainServer() {
          await wsCleanup.dispose();
        },
      };
    },
  };

  const apollo = new ApolloServer<Context>({
    schema: options.schema,
    formatError,
    introspection: limits.introspection,
    validationRules: queryLimitRules(limits, "apollo"),
    parseOptions: { maxTokens: limits.maxTokens },
    includeStacktraceInErrorResponses: false,
    // main.ts owns the signals: it drains the runner before the server stops.
    stopOnTerminationSignals: false,
    // No client of ours sends persisted queries; off, a bogus hash is a clear refusal, not an internal error.
    persistedQueries: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      drainWebSockets,
      failFastWhileDatabaseDown,
      ApolloServerPluginLandingPageDisabled(),
      makeLimitsPlugin<Context>(limits.responseMaxBytes),
    ],
  });
  await apollo.start();

  app.use(securityHeaders()); // first: refusals carry the headers too
  app.use(hostOriginGuard(options.originPolicy));
  options.mountRoutes?.(app);
  // Liveness: the process answers (a load balancer restarts it when not). No database involved.
  app.get("/healthz", (_req, res) => {
    res.json({ ok: true });
  });
  // Readiness: the database answers and its migrations are applied (a load balancer sends traffic only then).
  app.get("/readyz", async (_req, res) => {
    const readiness = options.database ? await options.database.readiness() : { ready: true };
    res.status(readiness.ready ? 200 : 503).json(readiness);
  });
  app.use(
    GRAPHQL_PATH,
    authenticate(verifyToken),
    express.json({ limit: limits.requestMaxBytes }),
    makeBodyErrorHandler(limits.requestMaxBytes),
    expressMiddleware(apollo, { context: async ({ res }) => options.context(principalOf(res)) }),
  );
  app.use(notFoundHandler);
  app.use(makeFallbackErrorHandler(options.logger));

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(options.port, options.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  // A wildcard bind is reached through loopback from this machine (and loopback passes the Host check).
  const reachable = options.host === "0.0.0.0" ? "127.0.0.1" : options.host === "::" ? "::1" : options.host;
  const host = reachable.includes(":") ? `[${reachable}]` : reachable;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}${GRAPHQL_PATH}`,
    wsUrl: `ws://${host}:${port}${GRAPHQL_PATH}`,
    port,
    httpServer,
    close: () => (closing ??= apollo.stop()),
  };
}
