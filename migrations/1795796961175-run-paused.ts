import type { MigrationInterface, QueryRunner } from "typeorm";

/** A run the vendor refused for quota or billing ends `paused` until it is started again. */
export class RunPaused1795796961175 implements MigrationInterface {
  name = "RunPaused1795796961175";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TYPE "public"."run_status" ADD VALUE IF NOT EXISTS 'paused'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE "experiment_run" SET "status" = 'failed' WHERE "status" = 'paused'`);
    await queryRunner.query(`ALTER TYPE "public"."run_status" RENAME TO "run_status_old"`);
    await queryRunner.query(
      `CREATE TYPE "public"."run_status" AS ENUM('running', 'finished', 'cancelled', 'interrupted', 'failed')`,
    );
    await queryRunner.query(`ALTER TABLE "experiment_run" ALTER COLUMN "status" DROP DEFAULT`);
    await queryRunner.query(
      `ALTER TABLE "experiment_run" ALTER COLUMN "status" TYPE "public"."run_status" USING "status"::text::"public"."run_status"`,
    );
    await queryRunner.query(`ALTER TABLE "experiment_run" ALTER COLUMN "status" SET DEFAULT 'running'`);
    await queryRunner.query(`DROP TYPE "public"."run_status_old"`);
  }
}
