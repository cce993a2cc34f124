/**
 * Tests run as CommonJS through ts-jest. jest's own module loader cannot require() ESM on Node 20,
 * so the ESM-only packages that tests reach (p-queue and its dependencies) are transformed too.
 * The embedded Postgres's platform package is ESM-only as well, but src/db only resolves its
 * binaries' paths and never loads it, so it stays out of the transform list.
 */
const esmPackages = ["p-queue", "p-timeout", "eventemitter3"].join("|");

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.tsx?$": ["ts-jest", { tsconfig: "tsconfig.json" }],
    "^.+\\.m?jsx?$": ["ts-jest", { tsconfig: { allowJs: true }, diagnostics: false }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages})/)`],
  globalSetup: "<rootDir>/test/support/global-setup.ts",
  globalTeardown: "<rootDir>/test/support/global-teardown.ts",
  testTimeout: 30000,
  maxWorkers: 2,
};
