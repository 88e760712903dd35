import { defineConfig } from "vitest/config";

/**
 * Three projects: Convex code (the component, host helpers, hooks' pure logic) runs
 * in the edge runtime as it does on a Convex backend; the bridge and end-to-end
 * tests run in Node, where processes, files and SQLite live; DOM tests render
 * the hooks and the example page in happy-dom.
 */
export default defineConfig({
  test: {
    typecheck: { enabled: true, tsconfig: "./tsconfig.json", include: ["**/*.test-d.ts"] },
    projects: [
      {
        extends: true,
        test: {
          name: "convex",
          environment: "edge-runtime",
          include: ["convex/**/*.test.ts", "src/host/**/*.test.ts", "src/shared/**/*.test.ts", "src/react/**/*.test.ts", "example/convex/**/*.test.ts"],
          server: { deps: { inline: ["convex-test"] } },
          // A busy 2-core CI machine runs convex-test several times slower than a
          // quiet one; heavy tests set HEAVY_TEST_TIMEOUT_MS (test/support/component.ts).
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          // The hooks and the example page's components rendered in a DOM, through
          // the real ConvexReactClient and the sync-protocol stand-in.
          name: "dom",
          environment: "happy-dom",
          include: ["test/dom/**/*.test.tsx"],
          // The type tests (*.test-d.ts) already run in the other projects.
          typecheck: { enabled: false },
          server: { deps: { inline: ["convex-test"] } },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "node",
          environment: "node",
          include: ["src/bridge/**/*.test.ts", "test/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
