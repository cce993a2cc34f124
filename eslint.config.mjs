import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", "scratch/", "test-output/", "**/*.mjs", "*.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-function-type": "off",
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The dashboard's browser modules: plain JS, checked for undefined names (a split view once missed one).
    files: ["src/dashboard/public/**/*.js"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: "module",
      globals: Object.fromEntries(
        [
          "document",
          "window",
          "location",
          "history",
          "URLSearchParams",
          "Node",
          "console",
          "setTimeout",
          "clearTimeout",
          "setInterval",
          "clearInterval",
          "fetch",
          "graphqlWs",
          "Intl",
          "navigator",
          "WebSocket",
          "confirm",
          "localStorage",
          "alert",
        ].map((g) => [g, "readonly"]),
      ),
    },
    rules: { "no-undef": "error" },
  },
);
