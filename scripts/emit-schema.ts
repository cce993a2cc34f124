/** `npm run schema`: writes schema.graphql from the code (committed, so API changes show in review). */
import path from "node:path";
import { makeSchema } from "../src/schema";

const target = path.resolve(__dirname, "..", "schema.graphql");
makeSchema({ emitSchemaFile: target }).then(
  () => console.log(`wrote ${target}`),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
