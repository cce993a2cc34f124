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
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { Context } from "./context";
import type { Logger } from "./logger";
import { maskSecrets } from "./logger";
import { sharedSubscribe } from "./shared-subscribe";

export const GRAPHQL_PATH = "/graphql";

export interface ServerOptions {
  schema: GraphQLSchema;
  port: number;
  host: string;
  logger: Logger;
  /** Builds the context of one operation (HTTP request or subscription). */
  context: () => Context;
  /** Extra routes mounted before GraphQL (IDE, dashboard). */
  mountRoutes?: (app: express.Express) => void;
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
  "CONFLICT",
  "GRAPHQL_VALIDATION_FAILED",
  "GRAPHQL_PARSE_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "OPERATION_RESOLUTION_FAILURE",
]);

/** Errors we raised keep their message; anything else is logged in full and hidden from the client. */
function makeErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === "string" && KNOWN_CODES.has(code)) {
      return { ...formatted, message: maskSecrets(formatted.message) };
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

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const app = express();
  const httpServer = http.createServer(app);
  const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH });
  const formatError = makeErrorFormatter(options.logger);

  const wsCleanup = useServer(
    {
      schema: options.schema,
      context: () => options.context(),
      subscribe: sharedSubscribe,
      onError: (_ctx, _id, _payload, errors) => {
        for (const error of errors) options.logger.warn(`subscription error: ${maskSecrets(error.message)}`);
      },
      // graphql-ws sends execution results as they are; mask unknown errors as Apollo does for HTTP.
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!("errors" in result) || !result.errors) return;
        return { ...result, errors: result.errors.map((e) => formatError(e instanceof GraphQLError ? e.toJSON() : e, e)) };
      },
    },
    wsServer,
  );

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
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // main.ts owns the signals: it drains the runner before the server stops.
    stopOnTerminationSignals: false,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), drainWebSockets, ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();

  options.mountRoutes?.(app);
  app.get("/healthz", (_req, res) => {
    res.json({ ok: true });
  });
  app.use(GRAPHQL_PATH, express.json({ limit: "20mb" }), expressMiddleware(apollo, { context: async () => options.context() }));

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(options.port, options.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}${GRAPHQL_PATH}`,
    wsUrl: `ws://${host}:${port}${GRAPHQL_PATH}`,
    port,
    httpServer,
    close: () => (closing ??= apollo.stop()),
  };
}
