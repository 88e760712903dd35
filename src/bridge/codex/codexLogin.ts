/**
 * What the bridge tells a user whose codex cannot call its model for a
 * reason of its own setup: no login, or a config.toml it cannot load.
 */
import { BridgeError } from "../errors.js";
import { rpcErrorDetails } from "./rpc.js";

/** What to tell a user whose codex is not signed in. */
export const NOT_SIGNED_IN_MESSAGE =
  "codex is not signed in, and its model provider needs an OpenAI login: every turn would only retry. " +
  "Run `codex login` (or `codex login --with-api-key`) with the same CODEX_HOME the bridge uses, then run this again. " +
  "(codex app-server does not read OPENAI_API_KEY from the environment.)";

/**
 * Whether an answer of `account/read` or `getAuthStatus` means codex cannot
 * call its model: no login, and a provider that needs one.
 */
export function notSignedIn(answer: { requiresOpenaiAuth: boolean | null } & ({ account: unknown } | { authMethod: unknown })): boolean {
  const signedIn = "account" in answer ? answer.account !== null : answer.authMethod !== null;
  return !signedIn && answer.requiresOpenaiAuth === true;
}

/**
 * `CODEX_CONFIG_INVALID` for an RPC error in which codex says it cannot load
 * its configuration (`config/read`: "invalid configuration: …";
 * `thread/start`: "failed to load configuration: …"), or null for any other error.
 * @param env - codex's environment, to name its CODEX_HOME.
 */
export function configError(error: unknown, env?: NodeJS.ProcessEnv): BridgeError | null {
  const details = rpcErrorDetails(error);
  if (!details || !/(invalid|failed to load) configuration/i.test(details.message)) return null;
  return new BridgeError(
    "CODEX_CONFIG_INVALID",
    `codex cannot load its configuration: ${details.message.replace(/\s+/g, " ").trim()}. Fix config.toml in CODEX_HOME ` +
      `(${env?.CODEX_HOME ?? process.env.CODEX_HOME ?? "~/.codex"}) or the -c overrides, then run this again.`,
    { cause: error },
  );
}
