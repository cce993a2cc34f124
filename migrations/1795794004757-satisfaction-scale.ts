import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * One scale for satisfaction, the existing tool's: "how well the note meets the criterion", so for a
 * negative criterion 100 means the fault is absent. Grades written before this (prompt grade-v1)
 * stored how far the fault was present; this flips their negative criteria's satisfaction to
 * 100 − satisfaction. Scores and overall scores are unchanged: both scales give the same score.
 * Every stored grade is on the old scale when this runs (grade-v2 is written only after it), and
 * the criterion's sense comes from the rubric the grade was made against.
 */
export class SatisfactionScale1795794004757 implements MigrationInterface {
  name = "SatisfactionScale1795794004757";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      UPDATE "score" s
      SET "scoring_result" = (
        SELECT coalesce(jsonb_agg(
          CASE WHEN r."rubric" -> ((e ->> 'id')::int) ->> 'sense' = 'negative'
               THEN jsonb_set(e, '{satisfaction}', to_jsonb(100 - (e ->> 'satisfaction')::numeric))
               ELSE e END
          ORDER BY t.ord), '[]'::jsonb)
        FROM jsonb_array_elements(s."scoring_result") WITH ORDINALITY AS t(e, ord)
      )
      FROM "rubric" r
      WHERE r."id" = s."rubric_id" AND jsonb_typeof(s."scoring_result") = 'array'`);
    // experiment_result_score.scoring_result (the existing tool's copy, added by another migration)
    // must read the same values as score whichever of the two migrations runs first.
    const [{ present }] = await queryRunner.query(
      `SELECT count(*) > 0 AS present FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = 'experiment_result_score' AND column_name = 'scoring_result'`,
    );
    if (present) {
      await queryRunner.query(
        `UPDATE "experiment_result_score" j SET "scoring_result" = s."scoring_result" FROM "score" s WHERE s."id" = j."score_id"`,
      );
    }
  }

  /** The flip is its own inverse. */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await this.up(queryRunner);
  }
}
