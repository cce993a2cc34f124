import type { MigrationInterface, QueryRunner } from "typeorm";

/** API tokens (stored hashed, with a role) and the audit trail of mutations. */
export class TokensAndAudit1795800109593 implements MigrationInterface {
  name = "TokensAndAudit1795800109593";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "api_token" ("id" SERIAL NOT NULL, "name" text NOT NULL, "role" text NOT NULL, "token_hash" text NOT NULL, "created" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "revoked" TIMESTAMP WITH TIME ZONE, CONSTRAINT "api_token_role_check" CHECK ("role" IN ('viewer', 'reviewer', 'runner', 'admin')), CONSTRAINT "PK_api_token_id" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "api_token_name_active_idx" ON "api_token" ("name") WHERE "revoked" IS NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "api_token_hash_idx" ON "api_token" ("token_hash") `);
    await queryRunner.query(
      `CREATE TABLE "audit_event" ("id" SERIAL NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "actor" text NOT NULL, "token_id" integer, "operation" text NOT NULL, "args" jsonb NOT NULL DEFAULT '{}', "outcome" text NOT NULL, CONSTRAINT "PK_audit_event_id" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "audit_event_at_idx" ON "audit_event" ("at") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_event"`);
    await queryRunner.query(`DROP TABLE "api_token"`);
  }
}
