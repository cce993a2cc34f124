import type { DataSource } from "typeorm";
import { openDatabase } from "../src/db/data-source";
import { createTestDatabase } from "./support/database";

describe("migrations", () => {
  let dataSource: DataSource;
  beforeAll(async () => {
    dataSource = await openDatabase({ url: await createTestDatabase(), poolSize: 2 });
  });
  afterAll(() => dataSource.destroy());

  test("leave nothing for the entities to change (no migration is missing)", async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  test("running them again on an up-to-date database does nothing", async () => {
    const ran = await dataSource.runMigrations({ transaction: "all" });
    expect(ran).toEqual([]);
    expect(await dataSource.showMigrations()).toBe(false);
  });
});
