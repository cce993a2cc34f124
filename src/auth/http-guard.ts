/**
 * The HTTP edge: Host and Origin checks on every request (pages, assets, GraphQL, the WebSocket
 * upgrade goes through ws-guard.ts), and authentication of GraphQL requests. Refusals are JSON
 * GraphQL errors with a code, so every client reads them the same way.
 */
import type { NextFunction, Request, Response } from "express";
import { GraphQLError } from "graphql";
import type { Principal } from "./principal";
import { refuseReason, type OriginPolicy } from "./origin-policy";
import { tokenOfRequest } from "./credentials";

export type VerifyToken = (token: string) => Promise<Principal | undefined>;

function refuse(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/** 403 for a Host outside the allowed ones (DNS rebinding) or an Origin of another site. */
export function hostOriginGuard(policy: OriginPolicy) {
  return (req: Request, res: Response, next: NextFunction) => {
    const reason = refuseReason(policy, { host: req.headers.host, origin: req.headers.origin });
    if (reason) return refuse(res, 403, "FORBIDDEN", reason);
    next();
  };
}

/** Locals of an authenticated request. */
export function principalOf(res: Response): Principal | undefined {
  return res.locals.principal as Principal | undefined;
}

/** 401 UNAUTHENTICATED unless the request carries a valid token (bearer or login cookie). */
export function authenticate(verify: VerifyToken) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = tokenOfRequest(req);
    if (!token) {
      res.set("WWW-Authenticate", 'Bearer realm="note-eval"');
      return refuse(
        res,
        401,
        "UNAUTHENTICATED",
        "Authentication required: send `Authorization: Bearer <token>`, or open the login URL the server printed (docs/security.md)",
      );
    }
    try {
      const principal = await verify(token);
      if (!principal) {
        res.set("WWW-Authenticate", 'Bearer realm="note-eval", error="invalid_token"');
        return refuse(res, 401, "UNAUTHENTICATED", "This token is unknown or revoked");
      }
      res.locals.principal = principal;
      next();
    } catch (error) {
      // verify() answers UNAVAILABLE when the database is down (server.ts): say so, as operations do.
      const code = error instanceof GraphQLError ? error.extensions?.code : undefined;
      if (code === "UNAVAILABLE") return refuse(res, 503, code, (error as GraphQLError).message);
      next(error);
    }
  };
}
