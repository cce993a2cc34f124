import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Jobs are claimed by a process under a lease, and every write checks that process's id
 * (`owner_id` on the job); `failed_attempts` is the job's attempt budget used so far, counted
 * across runs (`attempts` keeps counting every attempt that reached an outcome, for history).
 * Runs no longer have one owner: several processes may drive one run, so `experiment_run.owner_id`
 * is dropped.
 */
export class JobOwnership1795794095449 implements MigrationInterface {
  name = "JobOwnership1795794095449";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "experiment_result" ADD "failed_attempts" integer NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "experiment_result" ADD "owner_id" text`);
    await queryRunner.query(`ALTER TABLE "experiment_result_score" ADD "failed_attempts" integer NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "experiment_result_score" ADD "owner_id" text`);
    // Failed attempts so far: each failed job's attempts, and the errors kept on unfinished jobs.
    for (const table of ["experiment_result", "experiment_result_score"]) {
      await queryRunner.query(
        `UPDATE "${table}" SET "failed_attempts" = CASE WHEN "status" = 'succeeded' THEN 0 ELSE jsonb_array_length("errors") END`,
      );
    }
    await queryRunner.query(`ALTER TABLE "experiment_run" DROP COLUMN "owner_id"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "experiment_run" ADD "owner_id" text`);
    await queryRunner.query(`ALTER TABLE "experiment_result_score" DROP COLUMN "owner_id"`);
    await queryRunner.query(`ALTER TABLE "experiment_result_score" DROP COLUMN "failed_attempts"`);
    await queryRunner.query(`ALTER TABLE "experiment_result" DROP COLUMN "owner_id"`);
    await queryRunner.query(`ALTER TABLE "experiment_result" DROP COLUMN "failed_attempts"`);
  }
}
