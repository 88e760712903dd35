/**
 * The environment codex runs in. codex hands its environment to every shell
 * command the model runs, and a model that runs `env` stores the output in
 * Convex and sends it to the model provider. So codex never gets the bridge's
 * own credentials:
 *
 * - every `CODEX_CONVEX_*` variable (the bridge's settings, its auth token);
 * - every `CONVEX_*` variable except the public addresses in
 *   {@link PUBLIC_CONVEX_ENV_KEYS} (deploy keys, admin keys, access tokens:
 *   `CONVEX_DEPLOY_KEY`, `CONVEX_SELF_HOSTED_ADMIN_KEY`,
 *   `CONVEX_OVERRIDE_ACCESS_TOKEN`, and names Convex may add later);
 * - every variable, whatever its name, whose value holds a secret the bridge
 *   was given (the `--auth-token` value, a device secret; see `secrets.ts`).
 *
 * Everything else passes through unchanged (PATH, HOME, the model provider's
 * key that codex itself needs, the user's project settings).
 */
import { containsSecret, rememberedSecrets } from "../secrets.js";

/** Prefix of the bridge's own variables; none of them reaches codex. */
export const BRIDGE_ENV_PREFIX = "CODEX_CONVEX_";

/** Prefix of Convex's variables; only {@link PUBLIC_CONVEX_ENV_KEYS} reach codex. */
export const CONVEX_ENV_PREFIX = "CONVEX_";

/** Convex variables that name a deployment and carry no credential; codex may see them. */
export const PUBLIC_CONVEX_ENV_KEYS: ReadonlySet<string> = new Set([
  "CONVEX_URL",
  "CONVEX_SITE_URL",
  "CONVEX_DEPLOYMENT",
  "CONVEX_SELF_HOSTED_URL",
]);

/** Options of {@link codexEnvironment}. */
export type CodexEnvironmentOptions = {
  /** Secrets to keep out besides those remembered with `rememberSecret`. */
  secrets?: readonly string[];
};

/**
 * Builds codex's complete environment from `base`, without the bridge's
 * credentials (see the module comment). Pure apart from reading the
 * remembered secrets; `base` is not modified.
 *
 * @param base - The environment to start from; default `process.env`.
 * @param options - Extra secrets; see {@link CodexEnvironmentOptions}.
 * @returns A new environment object, safe to give to codex.
 */
export function codexEnvironment(base: NodeJS.ProcessEnv = process.env, options: CodexEnvironmentOptions = {}): NodeJS.ProcessEnv {
  const secrets = [...rememberedSecrets(), ...(options.secrets ?? [])].filter((s) => s !== "");
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined || isBridgeCredentialName(key)) continue;
    if (secrets.some((secret) => containsSecret(value, secret))) continue;
    env[key] = value;
  }
  return env;
}

/** Whether a variable name is one of ours that codex must not see (see the module comment). */
export function isBridgeCredentialName(key: string): boolean {
  const upper = key.toUpperCase();
  if (upper.startsWith(BRIDGE_ENV_PREFIX)) return true;
  return upper.startsWith(CONVEX_ENV_PREFIX) && !PUBLIC_CONVEX_ENV_KEYS.has(upper);
}
