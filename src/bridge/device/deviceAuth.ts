/**
 * How `run` and `bridge` sign in: a JWT given with `--auth-token` (or
 * `CODEX_CONVEX_AUTH_TOKEN`) wins; otherwise the device secret stored by
 * `codex-convex pair` for the deployment; otherwise nothing (the host decides
 * whether it accepts anonymous bridges).
 */
import { credentialsFile, readDeviceCredential } from "./credentials.js";

/** The credentials a transport sends: at most one of them. */
export type BridgeAuth = { authToken?: string; deviceSecret?: string };

/**
 * The auth to use for `url`.
 * @param options - `authToken`: from the flag/env; `file`: credentials file (default `credentialsFile()`).
 * @throws BridgeError `INVALID_ARGUMENT` when the credentials file is damaged.
 */
export function bridgeAuth(url: string, options: { authToken?: string; file?: string } = {}): BridgeAuth {
  if (options.authToken) return { authToken: options.authToken };
  const credential = readDeviceCredential(url, options.file ?? credentialsFile());
  return credential ? { deviceSecret: credential.deviceSecret } : {};
}
