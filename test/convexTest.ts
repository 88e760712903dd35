/**
 * The local Convex stand-in (test/stand-ins/convexApp.ts) with vitest's
 * `import.meta.glob` module maps, for tests in the edge runtime, plus the
 * test-only module `testHost` (test/support/testHost.ts).
 */
import { createConvexApp, runInCodex, type ConvexApp } from "./stand-ins/convexApp.js";

const app = {
  ...import.meta.glob(["../example/convex/**/*.ts", "!../example/convex/**/*.test.ts"]),
  // Test-only host functions (raw reasoning, transaction metrics), as module `testHost`.
  "../example/convex/testHost.ts": () => import("./support/testHost.js"),
};
const component = import.meta.glob(["../convex/**/*.ts", "!../convex/**/*.test.ts"]);

/** A fresh in-memory Convex with the example host app and the component. */
export function initConvexTest(): ConvexApp {
  return createConvexApp({ app, component });
}

export type TestConvexApp = ConvexApp;
export { runInCodex };
