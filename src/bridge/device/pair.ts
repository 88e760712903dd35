/**
 * `codex-convex pair <code>`: redeems a pairing code (created by a signed-in
 * user in the browser with the host's `createPairingCode`) for a device
 * secret, and stores it for the deployment (see `credentials.ts`).
 */
import os from "node:os";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { BridgeError } from "../errors.js";
import { deploymentKey, saveDeviceCredential, credentialsFile, type DeviceCredential } from "./credentials.js";
import { hostErrorData } from "./hostErrors.js";

/** Default name of the host's `redeemPairingCode` action. */
export const DEFAULT_REDEEM_PAIRING_CODE_ACTION = "codex:redeemPairingCode";

/** Characters of a pairing code, without its separator. */
export const PAIRING_CODE_LENGTH = 8;

/** Longest device name sent, in characters. */
export const MAX_DEVICE_NAME_CHARS = 100;

/** Least length of a device secret accepted from the host, in characters (256 bits in base64url is 43). */
export const MIN_DEVICE_SECRET_CHARS = 43;

/** Arguments of the host's `redeemPairingCode`. */
export type RedeemPairingCodeArgs = { code: string; name?: string; hostname?: string };

/** Answer of the host's `redeemPairingCode`. */
export type RedeemPairingCodeResult = { deviceId: string; deviceSecret: string };

/** Options of {@link pairDevice}. */
export type PairOptions = {
  /** The deployment URL. */
  url: string;
  /** The code as the user typed it (`ABCD-EFGH`, any case, spaces and dashes ignored). */
  code: string;
  /** Name of this device; default the host name. */
  name?: string;
  /** Host name sent to the deployment; default `os.hostname()`. */
  hostname?: string;
  /** Credentials file; default `credentialsFile()`. */
  file?: string;
  /** Calls the host's action; default a `ConvexHttpClient` on `url` calling {@link DEFAULT_REDEEM_PAIRING_CODE_ACTION}. */
  redeem?: (args: RedeemPairingCodeArgs) => Promise<RedeemPairingCodeResult>;
};

/** What pairing did (no secret in it, so it may be printed). */
export type PairResult = { deviceId: string; name: string; deployment: string; file: string };

/**
 * The code as sent: upper case, without spaces or dashes.
 * @throws BridgeError `INVALID_ARGUMENT` when it is not {@link PAIRING_CODE_LENGTH} letters and digits.
 */
export function normalizePairingCode(code: string): string {
  const normalized = code.replace(/[\s-]+/g, "").toUpperCase();
  if (!new RegExp(`^[0-9A-Z]{${PAIRING_CODE_LENGTH}}$`).test(normalized)) {
    throw new BridgeError(
      "INVALID_ARGUMENT",
      `A pairing code is ${PAIRING_CODE_LENGTH} letters and digits, shown as XXXX-XXXX; got ${code.length} character(s). ` +
        "Create one in the app (Devices → Pair a device) and type it as shown.",
    );
  }
  return normalized;
}

/**
 * Redeems `code` and stores the device secret for the deployment (mode 0600).
 * The secret is neither returned nor printed.
 * @returns the device id and where the secret was stored.
 * @throws BridgeError `INVALID_ARGUMENT` (bad code or URL, unwritable file);
 *   `PAIRING_FAILED` when the deployment refuses the code (`PAIRING_CODE_INVALID`:
 *   wrong, used or expired; `RATE_LIMITED`: too many tries) or cannot be reached.
 */
export async function pairDevice(options: PairOptions): Promise<PairResult> {
  const deployment = deploymentKey(options.url);
  const code = normalizePairingCode(options.code);
  const hostname = options.hostname ?? os.hostname();
  const name = (options.name ?? hostname).trim().slice(0, MAX_DEVICE_NAME_CHARS) || hostname;
  const redeem = options.redeem ?? httpRedeem(options.url);
  let answer: RedeemPairingCodeResult;
  try {
    answer = await redeem({ code, name, hostname });
  } catch (error) {
    throw pairingFailed(error, deployment);
  }
  if (typeof answer?.deviceId !== "string" || typeof answer.deviceSecret !== "string" || answer.deviceSecret.length < MIN_DEVICE_SECRET_CHARS) {
    throw new BridgeError(
      "PAIRING_FAILED",
      `${deployment} answered redeemPairingCode without a usable device id and secret. Check that the host exports the codex-convex redeemPairingCode unchanged.`,
    );
  }
  const credential: DeviceCredential = { deviceId: answer.deviceId, deviceSecret: answer.deviceSecret, name, pairedAt: Date.now() };
  const file = saveDeviceCredential(deployment, credential, options.file ?? credentialsFile());
  return { deviceId: answer.deviceId, name, deployment, file };
}

function httpRedeem(url: string): (args: RedeemPairingCodeArgs) => Promise<RedeemPairingCodeResult> {
  let client: ConvexHttpClient;
  try {
    client = new ConvexHttpClient(url, { logger: false });
  } catch (error) {
    throw new BridgeError("INVALID_ARGUMENT", `Invalid Convex deployment URL ${JSON.stringify(url)}: ${(error as Error).message}`, { cause: error });
  }
  // An action on the host: a failed attempt must still count against the rate limit (a throwing mutation rolls back).
  const ref = makeFunctionReference<"action", RedeemPairingCodeArgs, RedeemPairingCodeResult>(DEFAULT_REDEEM_PAIRING_CODE_ACTION);
  return (args) => client.action(ref, args);
}

function pairingFailed(error: unknown, deployment: string): BridgeError {
  const data = hostErrorData(error);
  if (data?.code === "PAIRING_CODE_INVALID") {
    return new BridgeError("PAIRING_FAILED", `${deployment} did not accept the pairing code: it is wrong, already used, or expired (codes last 10 minutes). Create a new one and try again.`, {
      cause: error,
    });
  }
  if (data?.code === "RATE_LIMITED") {
    return new BridgeError("PAIRING_FAILED", `${deployment} refused: too many pairing attempts (${data.message}). Wait a few minutes, then try again.`, { cause: error });
  }
  const detail = data ? `[${data.code}] ${data.message}` : error instanceof Error ? error.message : String(error);
  return new BridgeError(
    "PAIRING_FAILED",
    `Pairing with ${deployment} failed: ${detail}. Check the URL, the network, and that the host app exports redeemPairingCode.`,
    { cause: error },
  );
}
