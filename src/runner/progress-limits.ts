/**
 * The vendor limits of a run's progress: every key the experiment's vendors used since the run
 * started, as all processes of the cluster report them in llm_limit_member
 * (src/llm/limits/cluster-store.ts): an `api` process sees the workers' limits this way.
 */
import type { EntityManager } from "typeorm";
import { readKeyLimits, type KeyLimit } from "../llm/limits/cluster-store";
import type { RunTiming } from "./progress";

type Db = Pick<EntityManager, "query">;

export async function queryKeyLimits(db: Db, experimentId: number, run: RunTiming | null): Promise<KeyLimit[]> {
  if (!run?.startedAt) return [];
  const vendors: { vendor: string }[] = await db.query(
    `SELECT DISTINCT m.vendor FROM experiment_model em
     JOIN model m ON m.id IN (em.model_note_generator_id, em.model_note_grader_id)
     WHERE em.experiment_id = $1`,
    [experimentId],
  );
  if (vendors.length === 0) return [];
  return readKeyLimits(
    (sql, parameters) => db.query(sql, parameters),
    vendors.map((v) => v.vendor),
    run.startedAt,
  );
}
