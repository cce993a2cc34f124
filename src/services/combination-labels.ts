/** How a model combination is named in reports: "vendor/model → vendor/model (reasoning)". */
import type { DataSource } from "typeorm";

export interface CombinationLabel {
  id: number;
  generator: string;
  grader: string;
  graderIsReasoning: boolean;
  label: string;
}

const modelName = (vendor: string | null, model: string | null) =>
  vendor === null ? "(removed model)" : `${vendor}/${model === "" || model === null ? "default" : model}`;

/** The experiment's combinations by id. */
export async function combinationLabels(db: DataSource, experimentId: number): Promise<Map<number, CombinationLabel>> {
  const rows: Record<string, unknown>[] = await db.query(
    `SELECT em.id, em.model_note_grader_is_reasoning AS reasoning,
            g.vendor AS gen_vendor, g.model AS gen_model, r.vendor AS grader_vendor, r.model AS grader_model
     FROM experiment_model em
     LEFT JOIN model g ON g.id = em.model_note_generator_id
     LEFT JOIN model r ON r.id = em.model_note_grader_id
     WHERE em.experiment_id = $1 ORDER BY em.id`,
    [experimentId],
  );
  return new Map(
    rows.map((r) => {
      const generator = modelName(r.gen_vendor as string | null, r.gen_model as string | null);
      const grader = modelName(r.grader_vendor as string | null, r.grader_model as string | null);
      const graderIsReasoning = r.reasoning as boolean;
      const label = `${generator} → ${grader}${graderIsReasoning ? " (reasoning)" : ""}`;
      return [r.id as number, { id: r.id as number, generator, grader, graderIsReasoning, label }];
    }),
  );
}
