import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The generator under test and the existing tool's remaining columns.
 *
 * - experiment.generator (a name from the operator's generators file, `builtin` for every existing
 *   experiment) and experiment.generator_commit (the full commit its version resolved to).
 * - generated_note: the provenance of each note (generator name, kind, commit) and the existing
 *   tool's columns token_counts {prompt, generated}, staged_questionnaires, transcript2instructions,
 *   instruction2parameters, parameters2command and experiment.
 * - rubric.case_provenance_classification, score.comments, score.experiment, and
 *   experiment_result_score.scoring_result (the grade's per-criterion values, as in score).
 *
 * Rows written before this migration were all written by runs of the builtin generator: they are
 * filled in accordingly, so that the existing tool's queries see the same values for old and new rows.
 */
export class GeneratorProvenance1795794078475 implements MigrationInterface {
  name = "GeneratorProvenance1795794078475";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "experiment" ADD "generator" text NOT NULL DEFAULT 'builtin'`);
    await queryRunner.query(`ALTER TABLE "experiment" ADD "generator_commit" text`);
    await queryRunner.query(`ALTER TABLE "generated_note" ADD "generator_name" text NOT NULL DEFAULT ''`);
    await queryRunner.query(`ALTER TABLE "generated_note" ADD "generator_kind" text NOT NULL DEFAULT ''`);
    await queryRunner.query(`ALTER TABLE "generated_note" ADD "generator_commit" text NOT NULL DEFAULT ''`);
    await queryRunner.query(`ALTER TABLE "generated_note" ADD "staged_questionnaires" jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE "generated_note" ADD "transcript2instructions" jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE "generated_note" ADD "instruction2parameters" jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE "generated_note" ADD "parameters2command" jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(
      `ALTER TABLE "generated_note" ADD "token_counts" jsonb NOT NULL DEFAULT '{"prompt":0,"generated":0}'`,
    );
    await queryRunner.query(`ALTER TABLE "generated_note" ADD "experiment" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "rubric" ADD "case_provenance_classification" text NOT NULL DEFAULT ''`);
    await queryRunner.query(`ALTER TABLE "score" ADD "comments" text NOT NULL DEFAULT ''`);
    await queryRunner.query(`ALTER TABLE "score" ADD "experiment" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "experiment_result_score" ADD "scoring_result" jsonb NOT NULL DEFAULT '[]'`);

    await queryRunner.query(
      `UPDATE "generated_note" SET "generator_name" = 'builtin', "generator_kind" = 'builtin', "experiment" = true,
         "token_counts" = jsonb_build_object('prompt', "input_tokens", 'generated', "output_tokens")`,
    );
    await queryRunner.query(`UPDATE "score" SET "experiment" = true`);
    await queryRunner.query(
      `UPDATE "experiment_result_score" s SET "scoring_result" = score."scoring_result" FROM "score" WHERE score."id" = s."score_id"`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "experiment_result_score" DROP COLUMN "scoring_result"`);
    await queryRunner.query(`ALTER TABLE "score" DROP COLUMN "experiment"`);
    await queryRunner.query(`ALTER TABLE "score" DROP COLUMN "comments"`);
    await queryRunner.query(`ALTER TABLE "rubric" DROP COLUMN "case_provenance_classification"`);
    for (const column of [
      "experiment",
      "token_counts",
      "parameters2command",
      "instruction2parameters",
      "transcript2instructions",
      "staged_questionnaires",
      "generator_commit",
      "generator_kind",
      "generator_name",
    ]) {
      await queryRunner.query(`ALTER TABLE "generated_note" DROP COLUMN "${column}"`);
    }
    await queryRunner.query(`ALTER TABLE "experiment" DROP COLUMN "generator_commit"`);
    await queryRunner.query(`ALTER TABLE "experiment" DROP COLUMN "generator"`);
  }
}
