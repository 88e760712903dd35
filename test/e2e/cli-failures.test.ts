/**
 * `codex-convex run` fails fast and says why when codex cannot work: no
 * login, no network to the model, a broken config, a model that refuses the
 * key. Real codex binary, real CLI process; each case bounded by an explicit
 * timeout far above what it needs.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeCodexHome, TEST_KEY_ENV, TEST_PROVIDER_ID } from "../stand-ins/codex-home.js";
import { createConvexApp } from "../stand-ins/convexApp.js";
import { startConvexHttpStandIn, type ConvexHttpStandIn } from "../stand-ins/convexHttpStandIn.js";
import { runCli } from "../support/cli.js";

/** Generous bound for one failing run; the failures below need a few seconds each. */
const CASE_TIMEOUT_MS = 90_000;

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A CODEX_HOME with `config`, and the environment to run codex with it (no real keys). */
async function home(root: string, name: string, config: string): Promise<NodeJS.ProcessEnv> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "config.toml"), config, "utf8");
  const env: NodeJS.ProcessEnv = { ...process.env, CODEX_HOME: dir, [TEST_KEY_ENV]: "test-key", RUST_LOG: "error" };
  for (const key of ["OPENAI_API_KEY", "CODEX_API_KEY", "CODEX_ACCESS_TOKEN", "OPENAI_BASE_URL"]) delete env[key];
  return env;
}

/** A provider at `baseUrl` with codex's default retry behaviour (which retries a lost connection without end). */
function providerConfig(baseUrl: string): string {
  return [
    `model = "gpt-5.5"`,
    `model_provider = "${TEST_PROVIDER_ID}"`,
    `approval_policy = "never"`,
    `sandbox_mode = "danger-full-access"`,
    `check_for_update_on_startup = false`,
    `[model_providers.${TEST_PROVIDER_ID}]`,
    `name = "test"`,
    `base_url = "${baseUrl}"`,
    `env_key = "${TEST_KEY_ENV}"`,
    `wire_api = "responses"`,
    `[analytics]`,
    `enabled = false`,
    "",
  ].join("\n");
}

describe("run fails fast and says why", () => {
  let root: string;
  let work: string;
  let convex: ConvexHttpStandIn;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "codex-convex-fail-"));
    work = path.join(root, "work");
    await mkdir(work);
    convex = await startConvexHttpStandIn(createConvexApp());
  });
  afterAll(async () => {
    await convex.close();
    await rm(root, { recursive: true, force: true });
  });

  const run = (env: NodeJS.ProcessEnv, extra: string[] = []) =>
    runCli(["run", "hello", "--cwd", work, "--convex-url", convex.url, "--auth-token", "alice", ...extra], env, CASE_TIMEOUT_MS);

  test(
    "no codex login: CODEX_NOT_SIGNED_IN before the turn starts, exit 2",
    async () => {
      const env = await home(root, "no-login", "check_for_update_on_startup = false\n");
      const started = Date.now();
      const result = await run(env);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/\[CODEX_NOT_SIGNED_IN\] codex is not signed in.*codex login/);
      expect(result.stderr).not.toMatch(/Reconnecting/); // no turn was started, so codex never tried the model
      expect(result.stdout).toBe("");
      expect(Date.now() - started).toBeLessThan(CASE_TIMEOUT_MS / 2);
    },
    CASE_TIMEOUT_MS,
  );

  test(
    "a broken config.toml: CODEX_CONFIG_INVALID with codex's reason, exit 2",
    async () => {
      const env = await home(root, "bad-config", providerConfig("http://127.0.0.1:9/v1").replace(`approval_policy = "never"`, "approval_policy = 7"));
      const result = await run(env);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/\[CODEX_CONFIG_INVALID\] codex cannot load its configuration: .*config\.toml:\d+:\d+/);
    },
    CASE_TIMEOUT_MS,
  );

  test(
    "no network to the model: the retries reach stderr, the turn fails after --retry-timeout, exit 1",
    async () => {
      const env = await home(root, "closed-port", providerConfig(`http://127.0.0.1:${await closedPort()}/v1`));
      const result = await run(env, ["--retry-timeout", "2000", "--json"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/codex-convex warn: codex: Reconnecting.*codex retries/);
      const summary = JSON.parse(result.stdout) as { status: string; turnId: string; error: string; drained: boolean };
      expect(summary.status).toBe("failed");
      expect(summary.turnId).not.toBe("");
      expect(summary.error).toMatch(/no answer from the model for \d+(\.\d)? s, retrying; last error: Reconnecting/);
      expect(summary.drained).toBe(true);
    },
    CASE_TIMEOUT_MS,
  );

  test(
    "a model that refuses the key: codex's error on stderr, the turn failed with it, exit 1",
    async () => {
      const refusing = http.createServer((req, res) => {
        req.resume();
        res.writeHead(401, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key" } }));
      });
      await new Promise<void>((resolve) => refusing.listen(0, "127.0.0.1", resolve));
      try {
        const { port } = refusing.address() as AddressInfo;
        const codexHome = await makeCodexHome({ modelUrl: `http://127.0.0.1:${port}/v1` });
        try {
          const result = await run(codexHome.env);
          expect(result.code).toBe(1);
          expect(result.stderr).toMatch(/codex-convex error: codex: .*401/);
          expect(result.stdout).toMatch(/: failed \(.*401/);
        } finally {
          await codexHome.cleanup();
        }
      } finally {
        refusing.closeAllConnections();
        await new Promise<void>((resolve) => refusing.close(() => resolve()));
      }
    },
    CASE_TIMEOUT_MS,
  );
});
