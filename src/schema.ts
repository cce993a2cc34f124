import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { buildSchema, type PubSub } from "type-graphql";
import { RESOLVERS } from "../resolvers";
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

export function makeSchema(options: SchemaOptions = {}): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS,
    pubSub: options.pubSub ?? pubSubOf(new InMemoryEventBus()),
    // Validation errors must not echo the input back: it may hold an API key.
    validate: { forbidUnknownValues: false, validationError: { target: false, value: false } },
    emitSchemaFile: options.emitSchemaFile ? { path: options.emitSchemaFile, sortedSchema: true } : false,
  });
}
