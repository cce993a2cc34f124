/**
 * Every installed package accepts the Node versions this project supports, so that `npm ci` on the
 * Node the README names prints no EBADENGINE warning. `@whatwg-node/promise-helpers` 2.x (through
 * @apollo/server → @graphql-tools/utils) declares Node ≥ 22.15: package.json's `overrides` pins the
 * 1.3 line, which exports everything @graphql-tools/utils uses and declares Node ≥ 16.
 */
import fs from "node:fs";
import path from "node:path";
import semver from "semver";

const ROOT = path.resolve(__dirname, "..");
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));

test("every package in the lock file declares engines that include our lowest supported Node and the one running", () => {
  const lowest = semver.minVersion(readJson("package.json").engines.node)!.version;
  const lock: { packages: Record<string, { engines?: { node?: string } | string[] }> } = readJson("package-lock.json");
  const refusing: string[] = [];
  let checked = 0;
  for (const [name, entry] of Object.entries(lock.packages)) {
    const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (!range) continue;
    checked++;
    for (const version of [lowest, process.versions.node]) {
      if (!semver.satisfies(version, range)) refusing.push(`${name} wants node ${range}, not ${version}`);
    }
  }
  expect(checked).toBeGreaterThan(100);
  expect(refusing).toEqual([]);
});
