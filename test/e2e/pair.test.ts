/**
 * `codex-convex pair` and a paired `run`, as real processes: the secret lands
 * in a 0600 file keyed by the deployment URL, travels only as the
 * `deviceSecret` argument of the host's functions, and appears nowhere else —
 * not on stdout/stderr (even at debug level), not in codex's environment, not
 * in the outbox.
 */
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CODEX_BINARY_PATH, makeCodexHome, type CodexHome } from "../stand-ins/codex-home.js";
import { ackingHandlers, startFakeDeviceHost, type FakeDeviceHost } from "../stand-ins/fakeDeviceHost.js";
import { startScriptedModel, type ScriptedModel } from "../stand-ins/model-server.js";
import { runCli } from "../support/cli.js";

const SECRET = "Zx9-device-secret-".repeat(4);

describe("pair, then run with the stored secret", () => {
  let dir: string;
  let host: FakeDeviceHost;
  let model: ScriptedModel;
  let home: CodexHome;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "codex-convex-pair-e2e-"));
    host = await startFakeDeviceHost({
      ...ackingHandlers(),
      "codex:redeemPairingCode": (args) => {
        if (args.code !== "ABCD2345") throw { code: "PAIRING_CODE_INVALID", message: "no such code" };
        return { deviceId: "dev_1", deviceSecret: SECRET };
      },
    });
    model = await startScriptedModel({ script: [[{ type: "message", text: "Hello from the paired bridge." }]] });
    home = await makeCodexHome({ modelUrl: model.url });
    env = { ...home.env, XDG_CONFIG_HOME: path.join(dir, "config"), CODEX_CONVEX_AUTH_TOKEN: "", CONVEX_URL: "" };
  });
  afterAll(async () => {
    await host.close();
    await model.close();
    await home.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("a wrong code is refused and nothing is stored", async () => {
    const result = await runCli(["pair", "WXYZ-2345", "--convex-url", host.url], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/\[PAIRING_FAILED\].*wrong, already used, or expired/);
  });

  test("the secret is stored 0600, used as deviceSecret, and never printed, logged, put in codex's env or the outbox", async () => {
    const paired = await runCli(["--log-level", "debug", "pair", "abcd-2345", "--convex-url", host.url, "--name", "ci box"], env);
    expect(paired.code).toBe(0);
    expect(paired.stdout).toContain("as device dev_1");
    const file = path.join(dir, "config", "codex-convex", "devices.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, "utf8")).devices[host.url]).toMatchObject({ deviceId: "dev_1", deviceSecret: SECRET, name: "ci box" });

    // A codex that writes down its environment, then is the real codex.
    const envDump = path.join(dir, "codex-env.txt");
    const wrapper = path.join(dir, "codex-wrapper.sh");
    writeFileSync(wrapper, `#!/bin/sh\nenv > '${envDump}'\nexec '${CODEX_BINARY_PATH}' "$@"\n`);
    chmodSync(wrapper, 0o755);
    const work = path.join(dir, "work");
    await mkdir(work); // --cwd must exist
    const run = await runCli(["--log-level", "debug", "run", "Say hello", "--cwd", work, "--convex-url", host.url, "--codex-bin", wrapper, "--no-status"], env, 120_000);
    expect(run.stderr + run.stdout).not.toContain(SECRET);
    expect(run.code, run.stderr).toBe(0);

    const bridgeCalls = host.calls.filter((call) => call.path === "codex:ensureSession" || call.path === "codex:ingestSafe");
    expect(bridgeCalls.length).toBeGreaterThanOrEqual(2);
    for (const call of bridgeCalls) {
      expect(call.args.deviceSecret).toBe(SECRET);
      expect(call.authorization).toBeUndefined();
    }
    expect(readFileSync(envDump, "utf8")).not.toContain(SECRET);
    for (const name of readdirSync(path.join(work, ".codex-convex"))) {
      const entry = path.join(work, ".codex-convex", name);
      if (statSync(entry).isFile()) expect(readFileSync(entry).includes(SECRET)).toBe(false);
    }
    expect(paired.stdout + paired.stderr).not.toContain(SECRET);
  }, 150_000);

  test("--auth-token wins over the stored secret", async () => {
    host.calls.length = 0;
    const work = path.join(dir, "work2");
    await mkdir(work);
    const run = await runCli(["run", "Say hello", "--cwd", work, "--convex-url", host.url, "--auth-token", "a.jwt.token", "--no-status"], env, 120_000);
    expect(run.code, run.stderr).toBe(0);
    const first = host.calls.find((call) => call.path === "codex:ensureSession");
    expect(first?.authorization).toBe("Bearer a.jwt.token");
    expect(first?.args.deviceSecret).toBeUndefined();
  }, 150_000);
});
