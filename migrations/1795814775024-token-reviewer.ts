import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The person a token reviews rubrics as (an email), bound by its first review decision, so that one
 * token cannot sign as two reviewers and make a case eligible alone.
 */
export class TokenReviewer1795814775024 implements MigrationInterface {
  name = "TokenReviewer1795814775024";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_token" ADD "reviewer" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_token" DROP COLUMN "reviewer"`);
  }
}
