import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Until when a cluster member's row counts as live, written by the member itself (now + five of
 * its heartbeats), so that readers that do not know its heartbeat (progress, on any process) can
 * tell live members from gone ones.
 */
export class LlmLimitLiveUntil1795805226449 implements MigrationInterface {
  name = "LlmLimitLiveUntil1795805226449";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "llm_limit_member" ADD "live_until" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "llm_limit_member" DROP COLUMN "live_until"`);
  }
}
