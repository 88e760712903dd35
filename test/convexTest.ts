/**
 * A convex-test instance of the example host app with the component mounted,
 * with Convex's transaction limits enforced. Shared by the component tests,
 * the bridge tests and the demo.
 */
import { convexTest } from "convex-test";
import type { GenericMutationCtx } from "convex/server";
import type { DataModel } from "../convex/_generated/dataModel.js";
import schema from "../example/convex/schema.js";
import { register } from "../src/test/index.js";

const modules = import.meta.glob(["../example/convex/**/*.ts", "!../example/convex/**/*.test.ts"]);

/** A fresh in-memory Convex with the example host app and the component. */
export function initConvexTest() {
  const t = convexTest({ schema, modules, transactionLimits: true });
  register(t);
  return t;
}

export type TestConvexApp = ReturnType<typeof initConvexTest>;

type ComponentCtx = GenericMutationCtx<DataModel>;

/**
 * Runs `fn` with a mutation ctx inside the mounted component, to inspect its
 * tables. convex-test provides `runInComponent` at run time without typing it.
 */
export async function runInCodex<T>(t: TestConvexApp, fn: (ctx: ComponentCtx) => Promise<T>): Promise<T> {
  const runInComponent = (t as unknown as {
    runInComponent: (path: string, f: (ctx: ComponentCtx) => Promise<T>) => Promise<T>;
  }).runInComponent;
  if (typeof runInComponent !== "function") {
    throw new Error("This convex-test version has no runInComponent; pin convex-test to a version that does.");
  }
  return runInComponent("codex", fn);
}
