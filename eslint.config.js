// @ts-check
import js from "@eslint/js";
import convexPlugin from "@convex-dev/eslint-plugin";
import tseslint from "typescript-eslint";

/** Node built-ins, by bare name, that only src/bridge may import. */
const NODE_BUILTINS = [
  "fs", "fs/promises", "path", "os", "child_process", "net", "http", "https", "crypto",
  "stream", "readline", "worker_threads", "url", "util", "events", "process", "zlib", "tty",
];

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      "**/_generated/**",
      "src/bridge/codex/protocol/generated/**",
      "example/web/dist/**",
      ".scratch/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...convexPlugin.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Index-only reads: a `.filter` over a table is a scan whose cost grows with the table.
    files: ["convex/**/*.ts"],
    rules: { "@convex-dev/no-filter-in-query": "error" },
  },
  {
    // The architecture's boundary: processes, files and SQLite live in src/bridge only.
    files: ["convex/**/*.ts", "src/shared/**/*.ts", "src/host/**/*.ts", "src/react/**/*.{ts,tsx}", "src/test/**/*.ts"],
    ignores: ["**/*.test.ts", "**/*.test.tsx"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["node:*"], message: "Only src/bridge may use Node built-ins; this code runs in Convex or the browser." },
            { group: ["better-sqlite3"], message: "SQLite belongs to the bridge's outbox (src/bridge)." },
            { group: ["**/bridge/**", "../bridge/*"], message: "Only the CLI and tests import the bridge." },
          ],
          paths: NODE_BUILTINS.map((name) => ({
            name,
            message: "Only src/bridge may use Node built-ins; this code runs in Convex or the browser.",
          })),
        },
      ],
    },
  },
);
