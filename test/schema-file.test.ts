import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { makeSchema } from "../src/schema";

test("schema.graphql is what the code generates (run `npm run schema` after an API change)", async () => {
  const fresh = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "schema-")), "schema.graphql");
  await makeSchema({ emitSchemaFile: fresh });
  const committed = fs.readFileSync(path.join(__dirname, "..", "schema.graphql"), "utf8");
  expect(committed).toBe(fs.readFileSync(fresh, "utf8"));
});
