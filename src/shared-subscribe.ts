/**
 * Subscription execution shared between subscribers. graphql-js executes a subscription's selection
 * once per event per subscriber; with a hundred clients on the same progress stream that is a
 * hundred identical executions of every message. Here the result is computed once per (event,
 * document, variables) and handed to every subscriber with that document. Events are published as
 * one object to all listeners, so the event object itself keys the cache (weakly: it goes with the
 * event). Sound because no field of ours depends on who subscribed.
 */
import { createSourceEventStream, execute, print, type ExecutionArgs, type ExecutionResult } from "graphql";
import { mapIterator } from "./events/iterators";

type Result = ExecutionResult | Promise<ExecutionResult>;

const resultsByEvent = new WeakMap<object, Map<string, Result>>();

function executeShared(args: ExecutionArgs, key: string, payload: unknown): Result {
  if (typeof payload !== "object" || payload === null) return execute({ ...args, rootValue: payload });
  let results = resultsByEvent.get(payload);
  if (!results) resultsByEvent.set(payload, (results = new Map()));
  let result = results.get(key);
  if (!result) {
    result = execute({ ...args, rootValue: payload });
    results.set(key, result);
  }
  return result;
}

/** A drop-in for graphql's subscribe (graphql-ws `subscribe` option). */
export async function sharedSubscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in Object(source))) return source as ExecutionResult;
  const key = `${print(args.document)}\n${JSON.stringify(args.variableValues ?? {})}\n${args.operationName ?? ""}`;
  return mapIterator(source as AsyncIterable<unknown>, (payload) => executeShared(args, key, payload));
}
