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
import { createConvexApp, runInCodex, type ConvexApp } from "../stand-ins/convexApp.js";
import { startConvexHttpStandIn, type ConvexHttpStandIn } from "../stand-ins/convexHttpStandIn.js";
import { startScriptedModel, type ScriptedModel } from "../stand-ins/model-server.js";
import { runCli } from "../support/cli.js";

const TOKEN = "flag-given-auth-token-7f3a9c";
const ENV_TOKEN = "env-auth-token-51be0d";
const DEVICE_SECRET = "device-secret-0c4e22";
const DEPLOY_KEY = "prod:happy-animal-123|deploy-key-9d8e";
const INNOCUOUS = "INNOCUOUS_MARKER=visible-innocuous-value";

let model: ScriptedModel;
let home: CodexHome;
let work: string;
let convex: ConvexHttpStandIn;
let t: ConvexApp;

/**
 * Prints the environment, then the command lines (what `ps` shows) of the
 * shell's ancestors up to the bridge: the shell, codex, the bridge process.
 */
const LOOK_AROUND =
  "env; p=$$; for i in 1 2 3 4 5 6; do c=$(tr '\\0' ' ' < /proc/$p/cmdline); echo \"cmdline: $c\"; " +
  "case \"$c\" in *codex-conve[x]*) break;; esac; p=$(awk '{print $4}' /proc/$p/stat); done";

/** Fails naming `needle` only (the haystack holds a whole environment: not worth printing). */
function expectAbsent(haystack: string, needle: string): void {
  expect(haystack.includes(needle), `found ${JSON.stringify(needle)}`).toBe(false);
}

function expectPresent(haystack: string, needle: string): void {
  expect(haystack.includes(needle), `missing ${JSON.stringify(needle)}`).toBe(true);
}

beforeEach(async () => {
  model = await startScriptedModel({ script: [[{ type: "shell", command: LOOK_AROUND }], [{ type: "message", text: "Listed.", chunks: 1 }]] });
  home = await makeCodexHome({ modelUrl: model.url });
  work = await mkdtemp(path.join(os.tmpdir(), "codex-convex-env-"));
  t = createConvexApp();
  convex = await startConvexHttpStandIn(t);
});

/** Everything the component stored, as text (without `userId`: the stand-in derives it from the token). */
async function stored(): Promise<string> {
  const tables = ["sessions", "threads", "turns", "messages", "streams", "deltas", "parts", "events", "serverRequests"] as const;
  const docs = await runInCodex(t, (ctx) => Promise.all(tables.map((table) => ctx.db.query(table).collect())));
  return JSON.stringify(docs, (key, value: unknown) => (key === "userId" ? undefined : value));
}

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
    expectPresent(sent, INNOCUOUS);
    expectPresent(sent, `CONVEX_URL=${convex.url}`);
    // ...without any of our credentials, under any name.
    for (const secret of [TOKEN, ENV_TOKEN, DEVICE_SECRET, DEPLOY_KEY, "CODEX_CONVEX_", "CONVEX_DEPLOY_KEY", "COPY_OF_FLAG"]) {
      expectAbsent(sent, secret);
    }
    // The model provider got the same output back as the tool result.
    const toModel = JSON.stringify(model.responseRequests());
    expectPresent(toModel, "visible-innocuous-value");
    expectAbsent(toModel, TOKEN);
    expectAbsent(toModel, ENV_TOKEN);
  });

  test("the CLI keeps a flag-given token out of the environment and of the command lines codex's commands can list", async () => {
    const result = await runCli(["run", "Look around.", "--cwd", work, "--auth-token", TOKEN, "--json"], {
      ...home.env,
      CONVEX_URL: convex.url,
      CONVEX_DEPLOY_KEY: DEPLOY_KEY,
      COPY_OF_FLAG: TOKEN,
      INNOCUOUS_MARKER: "visible-innocuous-value",
    });
    expect(result.stderr).not.toMatch(/unexpected error/);
    expect(result.code).toBe(0);
    const text = await stored();
    for (const secret of [TOKEN, DEPLOY_KEY, "COPY_OF_FLAG", "--auth-token"]) expectAbsent(text, secret);
    expectPresent(text, INNOCUOUS); // env ran
    expectPresent(text, "app-server"); // the ancestors' command lines were listed, codex's among them
    expectPresent(text, "cmdline: codex-convex run"); // and the bridge's, with its flags hidden
  });
});
