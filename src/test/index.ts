/**
 * Registers the codex-convex component in a host app's convex-test instance
 * (`codex-convex/test`):
 *
 * ```ts
 * import { convexTest } from "convex-test";
 * import { register } from "codex-convex/test";
 * import schema from "./schema";
 * const modules = import.meta.glob("./**\/*.*s");
 * const t = convexTest(schema, modules);
 * register(t); // mounted as "codex", as `app.use(codex)` does
 * ```
 *
 * The component's modules come as a static map of dynamic imports (see
 * `modules.ts`, written by `npm run codegen`), not `import.meta.glob`, so it
 * works from the installed package whether vitest transforms it or Node loads
 * it as is (vitest leaves packages in node_modules to Node).
 */
import type { TestConvex } from "convex-test";
import type { GenericSchema, SchemaDefinition } from "convex/server";
import schema from "../../convex/schema.js";
import { modules } from "./modules.js";

/** The component's function modules, for convex-test's module loader. */
export { modules };

/** The component's schema. */
export { schema };

/**
 * Registers the component under `name` in `t`.
 * @param t - A convex-test instance of the host app.
 * @param name - The name the host mounts it as (default `"codex"`, as
 *   `app.use(codex)` does; pass the `name` given to `app.use(codex, { name })`).
 */
export function register(
  t: TestConvex<SchemaDefinition<GenericSchema, boolean>>,
  name = "codex",
): void {
  t.registerComponent(name, schema, modules);
}
