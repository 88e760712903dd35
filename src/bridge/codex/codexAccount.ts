/**
 * Whether codex can load its configuration and is signed in, asked of codex
 * itself. codex 0.169's app-server does not read `OPENAI_API_KEY` from the
 * environment: with no stored login and a provider that needs OpenAI auth,
 * every turn would only retry ("Reconnecting…") until given up on.
 *
 * - `doctor` asks a short-lived `codex app-server` of its own (not tied to any
 *   outbox session, nothing stored): `config/read`, then `account/read`;
 * - `run` and `bridge` ask the codex that runs the job, before its first turn
 *   (`getAuthStatus`, see `CodexProcess.runTurn`), so the question and answer
 *   are stored like every other line and no second process is started.
 */
import { spawnAppServer } from "./appServer.js";
import { CLIENT_INFO } from "./codexProcess.js";
import { accountRead, configRead, initialize, initialized, type GetAccountResponse } from "./protocol/index.js";
import { configError } from "./codexLogin.js";

/** How long codex gets to start and answer `account/read`, in ms. */
export const ACCOUNT_READ_TIMEOUT_MS = 15_000;

/** How long the short-lived codex gets to exit at each stop step, in ms. */
const ACCOUNT_READ_STOP_GRACE_MS = 1_000;

/** What the bridge should run codex with to ask it. */
export type CodexAccountOptions = {
  binaryPath: string;
  /** Environment of codex (complete); default `process.env`. Its `CODEX_HOME` is where codex keeps the login. */
  env?: NodeJS.ProcessEnv;
  /** Extra `codex app-server` arguments (e.g. `-c` overrides of the provider). */
  codexArgs?: string[];
  /** Working directory (project config may choose the provider); default this process's. */
  cwd?: string;
};

/**
 * Asks codex for its account, after checking it can load its configuration
 * (without which it would answer for its built-in defaults).
 * @returns codex's answer to `account/read`.
 * @throws BridgeError `CODEX_CONFIG_INVALID` when codex cannot load its
 *   configuration (with codex's reason); `CODEX_SPAWN_FAILED` when codex cannot start; `RPC_ERROR`,
 *   `RPC_TIMEOUT` (after {@link ACCOUNT_READ_TIMEOUT_MS}), `RPC_CLOSED` when it does not answer.
 */
export async function readCodexAccount(options: CodexAccountOptions): Promise<GetAccountResponse> {
  const server = await spawnAppServer({
    binaryPath: options.binaryPath,
    env: options.env,
    args: options.codexArgs,
    cwd: options.cwd,
    rpc: { defaultTimeoutMs: ACCOUNT_READ_TIMEOUT_MS },
  });
  try {
    await server.connection.request(initialize, { clientInfo: CLIENT_INFO, capabilities: null });
    server.connection.notify(initialized, undefined);
    await server.connection.request(configRead, { cwd: options.cwd ?? null }).catch((error: unknown) => {
      throw configError(error, options.env) ?? error;
    });
    return await server.connection.request(accountRead, {});
  } finally {
    await server.shutdown(ACCOUNT_READ_STOP_GRACE_MS);
  }
}

/** A short description of codex's account, e.g. `ChatGPT (a@b.c)`, `API key`, or `none`. */
export function describeAccount(answer: GetAccountResponse): string {
  const account = answer.account;
  if (account === null) return answer.requiresOpenaiAuth ? "not signed in" : "no login needed by the configured model provider";
  switch (account.type) {
    case "chatgpt":
      return `signed in with ChatGPT${account.email ? ` (${account.email})` : ""}`;
    case "apiKey":
      return "signed in with an API key";
    default:
      return `signed in (${account.type})`;
  }
}
