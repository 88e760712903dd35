/**
 * The example host app's bridge wrappers under another module name, for the
 * `--api` tests: mounted by `test/e2e/api-module.test.ts` as
 * `convex/bridge/agent.ts` (functions `bridge/agent:ensureSession`, ...).
 */
export { ensureSession, ingestSafe } from "../../example/convex/codex.js";
