/**
 * The HTTP side of the limits that graphql-js validation rules cannot express: the values an
 * operation brings (checked once it is resolved, before execution) and the size of its result
 * (checked before Apollo serialises it). graphql-ws gets the same checks in server.ts.
 */
import type { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError } from "graphql";
import { checkOperationInputs } from "./operation-inputs";
import { estimateJsonChars, responseTooLarge } from "./response-size";

export function makeLimitsPlugin<TContext extends object>(responseMaxBytes: number): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          try {
            checkOperationInputs(document, request.variables);
          } catch (error) {
            // Apollo answers errors from this hook with 500 unless they carry their own status.
            const e = error as GraphQLError;
            throw new GraphQLError(e.message, { extensions: { ...e.extensions, http: { status: 400 } } });
          }
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== "single") return;
          const { data } = response.body.singleResult;
          if (data == null || estimateJsonChars(data, responseMaxBytes) <= responseMaxBytes) return;
          response.body.singleResult = { data: null, errors: [responseTooLarge(responseMaxBytes).toJSON()] };
        },
      };
    },
  };
}
