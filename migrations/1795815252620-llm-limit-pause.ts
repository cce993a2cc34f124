import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Until when a cluster member's key is paused by the vendor (a 429's retry-after, as that member
 * read it), so that the other members of the key pause with it instead of each hitting the limit.
 * Null when it is not paused.
 */
export class LlmLimitPause1795815252620 implements MigrationInterface {
  name = "LlmLimitPause1795815252620";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "llm_limit_member" ADD "paused_until" TIMESTAMP WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "llm_limit_member" DROP COLUMN "paused_until"`);
  }
}
