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
  }

  /** The flip is its own inverse. */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await this.up(queryRunner);
  }
}
