/**
 * Registers the codex-convex component in a host app's convex-test instance:
 *
 * ```ts
 * import { convexTest } from "convex-test";
 * import { register } from "codex-convex/test";
 * const t = convexTest({ schema, modules, transactionLimits: true });
 * register(t); // mounted as "codex", as `app.use(codex)` does
 * ```
 */
import type { TestConvex } from "convex-test";
import type { GenericSchema, SchemaDefinition } from "convex/server";
import schema from "../../convex/schema.js";

/** The component's function modules, for convex-test's module loader. */
export const modules = import.meta.glob(["../../convex/**/*.ts", "!../../convex/**/*.test.ts"]);

/** The component's schema. */
export { schema };

/**
 * Registers the component under `name` in `t`.
 * @param t - A convex-test instance of the host app.
 * @param name - The name the host mounts it as (default `"codex"`).
 */
export function register(
  t: TestConvex<SchemaDefinition<GenericSchema, boolean>>,
  name = "codex",
): void {
  t.registerComponent(name, schema, modules);
}
