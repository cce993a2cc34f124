/**
 * The one authorization check per operation: type-graphql calls it for every field marked
 * `@Authorized(role)` (every query, mutation and subscription). Authentication happened before, at the
 * HTTP or WebSocket edge, so a context without a principal is a programming error, not a client's.
 */
import { GraphQLError } from "graphql";
import type { AuthChecker } from "type-graphql";
import type { Context } from "../context";
import { isRole, roleAllows } from "./roles";

export const authChecker: AuthChecker<Context> = ({ context, info }, roles) => {
  const principal = context.principal;
  if (!principal) {
    throw new GraphQLError("Authentication required: send a token (see docs/security.md)", {
      extensions: { code: "UNAUTHENTICATED" },
    });
  }
  const needed = roles.find(isRole);
  if (!needed) throw new Error(`${info.parentType.name}.${info.fieldName} is @Authorized without a known role`);
  if (roleAllows(principal.role, needed)) return true;
  throw new GraphQLError(
    `${info.fieldName} needs the ${needed} role; the token "${principal.name}" has the ${principal.role} role`,
    { extensions: { code: "FORBIDDEN", requiredRole: needed } },
  );
};
