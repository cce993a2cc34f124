import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * How many grades a note job will plan when it succeeds (its case's rubrics × grade replications),
 * so that progress knows the expected grades before the notes are done; and an index for the
 * recent-activity and result listings.
 */
export class RunPlanning1764210000000 implements MigrationInterface {
  name = "RunPlanning1764210000000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "experiment_result" ADD "planned_grades" integer NOT NULL DEFAULT '0'`);
    await queryRunner.query(
      `CREATE INDEX "experiment_result_experiment_updated_idx" ON "experiment_result" ("experiment_id", "updated") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."experiment_result_experiment_updated_idx"`);
    await queryRunner.query(`ALTER TABLE "experiment_result" DROP COLUMN "planned_grades"`);
  }
}
