/**
 * Two Postgres event buses on one database: a topic's messages reach the receiving process's
 * subscribers without waiting for another topic's decode (the progress topic's read is slower than
 * the events'), and in the order they were published within the topic.
 */
import { Pool } from "pg";
import { PostgresEventBus, type TopicCodec } from "../src/events/postgres-event-bus";
import { createTestDatabase } from "./support/database";

let url: string;
let sql: Pool;
const buses: PostgresEventBus[] = [];

beforeAll(async () => {
  url = await createTestDatabase();
  sql = new Pool({ connectionString: url, max: 2 });
});
afterAll(async () => {
  await Promise.all(buses.map((bus) => bus.close()));
  await sql.end();
});

async function startBus(codecs: Record<string, TopicCodec>): Promise<PostgresEventBus> {
  const bus = new PostgresEventBus({ url, query: (text, parameters) => sql.query(text, parameters), codecs });
  buses.push(bus);
  await bus.start();
  return bus;
}

test("a topic's messages are delivered while another topic's decode is still waiting, in order within the topic", async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const decoded: string[] = [];
  const slow: TopicCodec = {
    encode: (payload) => payload,
    async decode(_topic, messages) {
      await released;
      decoded.push("slow");
      return messages;
    },
  };
  const fast: TopicCodec = {
    encode: (payload) => payload,
    async decode(_topic, messages) {
      decoded.push("fast");
      return messages;
    },
  };
  const publisher = await startBus({});
  const receiver = await startBus({ slow, fast });
  const slowMessages = receiver.subscribe<{ n: number }>("slow:1");
  const fastMessages = receiver.subscribe<{ n: number }>("fast:1");

  // One batch, one NOTIFY: the slow topic's message first.
  publisher.publish("slow:1", { n: 1 });
  publisher.publish("fast:1", { n: 2 });
  publisher.publish("fast:1", { n: 3 });

  expect((await fastMessages.next()).value).toEqual({ n: 2 });
  expect((await fastMessages.next()).value).toEqual({ n: 3 });
  expect(decoded).toEqual(["fast"]); // the slow topic is still decoding
  release();
  expect((await slowMessages.next()).value).toEqual({ n: 1 });
  await slowMessages.return!();
  await fastMessages.return!();
});
