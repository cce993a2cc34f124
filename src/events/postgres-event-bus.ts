/**
 * The event bus across processes: Postgres LISTEN/NOTIFY on one channel, behind the EventBus
 * interface.
 *
 * - Publishing delivers to this process's subscribers at once (as the in-memory bus does) and queues
 *   the message for the others. Queued messages leave in batches, one statement per batch, batches
 *   one after the other, so a publisher's messages arrive in the order it published them (in order
 *   per job: a job has one publisher at a time). Callers publish after their transaction committed.
 * - Messages carry ids, not rows: a topic's codec shrinks a payload for the wire and, on the
 *   receiving side, loads rows to rebuild it (one query per batch). A NOTIFY payload must stay under
 *   8,000 bytes: messages are packed into payloads below PAYLOAD_MAX_BYTES, and a message that alone
 *   exceeds it is dropped with a warning (codecs truncate free text to prevent that).
 * - The listener is one dedicated connection. Received batches are decoded and delivered one after
 *   the other per topic (order kept); topics nobody subscribes to here are skipped without loading anything;
 *   this process's own messages (already delivered) are recognised by the origin id and skipped.
 * - Delivery here is one ordered pipeline per topic: received batches, this process's own messages
 *   when their codec rebuilds them (`local`, e.g. to give events the database's progress) and
 *   catch-ups. A pipeline takes everything queued at once and decodes it in one go, so a backlog
 *   makes batches larger rather than the wait longer. Topics do not wait for each other: events do
 *   not queue behind the progress topic's slower read (that made segments take 11 ms at the median
 *   and 65 ms at p99 at load 8). Every message passes the codec's `admit` last (which
 *   may drop or replace it, e.g. drop one that follows its job's final event). Own messages that
 *   need no rebuild reach this process's subscribers at once (after any of their topic still queued).
 * - Notifications are lost when the listener is disconnected (Postgres delivers only to sessions
 *   listening at that moment) and when a publisher dies between its commit and its NOTIFY. The
 *   listener reconnects with exponential backoff and full jitter, then each topic with subscribers
 *   here is resynchronised (its codec's `resync`: the current progress, the final events missed);
 *   topics whose codec can `catchUp` are also caught up every `catchUpMs` while they have
 *   subscribers here, which covers the publishers that died.
 *
 * - Interest: `listenerCount` (which lets publishers skip building messages nobody reads) counts
 *   this process's subscribers plus one when another process has subscribers on the topic. A process
 *   announces its topics when a topic gets its first subscriber here, every INTEREST_TTL_MS / 3, and
 *   when asked (a process asks on start and after a reconnect); an announcement holds for
 *   INTEREST_TTL_MS, so a topic whose last remote subscriber left is still published to for at most
 *   that long. A subscriber may miss what is published in the milliseconds before its announcement
 *   arrives; subscriptions start with the current state, so nothing of the state is lost.
 */
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { InMemoryEventBus, type EventBus } from "./event-bus";

export const CHANNEL = "note_eval_events";
/** Postgres refuses NOTIFY payloads of 8,000 bytes or more; keep a margin for the envelope. */
export const PAYLOAD_MAX_BYTES = 7_900;
/** How long another process's announced interest in a topic counts. */
export const INTEREST_TTL_MS = 60_000;
/** How long a missed event may wait for a catch-up when no reconnect revealed the loss. */
export const CATCH_UP_MS = 5_000;

export interface TopicCodec {
  /** What goes on the wire for a payload: JSON, small (ids, not rows). */
  encode(payload: unknown): unknown;
  /**
   * The payloads for local subscribers, one per wire message and in the same order, loading rows in
   * one go; `undefined` skips a message (e.g. superseded by a later one in the same batch).
   */
  decode(topic: string, messages: unknown[]): Promise<unknown[]>;
  /** After a reconnect (notifications were missed): payloads that bring a subscriber up to date. */
  resync?(topic: string): Promise<unknown[]>;
  /** Every `catchUpMs` while the topic has subscribers here: what was missed even without a reconnect. */
  catchUp?(topic: string): Promise<unknown[]>;
  /** Payloads this process published, rebuilt before its own subscribers get them (e.g. the database's progress). */
  local?: {
    /** Whether the topic's messages published here are rebuilt now; when not, they are delivered at once. */
    needed(topic: string): boolean;
    /** The payloads, in order, one call per batch. */
    rebuild(topic: string, payloads: unknown[]): Promise<unknown[]>;
  };
  /** Last look before a payload reaches this process's subscribers: what to deliver instead, or undefined to drop it. */
  admit?(topic: string, payload: unknown): unknown;
  /** The topic got its first subscriber here / lost its last one. */
  open?(topic: string): void;
  close?(topic: string): void;
}

export interface PostgresEventBusOptions {
  /** The database to LISTEN on (a dedicated connection). */
  url: string;
  /** Runs one statement on the application's pool (NOTIFY goes through it). */
  query: (sql: string, parameters: unknown[]) => Promise<unknown>;
  /** Codecs by topic prefix (the part before ":"); topics without one travel as they are. */
  codecs: Record<string, TopicCodec>;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** How often codecs' `catchUp` runs for topics with subscribers here (default CATCH_UP_MS). */
  catchUpMs?: number;
  log?: (level: "info" | "warn", message: string) => void;
  /** Errors of the listener's connection and of NOTIFY (the database monitor hears about outages). */
  onDatabaseError?: (error: unknown) => void;
}

type WireMessage = [topic: string, data: unknown];
type MessageItem = { kind: "received" | "own"; data: unknown[] };
type PipelineItem = MessageItem | { kind: "resync"; how: "resync" | "catchUp" };
/** A topic's delivery pipeline: what waits to reach this process's subscribers, in order. */
interface Pipeline {
  items: PipelineItem[];
  draining: Promise<void>;
}
interface Envelope {
  /** Origin: the publishing bus instance. */
  o: string;
  /** Sequence number: NOTIFY drops identical payloads within a transaction; this keeps them distinct. */
  s: number;
  m?: WireMessage[];
  /** Interest: topics the origin has subscribers for. */
  i?: string[];
  /** The origin asks every process to announce its topics. */
  ask?: true;
}

/** "experiment-events:12" → "experiment-events". */
const prefixOf = (topic: string) => topic.split(":", 1)[0]!;

export class PostgresEventBus implements EventBus {
  private readonly local = new InMemoryEventBus();
  private readonly origin = randomBytes(8).toString("hex");
  private outbox: WireMessage[] = [];
  private sendScheduled = false;
  private sending: Promise<void> = Promise.resolve();
  /** Per topic, while it has something queued or being delivered (its own messages go in after it, never past it). */
  private readonly pipelines = new Map<string, Pipeline>();
  private sequence = 0;
  private listener: Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly remoteInterest = new Map<string, number>();
  private interestTimer: NodeJS.Timeout | undefined;
  private catchUpTimer: NodeJS.Timeout | undefined;
  /** This process's messages waiting for the delivery pipeline (topics whose codec has `local`). */
  private localPending: WireMessage[] = [];

  constructor(private readonly options: PostgresEventBusOptions) {}

  /** Connects the listener; resolves once LISTEN is in place (so nothing published after is missed). */
  async start(): Promise<void> {
    await this.listen();
    await this.notify([this.envelope({ ask: true })]);
    this.interestTimer = setInterval(() => {
      for (const [topic, expiry] of this.remoteInterest) if (expiry <= Date.now()) this.remoteInterest.delete(topic);
      void this.announce(this.local.topics());
    }, INTEREST_TTL_MS / 3);
    this.interestTimer.unref();
    this.catchUpTimer = setInterval(() => {
      this.enqueueResync("catchUp");
    }, this.options.catchUpMs ?? CATCH_UP_MS);
    this.catchUpTimer.unref();
  }

  /** Sends what is queued, then disconnects. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.interestTimer);
    clearInterval(this.catchUpTimer);
    await this.sending;
    await Promise.all([...this.pipelines.values()].map((pipeline) => pipeline.draining));
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  publish(topic: string, payload: unknown): void {
    const codec = this.options.codecs[prefixOf(topic)];
    this.deliverLocally(topic, payload, codec);
    if (this.closed) return;
    this.outbox.push([topic, codec ? codec.encode(payload) : payload]);
    if (this.sendScheduled) return;
    this.sendScheduled = true;
    // Everything published until the previous batch is sent (and this turn of the event loop) goes in one batch.
    this.sending = this.sending
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        this.sendScheduled = false;
        return this.send(this.outbox.splice(0));
      });
  }

  subscribe<T>(topic: string): AsyncIterableIterator<T> {
    const codec = this.options.codecs[prefixOf(topic)];
    if (this.local.listenerCount(topic) === 0) codec?.open?.(topic);
    const iterator = this.local.subscribe<T>(topic);
    if (this.local.listenerCount(topic) === 1) void this.announce([topic]);
    const stop = iterator.return!.bind(iterator);
    iterator.return = async (value?: unknown) => {
      const result = await stop(value);
      if (this.local.listenerCount(topic) === 0) codec?.close?.(topic);
      return result;
    };
    return iterator;
  }

  listenerCount(topic: string): number {
    const remote = (this.remoteInterest.get(topic) ?? 0) > Date.now() ? 1 : 0;
    return this.local.listenerCount(topic) + remote;
  }

  private envelope(fields: Omit<Envelope, "o" | "s">): string {
    return JSON.stringify({ o: this.origin, s: this.sequence++, ...fields } satisfies Envelope);
  }

  /** Tells the other processes this one has subscribers on `topics` (in payloads under the size limit). */
  private async announce(topics: string[]): Promise<void> {
    const payloads: string[] = [];
    let batch: string[] = [];
    let bytes = 0;
    for (const topic of topics) {
      if (bytes + topic.length + 80 > PAYLOAD_MAX_BYTES) {
        payloads.push(this.envelope({ i: batch }));
        batch = [];
        bytes = 0;
      }
      batch.push(topic);
      bytes += Buffer.byteLength(topic) + 3;
    }
    if (batch.length > 0) payloads.push(this.envelope({ i: batch }));
    await this.notify(payloads);
  }

  /** One statement, the payloads in order; a failure is reported, not thrown (events are best effort across processes). */
  private async notify(payloads: string[]): Promise<boolean> {
    if (payloads.length === 0 || this.closed) return true;
    try {
      await this.options.query(`SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, n) ORDER BY n`, [
        CHANNEL,
        payloads,
      ]);
      return true;
    } catch (error) {
      this.options.onDatabaseError?.(error);
      this.options.log?.("warn", `notification not sent to other processes: ${(error as Error).message}`);
      return false;
    }
  }

  /** Packs messages into NOTIFY payloads below the size limit and sends them in one statement. */
  private async send(messages: WireMessage[]): Promise<void> {
    const payloads: string[] = [];
    let batch: WireMessage[] = [];
    let batchBytes = 0;
    const envelope = (m: WireMessage[]) => this.envelope({ m });
    for (const message of messages) {
      const bytes = Buffer.byteLength(JSON.stringify(message)) + 1;
      if (bytes + 64 > PAYLOAD_MAX_BYTES) {
        this.options.log?.("warn", `event on ${message[0]} not sent to other processes: ${bytes} bytes is over the NOTIFY limit`);
        continue;
      }
      if (batchBytes + bytes + 64 > PAYLOAD_MAX_BYTES) {
        payloads.push(envelope(batch));
        batch = [];
        batchBytes = 0;
      }
      batch.push(message);
      batchBytes += bytes;
    }
    if (batch.length > 0) payloads.push(envelope(batch));
    await this.notify(payloads);
  }

  private receive(text: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      return;
    }
    if (envelope.o === this.origin) return;
    if (envelope.ask) void this.announce(this.local.topics());
    for (const topic of envelope.i ?? []) this.remoteInterest.set(topic, Date.now() + INTEREST_TTL_MS);
    if (!envelope.m) return;
    const wanted = envelope.m.filter(([topic]) => this.local.listenerCount(topic) > 0);
    if (wanted.length === 0) return;
    const byTopic = new Map<string, unknown[]>();
    for (const [topic, data] of wanted) byTopic.set(topic, [...(byTopic.get(topic) ?? []), data]);
    for (const [topic, data] of byTopic) this.enqueue(topic, { kind: "received", data });
  }

  /** Queues work for the topic's delivery pipeline and makes sure it drains. */
  private enqueue(topic: string, item: PipelineItem): void {
    const queued = this.pipelines.get(topic);
    if (queued) return void queued.items.push(item);
    const pipeline: Pipeline = { items: [item], draining: Promise.resolve() };
    this.pipelines.set(topic, pipeline);
    pipeline.draining = this.drain(topic, pipeline);
  }

  /** A resync or catch-up of each topic with subscribers here whose codec has one, in the topic's pipeline. */
  private enqueueResync(how: "resync" | "catchUp"): void {
    for (const topic of this.local.topics())
      if (this.options.codecs[prefixOf(topic)]?.[how]) this.enqueue(topic, { kind: "resync", how });
  }

  /**
   * Takes everything queued at once, up to the next resync, and delivers it as one segment: a backlog
   * makes segments larger, not the queue longer, so that delivery keeps up however slow a decode is.
   */
  private async drain(topic: string, pipeline: Pipeline): Promise<void> {
    await Promise.resolve(); // `pipeline.draining` is set before anything is delivered
    while (pipeline.items.length > 0) {
      const first = pipeline.items[0]!;
      if (first.kind === "resync") {
        pipeline.items.shift();
        await this.resync(topic, first.how);
        continue;
      }
      const end = pipeline.items.findIndex((item) => item.kind === "resync");
      const segment = pipeline.items.splice(0, end < 0 ? pipeline.items.length : end) as MessageItem[];
      await this.deliverSegment(
        topic,
        segment.flatMap((item) => item.data.map((data) => ({ data, own: item.kind === "own" }))),
      );
    }
    this.pipelines.delete(topic);
  }

  /**
   * Decodes what other processes sent and rebuilds this process's own messages (one call each, in
   * parallel), then delivers everything in the order it was queued.
   */
  private async deliverSegment(topic: string, entries: { data: unknown; own: boolean }[]): Promise<void> {
    const codec = this.options.codecs[prefixOf(topic)];
    const payloads: unknown[] = entries.map(({ data }) => data);
    const received = entries.flatMap((entry, i) => (entry.own ? [] : [i]));
    const own = entries.flatMap((entry, i) => (entry.own ? [i] : []));
    const rebuild = async (which: number[], how: (data: unknown[]) => Promise<unknown[]>) => {
      if (which.length === 0) return;
      const rebuilt = await how(which.map((i) => entries[i]!.data));
      which.forEach((i, k) => (payloads[i] = rebuilt[k]));
    };
    await Promise.all([
      rebuild(received, (data) => (codec ? codec.decode(topic, data) : Promise.resolve(data))).catch((error: unknown) => {
        received.forEach((i) => (payloads[i] = undefined));
        this.options.onDatabaseError?.(error);
        this.options.log?.("warn", `${received.length} event(s) from another process not delivered: ${(error as Error).message}`);
      }),
      // This process's own messages are delivered as published rather than lost.
      rebuild(own, (data) => codec!.local!.rebuild(topic, data)).catch((error: unknown) => this.options.onDatabaseError?.(error)),
    ]);
    for (const payload of payloads) if (payload !== undefined) this.emit(topic, payload);
  }

  /**
   * A message published here: to this process's subscribers at once, or, when its codec rebuilds
   * local messages for the topic now (or earlier ones of the topic are still queued), through the
   * pipeline, batched per turn of the event loop.
   */
  private deliverLocally(topic: string, payload: unknown, codec: TopicCodec | undefined): void {
    if (!codec?.local || this.local.listenerCount(topic) === 0) return this.emit(topic, payload);
    if (!codec.local.needed(topic) && !this.pipelines.has(topic) && !this.localPending.some(([t]) => t === topic))
      return this.emit(topic, payload);
    this.localPending.push([topic, payload]);
    if (this.localPending.length > 1) return;
    setImmediate(() => {
      const byTopic = new Map<string, unknown[]>();
      for (const [t, data] of this.localPending.splice(0)) byTopic.set(t, [...(byTopic.get(t) ?? []), data]);
      for (const [t, data] of byTopic) this.enqueue(t, { kind: "own", data });
    });
  }

  /** To this process's subscribers, past the codec's `admit`. */
  private emit(topic: string, payload: unknown): void {
    const codec = this.options.codecs[prefixOf(topic)];
    const admitted = codec?.admit ? codec.admit(topic, payload) : payload;
    if (admitted !== undefined) this.local.publish(topic, admitted);
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.options.url, keepAlive: true });
    client.on("notification", (message) => {
      if (message.channel === CHANNEL && message.payload) this.receive(message.payload);
    });
    const lost = (error?: Error) => {
      if (this.listener !== client) return;
      this.listener = undefined;
      if (error) this.options.onDatabaseError?.(error);
      client.end().catch(() => undefined);
      if (!this.closed) void this.reconnect();
    };
    client.on("error", lost);
    client.on("end", () => lost());
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  private async reconnect(): Promise<void> {
    const base = this.options.reconnectBaseMs ?? 100;
    const max = this.options.reconnectMaxMs ?? 5_000;
    this.options.log?.("warn", "event listener lost its connection: reconnecting");
    for (let attempt = 0; !this.closed; attempt++) {
      await new Promise<void>(
        (resolve) => (this.reconnectTimer = setTimeout(resolve, Math.random() * Math.min(max, base * 2 ** attempt))),
      );
      if (this.closed) return;
      try {
        await this.listen();
      } catch {
        continue;
      }
      this.options.log?.("info", "event listener reconnected: resynchronising subscribers");
      // Announcements sent while disconnected were missed too.
      await this.notify([this.envelope({ ask: true })]);
      await this.announce(this.local.topics());
      this.enqueueResync("resync");
      return;
    }
  }

  /**
   * Notifications sent while disconnected are gone (`resync`), or a publisher died before sending
   * them (`catchUp`): each subscribed topic gets what its codec rebuilds from the database. Runs in
   * the delivery pipeline, so that it is ordered with the deliveries around it.
   */
  private async resync(topic: string, how: "resync" | "catchUp"): Promise<void> {
    const codec = this.options.codecs[prefixOf(topic)];
    const rebuild = codec?.[how];
    if (!rebuild || this.local.listenerCount(topic) === 0) return;
    try {
      for (const payload of await rebuild.call(codec, topic)) this.emit(topic, payload);
    } catch (error) {
      this.options.log?.(
        "warn",
        `${how === "resync" ? "resynchronising" : "catching up"} ${topic} failed: ${(error as Error).message}`,
      );
    }
  }
}
