/**
 * Issue 7 item 3: the bridge's credentials never reach the model. The real
 * `codex app-server` runs a turn whose model runs `env`; what the bridge then
 * sends to Convex (every `ingestSafe` request body, recorded on the wire) holds
 * the command's output, an innocuous variable among it, and none of our
 * credentials: not the auth token given to the transport (even under another
 * variable's name), not `CODEX_CONVEX_*`, not a Convex deploy key.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { run } from "../../src/bridge/jobs/run.js";
import { ConvexHttpTransport } from "../../src/bridge/push/convexHttpTransport.js";
import { makeCodexHome, type CodexHome } from "../stand-ins/codex-home.js";
import { createConvexApp } from "../stand-ins/convexApp.js";
import { startConvexHttpStandIn, type ConvexHttpStandIn } from "../stand-ins/convexHttpStandIn.js";
import { startScriptedModel, type ScriptedModel } from "../stand-ins/model-server.js";

const TOKEN = "flag-given-auth-token-7f3a9c";
const ENV_TOKEN = "env-auth-token-51be0d";
const DEVICE_SECRET = "device-secret-0c4e22";
const DEPLOY_KEY = "prod:happy-animal-123|deploy-key-9d8e";
const INNOCUOUS = "INNOCUOUS_MARKER=visible-innocuous-value";

let model: ScriptedModel;
let home: CodexHome;
let work: string;
let convex: ConvexHttpStandIn;

beforeEach(async () => {
  model = await startScriptedModel({ script: [[{ type: "shell", command: "env" }], [{ type: "message", text: "Listed.", chunks: 1 }]] });
  home = await makeCodexHome({ modelUrl: model.url });
  work = await mkdtemp(path.join(os.tmpdir(), "codex-convex-env-"));
  convex = await startConvexHttpStandIn(createConvexApp());
});

afterEach(async () => {
  await convex.close();
  await model.close();
  await home.cleanup();
  await rm(work, { recursive: true, force: true });
});

describe("codex's environment", () => {
  test("a turn that runs `env` shows none of the bridge's credentials to the model or to Convex", async () => {
    const bodies: string[] = [];
    const recording: typeof fetch = async (input, init) => {
      if (typeof init?.body === "string") bodies.push(init.body);
      return fetch(input, init);
    };
    const summary = await run({
      prompt: "List the environment.",
      cwd: work,
      transport: new ConvexHttpTransport({ url: convex.url, authToken: TOKEN, fetch: recording }),
      outboxPath: path.join(work, "outbox.sqlite"),
      codexEnv: {
        ...home.env,
        CODEX_CONVEX_AUTH_TOKEN: ENV_TOKEN,
        CODEX_CONVEX_DEVICE: DEVICE_SECRET,
        CONVEX_DEPLOY_KEY: DEPLOY_KEY,
        CONVEX_URL: convex.url,
        COPY_OF_FLAG: TOKEN,
        INNOCUOUS_MARKER: "visible-innocuous-value",
      },
    });
    expect(summary).toMatchObject({ status: "completed", drained: true });
    const sent = bodies.join("\n");
    // The command ran and its output reached Convex...
    expect(sent).toContain(INNOCUOUS);
    expect(sent).toContain(`CONVEX_URL=${convex.url}`);
    // ...without any of our credentials, under any name.
    for (const secret of [TOKEN, ENV_TOKEN, DEVICE_SECRET, DEPLOY_KEY, "CODEX_CONVEX_", "CONVEX_DEPLOY_KEY", "COPY_OF_FLAG"]) {
      expect(sent).not.toContain(secret);
    }
    // The model provider got the same output back as the tool result.
    const toModel = JSON.stringify(model.responseRequests());
    expect(toModel).toContain("visible-innocuous-value");
    expect(toModel).not.toContain(TOKEN);
    expect(toModel).not.toContain(ENV_TOKEN);
  });
});
