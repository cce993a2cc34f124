import type { MigrationInterface, QueryRunner } from "typeorm";

const TABLES = ["generated_note", "score", "experiment_result", "experiment_result_score"];

/**
 * A model without a price no longer costs 0: its jobs' cost_usd is NULL (unknown), and sums over
 * them are unknown too. Rows written before keep their 0 (it cannot be told apart now).
 */
export class UnpricedCost1795804216798 implements MigrationInterface {
  name = "UnpricedCost1795804216798";

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) await queryRunner.query(`ALTER TABLE "${table}" ALTER COLUMN "cost_usd" DROP NOT NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await queryRunner.query(`UPDATE "${table}" SET "cost_usd" = 0 WHERE "cost_usd" IS NULL`);
      await queryRunner.query(`ALTER TABLE "${table}" ALTER COLUMN "cost_usd" SET NOT NULL`);
    }
  }
}
