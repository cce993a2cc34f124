import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * What a cluster member has learned of a key's limits (the vendor's bucket sizes and refill rates,
 * the token calibration), so that a process joining the key starts from it instead of probing.
 * Null until the member's first answer with rate-limit headers.
 */
export class LlmLimitLearned1795816638189 implements MigrationInterface {
  name = "LlmLimitLearned1795816638189";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "llm_limit_member" ADD "learned" jsonb`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "llm_limit_member" DROP COLUMN "learned"`);
  }
}
