import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * A run may have a budget (USD): before each attempt the job's estimated cost is reserved on the run
 * row, and the attempt's real cost is added to what the run spent once it ends (src/services/budget.ts).
 */
export class RunBudget1795804903934 implements MigrationInterface {
  name = "RunBudget1795804903934";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "experiment_run" ADD "budget_usd" numeric(14,6)`);
    await queryRunner.query(`ALTER TABLE "experiment_run" ADD "spent_usd" numeric(14,6) NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "experiment_run" ADD "reserved_usd" numeric(14,6) NOT NULL DEFAULT '0'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "experiment_run" DROP COLUMN "reserved_usd"`);
    await queryRunner.query(`ALTER TABLE "experiment_run" DROP COLUMN "spent_usd"`);
    await queryRunner.query(`ALTER TABLE "experiment_run" DROP COLUMN "budget_usd"`);
  }
}
