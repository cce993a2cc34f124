/**
 * Express error handlers that answer in GraphQL's JSON shape instead of express's HTML page (which
 * carries a stack trace and the server's absolute paths). A body that is not JSON, too large or in
 * an unsupported encoding is the client's mistake: 400/413 with a code and a message that says what
 * to send, never an echo of the body (it may hold a key). Anything else is logged and answered 500
 * without details.
 */
import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "../logger";

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  statusCode?: number;
}

function answer(res: Parameters<ErrorRequestHandler>[2], status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

export function makeBodyErrorHandler(requestMaxBytes: number): ErrorRequestHandler {
  return (error: BodyParserError, _req, res, next) => {
    if (res.headersSent) return next(error);
    switch (error.type) {
      case "entity.parse.failed":
        return answer(res, 400, "BAD_REQUEST", 'The request body is not valid JSON: send {"query": "...", "variables": {...}}');
      case "entity.too.large":
        return answer(
          res,
          413,
          "BAD_USER_INPUT",
          `The request body is larger than ${requestMaxBytes.toLocaleString("en-US")} bytes (REQUEST_MAX_BYTES)`,
        );
      case "encoding.unsupported":
      case "charset.unsupported":
        return answer(res, 415, "BAD_REQUEST", "The request body must be UTF-8 JSON");
      case "request.aborted":
      case "request.size.invalid":
      case "stream.encoding.set":
        return answer(res, 400, "BAD_REQUEST", "The request body could not be read");
      default:
        return next(error);
    }
  };
}

/** After every route: a path the server does not serve, answered as JSON rather than express's HTML page. */
export const notFoundHandler: RequestHandler = (req, res) => {
  answer(res, 404, "NOT_FOUND", `Nothing is served at ${req.method} ${req.path.slice(0, 200)}: GraphQL is at /graphql`);
};

/** The last handler: whatever reached it is unexpected. */
export function makeFallbackErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: BodyParserError, _req, res, next) => {
    if (res.headersSent) return next(error);
    const status = error.status ?? error.statusCode ?? 500;
    if (status >= 400 && status < 500)
      return answer(res, status, "BAD_REQUEST", "The request was refused: check its method, path and body");
    logger.error("Unexpected error in an HTTP route", error);
    answer(res, 500, "INTERNAL_SERVER_ERROR", "Internal server error: the server logged the details");
  };
}
