/**
 * The CLI's surface: every flag is in `--help` and in README's "## CLI"
 * section; `status` and `doctor` as real processes.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildProgram } from "../../src/bridge/cli/program.js";
import { Outbox } from "../../src/bridge/outbox/outbox.js";
import { makeCodexHome } from "../stand-ins/codex-home.js";
import { createConvexApp } from "../stand-ins/convexApp.js";
import { startConvexHttpStandIn, type ConvexHttpStandIn } from "../stand-ins/convexHttpStandIn.js";
import { REPO_ROOT, runCli } from "../support/cli.js";

function readmeCliSection(): string {
  const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## CLI reference\n");
  if (start < 0) throw new Error("README.md has no \"## CLI reference\" section");
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end);
}

describe("CLI flags", () => {
  const program = buildProgram();
  const commands = [program, ...program.commands];
  const flags = commands.flatMap((command) =>
    command.options.map((option) => ({ command: command.name(), flag: option.long ?? "", help: command.helpInformation() })),
  );

  test("every command is there", () => {
    expect(program.commands.map((c) => c.name())).toEqual(["run", "bridge", "pair", "status", "doctor"]);
  });

  test.each(flags)("$command $flag is in --help and in the README", ({ flag, help }) => {
    expect(help).toContain(flag);
    expect(readmeCliSection()).toContain(`\`${flag}`);
  });
});

describe("status and doctor as processes", () => {
  let dir: string;
  let convex: ConvexHttpStandIn;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "codex-convex-cli-"));
    convex = await startConvexHttpStandIn(createConvexApp());
    const outbox = Outbox.open(path.join(dir, ".codex-convex", "outbox.sqlite"));
    const id = outbox.createSession({ prompts: ["a", "b"] }, { jobId: "docs" });
    outbox.append(id, [{ origin: "codex", line: '{"method":"x"}', receivedAt: Date.now() - 5_000 }]);
    outbox.recordPushError(id, "[TRANSPORT_FAILED] unreachable");
    outbox.close();
  });
  afterAll(async () => {
    await convex.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("status --json reports pending events, their age and the last push error", async () => {
    const result = await runCli(["status", "--cwd", dir, "--json"], process.env);
    expect(result.code).toBe(1); // a session with pending events is failing to push
    const status = JSON.parse(result.stdout);
    expect(status.exists).toBe(true);
    expect(status.totals).toMatchObject({ sessions: 1, pendingEvents: 1, sessionsWithErrors: 1 });
    expect(status.sessions[0]).toMatchObject({ jobId: "docs", prompts: { done: 0, total: 2 }, lastError: "[TRANSPORT_FAILED] unreachable" });
    expect(status.sessions[0].oldestPendingAgeMs).toBeGreaterThanOrEqual(5_000);
    const text = await runCli(["status", "--cwd", dir], process.env);
    expect(text.stdout).toMatch(/docs\s+open\s+-\s+0\/2\s+1\s+14\s+\d+ s\s+never/);
  });

  test("status without an outbox says so, as text and as JSON, exit 0", async () => {
    const result = await runCli(["status", "--cwd", path.join(dir, "nowhere")], process.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^No outbox at .*nowhere.*outbox\.sqlite: nothing was stored there/);
    const json = await runCli(["status", "--cwd", path.join(dir, "nowhere"), "--json"], process.env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      exists: false,
      path: expect.stringMatching(/nowhere/),
      sessions: [],
      totals: { sessions: 0, pendingEvents: 0, sessionsWithErrors: 0 },
    });
  });

  test("doctor checks the binary, codex's login, the deployment and its functions, the token, the outbox and the disk", async () => {
    const home = await makeCodexHome({ modelUrl: "http://127.0.0.1:9/v1" });
    const result = await runCli(["doctor", "--cwd", dir, "--convex-url", convex.url, "--json"], { ...home.env, CODEX_CONVEX_AUTH_TOKEN: "alice" });
    await home.cleanup();
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: Array<{ name: string; status: string; detail: string }> };
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(byName["codex binary"]).toMatchObject({ status: "ok", detail: expect.stringMatching(/0\.169\.0/) });
    expect(byName["codex login"]).toMatchObject({ status: "ok", detail: expect.stringMatching(/no login needed/) });
    expect(byName["Convex URL"]).toMatchObject({ status: "ok", detail: expect.stringMatching(/a Convex deployment serving codex:listSessions/) });
    expect(byName["auth token"]).toMatchObject({ status: "ok", detail: expect.stringMatching(/^accepted/) });
    expect(byName.outbox).toMatchObject({ status: "ok", detail: expect.stringMatching(/integrity ok, 1 session/) });
    expect(byName["disk space"]?.status).not.toBe("fail");
    expect(report.ok).toBe(true);
    expect(result.code).toBe(0);

    const down = await runCli(["doctor", "--cwd", dir, "--convex-url", "http://127.0.0.1:9", "--codex-bin", "/nope/codex"], process.env);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/FAIL\s+codex binary/);
    expect(down.stdout).toMatch(/FAIL\s+Convex URL\s+http:\/\/127\.0\.0\.1:9 did not answer/);
  });
});

describe("usage errors and --cwd", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "codex-convex-usage-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test.each([
    [["run", "hi", "--jsn"], /^codex-convex run: unknown option '--jsn' \(Did you mean --json\?\)$/],
    [["run"], /^codex-convex run: missing required argument 'prompt'$/],
    [["bridge", "--max-threads", "0"], /^codex-convex bridge: option '--max-threads <n>' argument '0' is invalid\. expected a positive integer$/],
    [["run", "hi", "--push-linger-ms", "20000"], /^codex-convex run: option '--push-linger-ms <ms>' argument '20000' is invalid\. expected an integer number of ms from 0 to 10000$/],
    [["rn"], /^codex-convex: unknown command 'rn' \(Did you mean run\?\)$/],
  ])("%j prints the one wrong line and a pointer to --help, exit 2", async (args, line) => {
    const result = await runCli(args, process.env);
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(line);
    expect(lines[1]).toMatch(/^Run 'codex-convex( \w+)? --help' for its options\.$/);
    expect(result.stdout).toBe("");
  });

  test("run with a --cwd that does not exist: a usage error, and no folder is created", async () => {
    const missing = path.join(dir, "typo");
    const result = await runCli(["run", "hi", "--cwd", missing, "--convex-url", "http://127.0.0.1:9"], process.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^codex-convex run: option '--cwd <dir>' argument '${missing}' is invalid\\. no such directory`));
    expect(existsSync(missing)).toBe(false);
  });

  test("doctor reports a missing --cwd as a failed check", async () => {
    const missing = path.join(dir, "typo");
    const result = await runCli(["doctor", "--cwd", missing, "--convex-url", "http://127.0.0.1:9"], process.env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL\s+working directory\s+.*typo does not exist/);
    expect(existsSync(missing)).toBe(false);
  });
});

test("--version prints the package version", async () => {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
  const result = await runCli(["--version"], process.env);
  expect(result.code).toBe(0);
  expect(result.stdout).toBe(`${pkg.version}\n`);
});
