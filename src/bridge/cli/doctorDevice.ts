/**
 * `doctor`'s look at the paired device: when no `--auth-token` is given, the
 * bridge signs in with the device secret `codex-convex pair` stored for the
 * deployment (`device/deviceAuth.ts`). Doctor checks that secret the way the
 * bridge uses it, by calling the device query `bridge --serve` subscribes to
 * (`<api>:listDeviceCommands`, read-only), so a revoked or unknown device is
 * found before a bridge stops on it.
 */
import { readDeviceCredential, type DeviceCredential } from "../device/credentials.js";
import {
  DEFAULT_DOCTOR_API_MODULE,
  DOCTOR_HTTP_TIMEOUT_MS,
  errorCode,
  postQuery,
  queryEndpoint,
  quote,
  type Verdict,
} from "./doctorConvex.js";

/** The device query doctor calls: read-only, authenticated by the device secret alone. */
export const DEVICE_PROBE_FUNCTION = "listDeviceCommands";

/** Inputs of {@link probeDevice}. */
export type DeviceProbeOptions = {
  /** The deployment URL (`--convex-url`). */
  url?: string;
  /** `--auth-token`: when given, the bridge sends it and never the device secret. */
  authToken?: string;
  /** The host module exporting the wrappers; default `codex`. */
  api?: string;
  /** The credentials file (default: `$XDG_CONFIG_HOME/codex-convex/devices.json`). */
  credentialsFile?: string;
  /** Bound on the call, in ms; default {@link DOCTOR_HTTP_TIMEOUT_MS}. */
  timeoutMs?: number;
};

/** The stored credential for `url`, or null; a damaged file is reported by {@link probeDevice}, not thrown. */
export function pairedDevice(url: string | undefined, file?: string): DeviceCredential | null {
  if (!url) return null;
  try {
    return file === undefined ? readDeviceCredential(url) : readDeviceCredential(url, file);
  } catch {
    return null;
  }
}

/**
 * Judges the device credential the bridge would use for `url`.
 * Never throws. Verdicts:
 * - ok: a token is given (the device secret is not used), or the deployment accepts the device;
 * - warn: this machine is not paired with the deployment (`bridge --serve` needs it), or the
 *   deployment could not be asked (the Convex URL check says why), or it has no steering wrappers;
 * - fail: the credentials file is damaged, or the deployment answers DEVICE_REVOKED / DEVICE_UNKNOWN.
 */
export async function probeDevice(options: DeviceProbeOptions): Promise<Verdict> {
  if (options.authToken) return { status: "ok", detail: "not used: --auth-token is given, and the bridge sends it instead of a device secret" };
  if (!options.url) return { status: "warn", detail: "not checked: no Convex URL" };
  const endpoint = queryEndpoint(options.url);
  if (endpoint === null) return { status: "warn", detail: "not checked: no valid Convex URL" };
  let credential: DeviceCredential | null;
  try {
    credential = options.credentialsFile === undefined ? readDeviceCredential(options.url) : readDeviceCredential(options.url, options.credentialsFile);
  } catch (error) {
    return { status: "fail", detail: (error as Error).message };
  }
  if (credential === null) {
    return {
      status: "warn",
      detail: "this machine is not paired with the deployment: `bridge --serve` needs it. Create a code in the web page and run `codex-convex pair <code>`.",
    };
  }
  const api = options.api ?? DEFAULT_DOCTOR_API_MODULE;
  const fn = `${api}:${DEVICE_PROBE_FUNCTION}`;
  const call = await postQuery(endpoint, fn, { deviceSecret: credential.deviceSecret }, undefined, options.timeoutMs ?? DOCTOR_HTTP_TIMEOUT_MS);
  if (call.kind === "unreachable") return { status: "warn", detail: "not checked: the deployment did not answer" };
  const answer = call.answer;
  if (answer === null) return { status: "warn", detail: `not checked: not a Convex deployment (HTTP ${call.status})` };
  if (answer.status === "success") {
    const queued = Array.isArray(answer.value) ? `, ${answer.value.length} command(s) queued for it` : "";
    return { status: "ok", detail: `accepted: "${credential.name}" (${credential.deviceId})${queued}` };
  }
  const message = typeof answer.errorMessage === "string" ? answer.errorMessage : "";
  if (/Could not find (public )?function/i.test(message)) {
    return {
      status: "warn",
      detail: `not checked: the deployment has no ${fn}; export the steering wrappers (\`defineCodexSteering\`, see the README) to use \`bridge --serve\``,
    };
  }
  const code = errorCode(answer.errorData);
  if (code === "DEVICE_REVOKED") {
    return {
      status: "fail",
      detail: `"${credential.name}" was revoked in the web page: the bridge stops on it (exit 3). Create a new code and run \`codex-convex pair <code>\`.`,
    };
  }
  if (code === "DEVICE_UNKNOWN") {
    return {
      status: "fail",
      detail: `the deployment knows no device with the stored secret of "${credential.name}" (a different or reset deployment?). Run \`codex-convex pair <code>\` again.`,
    };
  }
  return { status: "fail", detail: `${fn} failed: ${quote(code ? `[${code}] ${message}` : message)}` };
}
