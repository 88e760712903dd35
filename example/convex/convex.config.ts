import { defineApp } from "convex/server";
import codex from "../../convex/convex.config.js";

/** The example host app: mounts the codex-convex component as `codex`. */
const app = defineApp();
app.use(codex);

export default app;
