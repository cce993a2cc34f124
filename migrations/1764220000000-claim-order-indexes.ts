import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Claims take an experiment's planned jobs oldest first (`ORDER BY id LIMIT n`). With the id in the
 * index the claim reads n index entries; without it, Postgres sorted every planned job of the
 * experiment on every claim, and a 20,000-job run slowed down as it went.
 */
export class ClaimOrderIndexes1764220000000 implements MigrationInterface {
  name = "ClaimOrderIndexes1764220000000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."experiment_result_experiment_status_idx"`);
    await queryRunner.query(`DROP INDEX "public"."experiment_result_score_experiment_status_idx"`);
    await queryRunner.query(
      `CREATE INDEX "experiment_result_experiment_status_idx" ON "experiment_result" ("experiment_id", "status", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "experiment_result_score_experiment_status_idx" ON "experiment_result_score" ("experiment_id", "status", "id") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."experiment_result_score_experiment_status_idx"`);
    await queryRunner.query(`DROP INDEX "public"."experiment_result_experiment_status_idx"`);
    await queryRunner.query(
      `CREATE INDEX "experiment_result_score_experiment_status_idx" ON "experiment_result_score" ("experiment_id", "status") `,
    );
    await queryRunner.query(
      `CREATE INDEX "experiment_result_experiment_status_idx" ON "experiment_result" ("experiment_id", "status") `,
    );
  }
}
