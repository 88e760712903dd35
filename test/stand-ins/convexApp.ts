/**
 * A local stand-in for a Convex deployment: the example host app with the
 * codex-convex component mounted, run in memory by convex-test (with Convex's
 * transaction limits enforced). Used by the demo, the bridge tests and the
 * loopback HTTP stand-in; it is not a Convex backend.
 *
 * Under vitest, pass `import.meta.glob` maps; under plain Node (tsx), call
 * {@link nodeModuleMap}, which builds the same maps from the file system.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { convexTest } from "convex-test";
import type { GenericMutationCtx } from "convex/server";
import type { DataModel } from "../../convex/_generated/dataModel.js";
import componentSchema from "../../convex/schema.js";
import appSchema from "../../example/convex/schema.js";

export type ModuleMap = Record<string, () => Promise<unknown>>;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The function modules of a Convex folder (relative to the repo root) as
 * convex-test's module map, skipping tests. Keys are absolute paths.
 */
export function nodeModuleMap(folder: string): ModuleMap {
  const root = path.join(ROOT, folder);
  const map: ModuleMap = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".d.ts")) {
        map[file] = () => import(pathToFileURL(file).href);
      }
    }
  };
  walk(root);
  return map;
}

/**
 * A fresh in-memory example app with the component mounted as `codex`.
 * @param modules - `{ app, component }` module maps; defaults to {@link nodeModuleMap}.
 */
export function createConvexApp(modules?: { app: ModuleMap; component: ModuleMap }) {
  const app = modules?.app ?? nodeModuleMap("example/convex");
  const component = modules?.component ?? nodeModuleMap("convex");
  const t = convexTest({ schema: appSchema, modules: app, transactionLimits: true });
  t.registerComponent("codex", componentSchema, component);
  return t;
}

export type ConvexApp = ReturnType<typeof createConvexApp>;

/**
 * Runs `fn` with a mutation ctx inside the mounted component, to inspect its
 * tables. convex-test provides `runInComponent` at run time without typing it.
 * @throws Error when the installed convex-test lacks `runInComponent`.
 */
export async function runInCodex<T>(
  t: ConvexApp,
  fn: (ctx: GenericMutationCtx<DataModel>) => Promise<T>,
): Promise<T> {
  const runInComponent = (t as unknown as {
    runInComponent?: (name: string, f: typeof fn) => Promise<T>;
  }).runInComponent;
  if (typeof runInComponent !== "function") {
    throw new Error("This convex-test version has no runInComponent; pin convex-test to one that does.");
  }
  return runInComponent("codex", fn);
}
