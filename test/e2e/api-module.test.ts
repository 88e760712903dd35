/**
 * Issue 8 item 3: the host module holding the bridge's wrappers is
 * configurable. A host that exports them from `convex/bridge/agent.ts` (and has
 * no `convex/codex.ts`) is reached with `--api bridge/agent` or
 * `CODEX_CONVEX_API=bridge/agent`; without it, the bridge stops at once on
 * FUNCTION_NOT_FOUND (exit 3) and says to check --api.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { EXIT_PUSH_STOPPED } from "../../src/bridge/cli/output.js";
import { makeCodexHome, type CodexHome } from "../stand-ins/codex-home.js";
import { createConvexApp, nodeModuleMap } from "../stand-ins/convexApp.js";
import { startConvexHttpStandIn, type ConvexHttpStandIn } from "../stand-ins/convexHttpStandIn.js";
import { startScriptedModel, type ScriptedModel } from "../stand-ins/model-server.js";
import { REPO_ROOT, runCli } from "../support/cli.js";

let model: ScriptedModel;
let home: CodexHome;
let work: string;
let convex: ConvexHttpStandIn;

beforeEach(async () => {
  model = await startScriptedModel({ script: [], fallbackText: "Hi." });
  home = await makeCodexHome({ modelUrl: model.url });
  work = await mkdtemp(path.join(os.tmpdir(), "codex-convex-api-"));
  const app = Object.fromEntries(Object.entries(nodeModuleMap("example/convex")).filter(([file]) => !file.endsWith(`${path.sep}codex.ts`)));
  app[path.join(REPO_ROOT, "example/convex/bridge/agent.ts")] = () => import("../support/otherApiModule.js");
  convex = await startConvexHttpStandIn(createConvexApp({ app, component: nodeModuleMap("convex") }));
});

afterEach(async () => {
  await convex.close();
  await model.close();
  await home.cleanup();
  await rm(work, { recursive: true, force: true });
});

describe("--api", () => {
  test("reaches wrappers in another module by flag or env; the default stops on FUNCTION_NOT_FOUND", async () => {
    const env = { ...home.env, CONVEX_URL: convex.url, CODEX_CONVEX_AUTH_TOKEN: "alice" };
    const args = (n: number) => ["run", "Say hi.", "--cwd", work, "--outbox", path.join(work, `outbox-${n}.sqlite`), "--json"];

    const byFlag = await runCli([...args(1), "--api", "bridge/agent"], env);
    expect(byFlag.stderr).not.toMatch(/unexpected error/);
    expect(byFlag.code).toBe(0);
    expect(JSON.parse(byFlag.stdout)).toMatchObject({ status: "completed", drained: true, pushStopped: null });

    const byEnv = await runCli(args(2), { ...env, CODEX_CONVEX_API: "bridge/agent" });
    expect(byEnv.code).toBe(0);

    const byDefault = await runCli(args(3), env);
    expect(byDefault.code).toBe(EXIT_PUSH_STOPPED);
    expect(JSON.parse(byDefault.stdout)).toMatchObject({ pushStopped: { code: "FUNCTION_NOT_FOUND" } });
    expect(byDefault.stderr).toMatch(/codex:ensureSession/);
    expect(byDefault.stderr).toMatch(/--api/);

    const bad = await runCli([...args(4), "--api", "codex.ts"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/INVALID_ARGUMENT.*file extension/);
  });
});
