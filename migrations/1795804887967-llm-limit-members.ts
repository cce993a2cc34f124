import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The processes of a cluster that use each vendor key (or vendor-wide limit) now, so that they
 * divide its limits between them (src/llm/limits/cluster-*.ts). A key is named by a fingerprint
 * (SHA-256 of vendor, key and base URL), never by the key itself. Rows are written by heartbeats;
 * no entity maps it (raw SQL only).
 */
export class LlmLimitMembers1795804887967 implements MigrationInterface {
  name = "LlmLimitMembers1795804887967";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "llm_limit_member" ("scope" text NOT NULL, "member" text NOT NULL, "vendor" text NOT NULL, "base_url" text, "limit_now" integer, "in_flight" integer NOT NULL DEFAULT 0, "reason" text, "changed_at" TIMESTAMP WITH TIME ZONE, "seen_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_llm_limit_member" PRIMARY KEY ("scope", "member"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "llm_limit_member"`);
  }
}
