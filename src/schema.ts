import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { buildSchema, type PubSub } from "type-graphql";
import { RESOLVERS } from "../resolvers";

export interface SchemaOptions {
  pubSub?: PubSub;
  /** Writes the SDL there (sorted), as `npm run schema` does for the committed schema.graphql. */
  emitSchemaFile?: string;
}

export function makeSchema(options: SchemaOptions = {}): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS,
    pubSub: options.pubSub,
    // Validation errors must not echo the input back: it may hold an API key.
    validate: { forbidUnknownValues: false, validationError: { target: false, value: false } },
    emitSchemaFile: options.emitSchemaFile ? { path: options.emitSchemaFile, sortedSchema: true } : false,
  });
}
