/**
 * Every query, mutation and subscription states its role twice over: `@Authorized(role)` on the
 * resolver (enforced by the authChecker) and "Requires role: …" in its schema description, written
 * here from the same metadata so the two cannot disagree. An operation without a role stops the
 * schema from building: nothing is reachable by accident.
 */
import type { GraphQLObjectType, GraphQLSchema } from "graphql";
import { getMetadataStorage } from "type-graphql";
import { isRole, roleNote, type Role } from "./roles";

interface OperationMetadata {
  schemaName: string;
  roles?: unknown[];
}

function rolesByField(operations: OperationMetadata[]): Map<string, Role | undefined> {
  return new Map(operations.map((op) => [op.schemaName, op.roles?.find(isRole)]));
}

function annotate(type: GraphQLObjectType | null | undefined, roles: Map<string, Role | undefined>): void {
  if (!type) return;
  for (const field of Object.values(type.getFields())) {
    const role = roles.get(field.name);
    if (!role) {
      throw new Error(
        `${type.name}.${field.name} has no @Authorized(role): every operation states who may call it (src/auth/roles.ts)`,
      );
    }
    const note = roleNote(role);
    if (!field.description?.endsWith(note))
      field.description = field.description ? `${field.description.replace(/\.?$/, ".")} ${note}` : note;
  }
}

/** Writes each root field's role into its description; throws when one has none. */
export function annotateRoles(schema: GraphQLSchema): GraphQLSchema {
  const storage = getMetadataStorage();
  annotate(schema.getQueryType(), rolesByField(storage.queries));
  annotate(schema.getMutationType(), rolesByField(storage.mutations));
  annotate(schema.getSubscriptionType(), rolesByField(storage.subscriptions));
  return schema;
}
