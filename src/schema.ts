import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { buildSchema, emitSchemaDefinitionFile, type PubSub } from "type-graphql";
import { RESOLVERS } from "../resolvers";
import { auditMutations } from "./auth/audit";
import { authChecker } from "./auth/auth-checker";
import { annotateRoles } from "./auth/schema-roles";
import { InMemoryEventBus, type EventBus } from "./events/event-bus";

export interface SchemaOptions {
  pubSub?: PubSub;
  /** Writes the SDL there (sorted), as `npm run schema` does for the committed schema.graphql. */
  emitSchemaFile?: string;
}

/** type-graphql's PubSub over our event bus (our subscriptions subscribe to the bus themselves). */
export function pubSubOf(bus: EventBus): PubSub {
  return {
    publish: (topic, payload) => bus.publish(topic, payload),
    subscribe: (topic) => bus.subscribe(topic),
  };
}

/**
 * The schema: every root field checked by the authChecker against its `@Authorized(role)`, its role
 * written into its description, and every mutation recorded in the audit trail.
 */
export async function makeSchema(options: SchemaOptions = {}): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: RESOLVERS,
    pubSub: options.pubSub ?? pubSubOf(new InMemoryEventBus()),
    authChecker,
    // Validation errors must not echo the input back: it may hold an API key.
    validate: { forbidUnknownValues: false, validationError: { target: false, value: false } },
  });
  auditMutations(annotateRoles(schema));
  if (options.emitSchemaFile) await emitSchemaDefinitionFile(options.emitSchemaFile, schema, { sortedSchema: true });
  return schema;
}
