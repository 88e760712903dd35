import { defineComponent } from "convex/server";

/**
 * The codex-convex component. A host app mounts it with
 * `app.use(codex)` (default name `codex`) in its own `convex.config.ts`.
 */
const component = defineComponent("codex");

export default component;
