/**
 * How many processes of the cluster use a key (or a vendor-wide limit) now, through Postgres, so
 * that each takes 1/N of its limits. Each process is one member (a random id per LlmClients).
 *
 * - A scope is in use from its first request until no request has waited for it or been in flight for `liveMs`
 *   (five heartbeats). While any scope is in use, the member writes its rows every `heartbeatMs`
 *   (one statement for all scopes: ./cluster-store.ts) and reads back how many other members were
 *   seen within `liveMs`; a member that stops heartbeating (killed, cut off) drops out of the
 *   others' count after `liveMs`. A scope's first request joins at once (`using`): when others use
 *   it, after a heartbeat interval more, so that they have taken their smaller share.
 * - The request path only notes the time of use (`touch`): no database round trip per request.
 * - When a heartbeat fails (the database is down) the last known counts stay in force, and it is
 *   tried again at the next tick: LLM calls never wait for the database.
 * - `close()` deletes this member's rows so the others take the whole limit at their next heartbeat.
 * Alone (no other member) the share is 1 and nothing changes from a process without a cluster.
 */
import { randomUUID } from "node:crypto";
import { sleep } from "../backoff";
import type { Vendor } from "../types";
import type { LearnedLimits } from "./adaptive-limiter";
import { heartbeat, leave, type MemberRow, type Query } from "./cluster-store";

export interface ClusterShareOptions {
  query: Query;
  /** Heartbeat interval while a scope is in use; a member unseen for 5 intervals is gone. */
  heartbeatMs: number;
  log?: (message: string) => void;
}

/** What a scope's owner reports at each heartbeat, and hears back. */
export interface ScopeSource {
  vendor: Vendor;
  baseUrl: string | null;
  state(): Pick<MemberRow, "limit" | "inFlight" | "reason" | "changedAt" | "pauseMs" | "learned">;
  /** Requests wait for or hold a slot of the scope now. */
  busy(): boolean;
  /** The number of live members (this one included) changed. */
  onMembers(members: number): void;
  /** Another live member is paused by the vendor for `pauseMs` more (a 429's retry-after). */
  onPause(pauseMs: number): void;
  /** What another live member has learned of the scope's limits (the vendor's whole figures). */
  onLearned(learned: LearnedLimits): void;
  /** It knows the vendor's limits (its own answers, or inherited through onLearned). */
  warm(): boolean;
}

export class ClusterScope {
  /** Live members, this one included, as of the last successful heartbeat. */
  members = 1;
  /** When a request of the scope last started or ended (the owner writes it). */
  lastUsed = 0;
  /** The heartbeat that joins the cluster, while it runs: every request of the scope waits for it. */
  joining: Promise<void> | undefined;

  constructor(
    readonly id: string,
    readonly source: ScopeSource,
    private readonly cluster: ClusterShare,
  ) {}

  get share(): number {
    return 1 / this.members;
  }

  /**
   * A request of this scope starts now. On the scope's first request (or the first after it was
   * idle) this returns the heartbeat that joins the cluster, so that the request starts from the
   * cluster's count rather than taking the whole limit; otherwise undefined (no I/O).
   */
  touch(): Promise<void> | undefined {
    this.lastUsed = Date.now();
    return this.cluster.using(this);
  }
}

export class ClusterShare {
  readonly member = randomUUID();
  private readonly scopes = new Map<string, ClusterScope>();
  private readonly inUse = new Set<ClusterScope>();
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private failing = false;
  private closed = false;

  constructor(private readonly options: ClusterShareOptions) {}

  get liveMs(): number {
    return 5 * this.options.heartbeatMs;
  }

  scope(id: string, source: ScopeSource): ClusterScope {
    let scope = this.scopes.get(id);
    if (!scope) {
      scope = new ClusterScope(id, source, this);
      this.scopes.set(id, scope);
    }
    return scope;
  }

  /**
   * Marks the scope in use; when it was not, joins the cluster on it (waited for at most two
   * heartbeat intervals, so a database outage delays a key's first request by no more).
   */
  using(scope: ClusterScope): Promise<void> | undefined {
    if (this.inUse.has(scope) || this.closed) return scope.joining;
    this.inUse.add(scope);
    clearTimeout(this.timer);
    this.timer = undefined;
    let timeout: NodeJS.Timeout | undefined;
    const bounded = new Promise<void>((resolve) => (timeout = setTimeout(resolve, 2 * this.options.heartbeatMs)));
    // Two heartbeats: processes that join at the same moment write their rows in statements that
    // cannot see each other; the second reads what the others wrote meanwhile. (A heartbeat already
    // under way was written without this scope: it does not count.) When a joiner's second statement
    // starts before the other's first has committed, that joiner still counts itself alone until its
    // next heartbeat, at most one interval (the other, finishing later, sees it and waits). When others use the key, they
    // learn of this process only at their next heartbeat and spend the whole budget until then:
    // the newcomer's first requests (probes, sent before any answer told it the vendor's budget)
    // wait a heartbeat interval and a fifth for that. Measured with two worker processes on a key
    // of 20 requests/s: without this wait 2.9-7.0 % of requests were 429'd (at the run's start, 4
    // runs), with it 0-3.6 % (6 runs, 4 of them 0 %). A newcomer that inherited the others' learned
    // limits in those heartbeats (./adaptive-limiter.ts inherit) skips the wait: it sends no probes,
    // its first requests go at its share of the refill from an empty bucket, and the vendor's
    // headers show them to the others, whose pacing reads `remaining`.
    const joined = (this.beating ?? Promise.resolve())
      .then(() => this.beat())
      .then(() => this.beat())
      .then(() => (scope.members > 1 && !scope.source.warm() ? sleep(1.2 * this.options.heartbeatMs) : undefined));
    scope.joining = Promise.race([joined, bounded]).finally(() => {
      clearTimeout(timeout);
      scope.joining = undefined;
    });
    return scope.joining;
  }

  /** One heartbeat now (tests and close use it; the timer calls it otherwise). */
  beat(): Promise<void> {
    this.beating ??= this.beatOnce().finally(() => {
      this.beating = undefined;
      if (this.inUse.size > 0) this.schedule(this.options.heartbeatMs);
    });
    return this.beating;
  }

  /** Stops heartbeating and deletes this member's rows; safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.inUse.clear();
    await this.beating;
    await leave(this.options.query, this.member).catch(() => undefined); // expired by the others anyway
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.beat();
    }, delayMs);
    this.timer.unref();
  }

  private async beatOnce(): Promise<void> {
    if (this.closed) return;
    const now = Date.now();
    const live: ClusterScope[] = [];
    const left: string[] = [];
    for (const scope of this.inUse) {
      if (scope.source.busy() || now - scope.lastUsed < this.liveMs) live.push(scope);
      else {
        this.inUse.delete(scope);
        left.push(scope.id);
      }
    }
    const rows = live.map((s) => ({ scope: s.id, vendor: s.source.vendor, baseUrl: s.source.baseUrl, ...s.source.state() }));
    try {
      const news = await heartbeat(this.options.query, this.member, rows, left, this.liveMs);
      if (this.failing) this.options.log?.("cluster limits: the database answers again; shares follow the live processes");
      this.failing = false;
      for (const scope of live) {
        const heard = news.get(scope.id);
        this.setMembers(scope, 1 + (heard?.others ?? 0));
        if (heard && heard.pauseMs > 0) scope.source.onPause(heard.pauseMs);
        if (heard?.learned) scope.source.onLearned(heard.learned);
      }
      // A scope this process stopped using counts itself alone until its next first request.
      for (const id of left) this.setMembers(this.scopes.get(id)!, 1);
    } catch (error) {
      if (!this.failing) {
        this.options.log?.(
          `cluster limits: heartbeat failed (${error instanceof Error ? error.message : String(error)}); keeping the last known shares`,
        );
      }
      this.failing = true;
      for (const id of left) this.inUse.add(this.scopes.get(id)!); // its row is still there: delete it next time
    }
  }

  private setMembers(scope: ClusterScope, members: number): void {
    if (scope.members === members) return;
    scope.members = members;
    scope.source.onMembers(members);
  }
}
