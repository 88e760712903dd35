/**
 * A throwaway `CODEX_HOME` whose `config.toml` points codex at a local model
 * server (see `model-server.ts`) instead of OpenAI, with retries, analytics,
 * plugins and approvals turned off so turns are fast and never prompt.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findCodexBinary } from "../../src/bridge/codex/codexBinary.js";

/** Environment variable codex reads the (fake) API key from (not `CODEX_CONVEX_*`: the bridge keeps those from codex). */
export const TEST_KEY_ENV = "SCRIPTED_MODEL_API_KEY";
/** Name of the custom model provider written to config.toml. */
export const TEST_PROVIDER_ID = "scripted";
/**
 * Model slug used by default. It is one codex 0.169 ships metadata for, so no
 * "model metadata not found" warning is emitted and the `apply_patch` tool is offered.
 */
export const DEFAULT_TEST_MODEL = "gpt-5.5";
/** How long codex waits for the next SSE event before giving up on a stream (ms). */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 20_000;
/** Environment variables never passed on to codex, so a real key cannot leak into tests. */
const SCRUBBED_ENV_KEYS = ["OPENAI_API_KEY", "CODEX_API_KEY", "CODEX_ACCESS_TOKEN", "OPENAI_BASE_URL", "CODEX_HOME"];

/** Path of the native codex binary, found as the bridge finds it (CODEX_BIN, `@openai/codex`, PATH). */
export const CODEX_BINARY_PATH = findCodexBinary().path;

/** Options of {@link makeCodexHome}. */
export interface CodexHomeOptions {
  /** Provider base URL, e.g. `ScriptedModel.url` (`http://127.0.0.1:PORT/v1`). */
  modelUrl: string;
  /** Model slug; default {@link DEFAULT_TEST_MODEL}. */
  model?: string;
  /** `approval_policy`; default `"never"` (codex 0.169 rejects the old `"untrusted"`). */
  approvalPolicy?: "never" | "on-request";
  /** `sandbox_mode`; default `"danger-full-access"` (the Linux sandbox needs privileges CI may lack). */
  sandboxMode?: "danger-full-access" | "workspace-write" | "read-only";
  /** Provider `stream_idle_timeout_ms` (ms); default {@link DEFAULT_STREAM_IDLE_TIMEOUT_MS}. */
  streamIdleTimeoutMs?: number;
  /** Raw TOML appended at the end of config.toml (tables only, since it follows `[features]`). */
  extraToml?: string;
}

/** A throwaway codex home directory. */
export interface CodexHome {
  /** Absolute path of the directory (the `CODEX_HOME`). */
  dir: string;
  /** Absolute path of its `config.toml`. */
  configPath: string;
  /** Environment to spawn codex with: the current one minus real keys, plus `CODEX_HOME` and the test key. */
  env: Record<string, string>;
  /** Removes the directory; safe to call twice. */
  cleanup(): Promise<void>;
}

/**
 * Creates a codex home under `os.tmpdir()` configured for the scripted model.
 *
 * @param options provider URL, model slug, approval policy, sandbox mode,
 *   stream idle timeout (ms) and extra TOML.
 * @returns the directory, the spawn environment and a `cleanup()`.
 * @throws if the directory or config file cannot be written.
 */
export async function makeCodexHome(options: CodexHomeOptions): Promise<CodexHome> {
  const dir = await mkdtemp(join(tmpdir(), "codex-convex-home-"));
  const configPath = join(dir, "config.toml");
  await writeFile(configPath, configToml(options), "utf8");
  return {
    dir,
    configPath,
    env: spawnEnv(dir),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Renders the config.toml text for {@link makeCodexHome}.
 *
 * @param options same as {@link makeCodexHome}.
 * @returns TOML text.
 */
export function configToml(options: CodexHomeOptions): string {
  const lines = [
    `model = ${tomlString(options.model ?? DEFAULT_TEST_MODEL)}`,
    `model_provider = ${tomlString(TEST_PROVIDER_ID)}`,
    `approval_policy = ${tomlString(options.approvalPolicy ?? "never")}`,
    `sandbox_mode = ${tomlString(options.sandboxMode ?? "danger-full-access")}`,
    `model_reasoning_summary = "auto"`,
    `check_for_update_on_startup = false`,
    "",
    `[model_providers.${TEST_PROVIDER_ID}]`,
    `name = "Scripted test model"`,
    `base_url = ${tomlString(options.modelUrl)}`,
    `env_key = ${tomlString(TEST_KEY_ENV)}`,
    `wire_api = "responses"`,
    `request_max_retries = 0`,
    `stream_max_retries = 0`,
    `stream_idle_timeout_ms = ${options.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS}`,
    "",
    "[analytics]",
    "enabled = false",
    "",
    "[features]",
    "plugins = false",
    "apps = false",
    "unbounded_connection_retries = false",
    "",
  ];
  return lines.join("\n") + (options.extraToml ?? "");
}

function spawnEnv(dir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !SCRUBBED_ENV_KEYS.includes(key)) env[key] = value;
  }
  env.CODEX_HOME = dir;
  env[TEST_KEY_ENV] = "test-key";
  env.RUST_LOG = "error";
  return env;
}

function tomlString(value: string): string {
  return JSON.stringify(value);
}
