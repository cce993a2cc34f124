import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The whole first schema: the existing tool's tables (snake_case, so its users' SQL keeps working)
 * and the run bookkeeping (job status, attempts, leases, runs). Generated from the entities, then
 * reviewed; a test checks that the entities and the migrations still agree.
 */
export class InitialSchema1764200000000 implements MigrationInterface {
  name = "InitialSchema1764200000000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TYPE "public"."case_validation_status" AS ENUM('generation', 'review', 'evaluation')`);
    await queryRunner.query(
      `CREATE TABLE "case" ("id" SERIAL NOT NULL, "created" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "name" text NOT NULL, "transcript" jsonb NOT NULL, "limited_chart" jsonb NOT NULL DEFAULT '{}'::jsonb, "profile" text NOT NULL DEFAULT '', "validation_status" "public"."case_validation_status" NOT NULL DEFAULT 'generation', "batch_identifier" text NOT NULL DEFAULT '', "tags" jsonb NOT NULL DEFAULT '{}'::jsonb, CONSTRAINT "UQ_41867765e5643f1f391ab30a7e5" UNIQUE ("name"), CONSTRAINT "PK_a1b20a2aef6fc438389d2c4aca0" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "experiment" ("id" SERIAL NOT NULL, "created" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "name" text NOT NULL, "hyperscribe_version" text NOT NULL, "cycle_times" jsonb NOT NULL DEFAULT '[]'::jsonb, "cycle_transcript_overlaps" jsonb NOT NULL DEFAULT '[100]'::jsonb, "note_replications" integer NOT NULL DEFAULT '1', "grade_replications" integer NOT NULL DEFAULT '1', CONSTRAINT "UQ_73e916a671816778db4f7ae51a3" UNIQUE ("name"), CONSTRAINT "PK_4f6eec215c62eec1e0fde987caf" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "experiment_case" ("id" SERIAL NOT NULL, "created" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "experiment_id" integer NOT NULL, "case_id" integer NOT NULL, CONSTRAINT "experiment_case_experiment_case_key" UNIQUE ("experiment_id", "case_id"), CONSTRAINT "PK_f952a92746d86c92a1d68f4d37b" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "model" ("id" SERIAL NOT NULL, "created" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "vendor" text NOT NULL, "api_key" text NOT NULL DEFAULT '', "model" text NOT NULL DEFAULT '', "base_url" text, CONSTRAINT "model_vendor_check" CHECK ("vendor" IN ('openai', 'anthropic')), CONSTRAINT "PK_d6df271bba301d5cc79462912a4" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "experiment_model" ("id" SERIAL NOT NULL, "created" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "experiment_id" integer NOT NULL, "model_note_generator_id" integer, "model_note_grader_id" integer, "model_note_grader_is_reasoning" boolean NOT NULL DEFAULT false, CONSTRAINT "experiment_model_combination_key" UNIQUE ("experiment_id", "model_note_generator_id", "model_note_grader_id", "model_note_grader_is_reasoning"), CONSTRAINT "PK_6aa8fd67fb7ef9abf6d603bade8" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "generated_note" ("id" SERIAL NOT NULL, "created" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "case_id" integer NOT NULL, "hyperscribe_version" text NOT NULL DEFAULT '', "prompt_version" text NOT NULL DEFAULT '', "cycle_duration" integer NOT NULL DEFAULT '0', "cycle_count" integer NOT NULL DEFAULT '0', "cycle_transcript_overlap" integer NOT NULL DEFAULT '0', "text_llm_vendor" text NOT NULL DEFAULT '', "text_llm_name" text NOT NULL DEFAULT '', "note_json" jsonb, "failed" boolean NOT NULL DEFAULT false, "errors" jsonb NOT NULL DEFAULT '[]'::jsonb, "input_tokens" integer NOT NULL DEFAULT '0', "output_tokens" integer NOT NULL DEFAULT '0', "cost_usd" numeric(14,6) NOT NULL DEFAULT '0', "duration_ms" integer NOT NULL DEFAULT '0', CONSTRAINT "PK_6c2ad7f8ec80b22c65992229e83" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE TYPE "public"."job_status" AS ENUM('planned', 'running', 'succeeded', 'failed')`);
    await queryRunner.query(
      `CREATE TABLE "experiment_result" ("created" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "status" "public"."job_status" NOT NULL DEFAULT 'planned', "failed" boolean, "errors" jsonb NOT NULL DEFAULT '[]'::jsonb, "attempts" integer NOT NULL DEFAULT '0', "run_id" integer, "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, "duration_ms" integer, "lease_expires_at" TIMESTAMP WITH TIME ZONE, "input_tokens" integer NOT NULL DEFAULT '0', "output_tokens" integer NOT NULL DEFAULT '0', "cost_usd" numeric(14,6) NOT NULL DEFAULT '0', "text_llm_vendor" text NOT NULL DEFAULT '', "text_llm_name" text NOT NULL DEFAULT '', "id" SERIAL NOT NULL, "experiment_id" integer NOT NULL, "experiment_name" text NOT NULL, "hyperscribe_version" text NOT NULL, "hyperscribe_tags" jsonb NOT NULL DEFAULT '{}'::jsonb, "case_id" integer NOT NULL, "case_name" text NOT NULL, "experiment_model_id" integer, "cycle_time" integer NOT NULL DEFAULT '0', "cycle_transcript_overlap" integer NOT NULL, "note_replication" integer NOT NULL, "generated_note_id" integer, "note_json" jsonb, CONSTRAINT "experiment_result_job_key" UNIQUE ("experiment_id", "case_id", "experiment_model_id", "cycle_time", "cycle_transcript_overlap", "note_replication"), CONSTRAINT "PK_c88ce3159fe5c3f352a6f22e915" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "experiment_result_experiment_status_idx" ON "experiment_result"  ("experiment_id", "status") `,
    );
    await queryRunner.query(`CREATE TYPE "public"."rubric_validation" AS ENUM('not_evaluated', 'refused', 'accepted')`);
    await queryRunner.query(
      `CREATE TABLE "rubric" ("id" SERIAL NOT NULL, "created" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "case_id" integer NOT NULL, "parent_rubric_id" integer, "validation" "public"."rubric_validation" NOT NULL DEFAULT 'not_evaluated', "validation_timestamp" TIMESTAMP WITH TIME ZONE, "author" text NOT NULL, "rubric" jsonb NOT NULL, "comments" text NOT NULL DEFAULT '', "text_llm_vendor" text NOT NULL DEFAULT '', "text_llm_name" text NOT NULL DEFAULT '', "temperature" double precision NOT NULL DEFAULT '0', CONSTRAINT "PK_c6926c4b9f70196fae0f95c5691" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "rubric_case_validation_idx" ON "rubric"  ("case_id", "validation") `);
    await queryRunner.query(
      `CREATE TABLE "score" ("id" SERIAL NOT NULL, "created" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "rubric_id" integer NOT NULL, "generated_note_id" integer NOT NULL, "scoring_result" jsonb NOT NULL, "overall_score" double precision NOT NULL, "text_llm_vendor" text NOT NULL DEFAULT '', "text_llm_name" text NOT NULL DEFAULT '', "temperature" double precision NOT NULL DEFAULT '0', "prompt_version" text NOT NULL DEFAULT '', "input_tokens" integer NOT NULL DEFAULT '0', "output_tokens" integer NOT NULL DEFAULT '0', "cost_usd" numeric(14,6) NOT NULL DEFAULT '0', "duration_ms" integer NOT NULL DEFAULT '0', CONSTRAINT "PK_1770f42c61451103f5514134078" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "experiment_result_score" ("created" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "status" "public"."job_status" NOT NULL DEFAULT 'planned', "failed" boolean, "errors" jsonb NOT NULL DEFAULT '[]'::jsonb, "attempts" integer NOT NULL DEFAULT '0', "run_id" integer, "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, "duration_ms" integer, "lease_expires_at" TIMESTAMP WITH TIME ZONE, "input_tokens" integer NOT NULL DEFAULT '0', "output_tokens" integer NOT NULL DEFAULT '0', "cost_usd" numeric(14,6) NOT NULL DEFAULT '0', "text_llm_vendor" text NOT NULL DEFAULT '', "text_llm_name" text NOT NULL DEFAULT '', "id" SERIAL NOT NULL, "experiment_result_id" integer NOT NULL, "experiment_id" integer NOT NULL, "rubric_id" integer NOT NULL, "grade_replication" integer NOT NULL, "score_id" integer, CONSTRAINT "experiment_result_score_job_key" UNIQUE ("experiment_result_id", "rubric_id", "grade_replication"), CONSTRAINT "PK_326f92aedf8b2bf9f9d2f3b11f3" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "experiment_result_score_experiment_status_idx" ON "experiment_result_score"  ("experiment_id", "status") `,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."run_status" AS ENUM('running', 'finished', 'cancelled', 'interrupted', 'failed')`,
    );
    await queryRunner.query(
      `CREATE TABLE "experiment_run" ("id" SERIAL NOT NULL, "created" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "experiment_id" integer NOT NULL, "status" "public"."run_status" NOT NULL DEFAULT 'running', "workers" integer NOT NULL, "max_attempts" integer NOT NULL, "retry_failed" boolean NOT NULL DEFAULT false, "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, "heartbeat_at" TIMESTAMP WITH TIME ZONE, "owner_id" text, "skipped_cases" jsonb NOT NULL DEFAULT '[]'::jsonb, "error" text, CONSTRAINT "PK_fd542e718dcf0f9e916708f05d1" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "experiment_run_one_active_idx" ON "experiment_run"  ("experiment_id") WHERE "status" = 'running'`,
    );
    await queryRunner.query(
      `ALTER TABLE "experiment_case" ADD CONSTRAINT "FK_2d89484be1687689fd8cee7518e" FOREIGN KEY ("experiment_id") REFERENCES "experiment"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "experiment_case" ADD CONSTRAINT "FK_2ccdcc529530d5b65dd3b06e7f9" FOREIGN KEY ("case_id") REFERENCES "case"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "experiment_model" ADD CONSTRAINT "FK_35364481122c87fae107d6f4db8" FOREIGN KEY ("experiment_id") REFERENCES "experiment"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "experiment_model" ADD CONSTRAINT "FK_185e5743973d8544eb879ee8f05" FOREIGN KEY ("model_note_generator_id") REFERENCES "model"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "experiment_model" ADD CONSTRAINT "FK_b9ddf37e6435f9a05718ec5ffc9" FOREIGN KEY ("model_note_grader_id") REFERENCES "model"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "generated_note" ADD CONSTRAINT "FK_523d3060a9cd183efef9521e468" FOREIGN KEY ("case_id") REFERENCES "case"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "experiment_result" ADD CONSTRAINT "FK_04fbb79abe12ac2d80de10b7058" FOREIGN KEY ("experiment_id") REFERENCES "experiment"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "experiment_result" ADD CONSTRAINT "FK_fff683c41a5963563e151f58a60" FOREIGN KEY ("case_id") REFERENCES "case"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "experiment_result" ADD CONSTRAINT "FK_4000aa1dce74195ce28794c7731" FOREIGN KEY ("experiment_model_id") REFERENCES "experiment_model"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "experiment_result" ADD CONSTRAINT "FK_4588b1b2fd1fe0b1a1c91064162" FOREIGN KEY ("generated_note_id") REFERENCES "generated_note"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "rubric" ADD CONSTRAINT "FK_602a29aa9d2fd957be6ac875222" FOREIGN KEY ("case_id") REFERENCES "case"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "rubric" ADD CONSTRAINT "FK_0b6df1c6eac0d0062a48680067f" FOREIGN KEY ("parent_rubric_id") REFERENCES "rubric"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "score" ADD CONSTRAINT "FK_3df7e6d2fa2e928cb03ed00be3e" FOREIGN KEY ("rubric_id") REFERENCES "rubric"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "score" ADD CONSTRAINT "FK_872d0a1cc35d5802888b0c41cf2" FOREIGN KEY ("generated_note_id") REFERENCES "generated_note"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "experiment_result_score" ADD CONSTRAINT "FK_71b6f25b10a36e9b0d54213a4e9" FOREIGN KEY ("experiment_result_id") REFERENCES "experiment_result"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "experiment_result_score" ADD CONSTRAINT "FK_79f36fbce3583eb2f20e45abe54" FOREIGN KEY ("experiment_id") REFERENCES "experiment"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "experiment_result_score" ADD CONSTRAINT "FK_2a744b81ef2583c44c915d825a4" FOREIGN KEY ("rubric_id") REFERENCES "rubric"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "experiment_result_score" ADD CONSTRAINT "FK_8cadef48d8a8c000763168e52a6" FOREIGN KEY ("score_id") REFERENCES "score"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "experiment_run" ADD CONSTRAINT "FK_b4fabdef9eba1bfeafb45ebb15e" FOREIGN KEY ("experiment_id") REFERENCES "experiment"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "experiment_run" DROP CONSTRAINT "FK_b4fabdef9eba1bfeafb45ebb15e"`);
    await queryRunner.query(`ALTER TABLE "experiment_result_score" DROP CONSTRAINT "FK_8cadef48d8a8c000763168e52a6"`);
    await queryRunner.query(`ALTER TABLE "experiment_result_score" DROP CONSTRAINT "FK_2a744b81ef2583c44c915d825a4"`);
    await queryRunner.query(`ALTER TABLE "experiment_result_score" DROP CONSTRAINT "FK_79f36fbce3583eb2f20e45abe54"`);
    await queryRunner.query(`ALTER TABLE "experiment_result_score" DROP CONSTRAINT "FK_71b6f25b10a36e9b0d54213a4e9"`);
    await queryRunner.query(`ALTER TABLE "score" DROP CONSTRAINT "FK_872d0a1cc35d5802888b0c41cf2"`);
    await queryRunner.query(`ALTER TABLE "score" DROP CONSTRAINT "FK_3df7e6d2fa2e928cb03ed00be3e"`);
    await queryRunner.query(`ALTER TABLE "rubric" DROP CONSTRAINT "FK_0b6df1c6eac0d0062a48680067f"`);
    await queryRunner.query(`ALTER TABLE "rubric" DROP CONSTRAINT "FK_602a29aa9d2fd957be6ac875222"`);
    await queryRunner.query(`ALTER TABLE "experiment_result" DROP CONSTRAINT "FK_4588b1b2fd1fe0b1a1c91064162"`);
    await queryRunner.query(`ALTER TABLE "experiment_result" DROP CONSTRAINT "FK_4000aa1dce74195ce28794c7731"`);
    await queryRunner.query(`ALTER TABLE "experiment_result" DROP CONSTRAINT "FK_fff683c41a5963563e151f58a60"`);
    await queryRunner.query(`ALTER TABLE "experiment_result" DROP CONSTRAINT "FK_04fbb79abe12ac2d80de10b7058"`);
    await queryRunner.query(`ALTER TABLE "generated_note" DROP CONSTRAINT "FK_523d3060a9cd183efef9521e468"`);
    await queryRunner.query(`ALTER TABLE "experiment_model" DROP CONSTRAINT "FK_b9ddf37e6435f9a05718ec5ffc9"`);
    await queryRunner.query(`ALTER TABLE "experiment_model" DROP CONSTRAINT "FK_185e5743973d8544eb879ee8f05"`);
    await queryRunner.query(`ALTER TABLE "experiment_model" DROP CONSTRAINT "FK_35364481122c87fae107d6f4db8"`);
    await queryRunner.query(`ALTER TABLE "experiment_case" DROP CONSTRAINT "FK_2ccdcc529530d5b65dd3b06e7f9"`);
    await queryRunner.query(`ALTER TABLE "experiment_case" DROP CONSTRAINT "FK_2d89484be1687689fd8cee7518e"`);
    await queryRunner.query(`DROP INDEX "public"."experiment_run_one_active_idx"`);
    await queryRunner.query(`DROP TABLE "experiment_run"`);
    await queryRunner.query(`DROP TYPE "public"."run_status"`);
    await queryRunner.query(`DROP INDEX "public"."experiment_result_score_experiment_status_idx"`);
    await queryRunner.query(`DROP TABLE "experiment_result_score"`);
    await queryRunner.query(`DROP TABLE "score"`);
    await queryRunner.query(`DROP INDEX "public"."rubric_case_validation_idx"`);
    await queryRunner.query(`DROP TABLE "rubric"`);
    await queryRunner.query(`DROP TYPE "public"."rubric_validation"`);
    await queryRunner.query(`DROP INDEX "public"."experiment_result_experiment_status_idx"`);
    await queryRunner.query(`DROP TABLE "experiment_result"`);
    await queryRunner.query(`DROP TABLE "generated_note"`);
    await queryRunner.query(`DROP TABLE "experiment_model"`);
    await queryRunner.query(`DROP TABLE "model"`);
    await queryRunner.query(`DROP TABLE "experiment_case"`);
    await queryRunner.query(`DROP TABLE "experiment"`);
    await queryRunner.query(`DROP TABLE "case"`);
    await queryRunner.query(`DROP TYPE "public"."case_validation_status"`);
    await queryRunner.query(`DROP TYPE "public"."job_status"`);
  }
}
