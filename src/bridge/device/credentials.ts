/**
 * Device credentials on disk: the secret `codex-convex pair` received for a
 * deployment, kept in the user's config directory
 * (`$XDG_CONFIG_HOME/codex-convex/devices.json`, default
 * `~/.config/codex-convex/devices.json`), one entry per deployment URL.
 *
 * The directory is created with mode 0700 and the file written with mode 0600
 * (a new file each time, renamed over the old one, so a crash never leaves a
 * half-written file). The secret is never printed, logged, put into an
 * environment variable, or stored in the outbox; it only travels as the
 * `deviceSecret` argument of the host's bridge-facing functions.
 */
import { randomUUID } from "node:crypto";
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BridgeError } from "../errors.js";

/** Directory name under the config home. */
export const CREDENTIALS_DIR_NAME = "codex-convex";

/** File name of the credentials file. */
export const CREDENTIALS_FILE_NAME = "devices.json";

/** Mode of the credentials file: read and write for its owner only. */
export const CREDENTIALS_FILE_MODE = 0o600;

/** Mode of the credentials directory: its owner only. */
export const CREDENTIALS_DIR_MODE = 0o700;

/** Version of the file's format. */
export const CREDENTIALS_FORMAT_VERSION = 1;

/** What pairing gave this machine for one deployment. */
export type DeviceCredential = {
  /** The device's id in the deployment (from `redeemPairingCode`). */
  deviceId: string;
  /** The device secret (≥ 256 random bits, base64url). Never print it. */
  deviceSecret: string;
  /** The name the device was paired under. */
  name: string;
  /** When it was paired, ms since the Unix epoch. */
  pairedAt: number;
};

type CredentialsFile = { version: number; devices: Record<string, DeviceCredential> };

/**
 * The directory credentials live in: `$XDG_CONFIG_HOME/codex-convex`, else
 * `~/.config/codex-convex`.
 * @param env - Environment to read `XDG_CONFIG_HOME` from; default `process.env`.
 */
export function credentialsDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), ".config");
  return path.join(base, CREDENTIALS_DIR_NAME);
}

/** The credentials file in {@link credentialsDir}. */
export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(credentialsDir(env), CREDENTIALS_FILE_NAME);
}

/**
 * The key a deployment URL is stored under: its origin and path, lower-case
 * host, no trailing slash (`https://Happy-Animal-1.convex.cloud/` and
 * `https://happy-animal-1.convex.cloud` are one deployment).
 * @throws BridgeError `INVALID_ARGUMENT` when `url` is not an http(s) URL.
 */
export function deploymentKey(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BridgeError("INVALID_ARGUMENT", `Not a deployment URL: ${JSON.stringify(url)}. Pass --convex-url https://<name>.convex.cloud.`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new BridgeError("INVALID_ARGUMENT", `The deployment URL must be http(s), got ${JSON.stringify(url)}.`);
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, "")}`;
}

/**
 * The stored credential for a deployment, or null when this machine was not paired with it.
 * @param file - Credentials file; default {@link credentialsFile}.
 * @throws BridgeError `INVALID_ARGUMENT` when the file exists but cannot be read or parsed
 *   (the message says where it is; the secret is never part of a message).
 */
export function readDeviceCredential(url: string, file: string = credentialsFile()): DeviceCredential | null {
  return readFile(file).devices[deploymentKey(url)] ?? null;
}

/**
 * Stores (or replaces) the credential of a deployment, mode 0600 in a 0700 directory.
 * @param file - Credentials file; default {@link credentialsFile}.
 * @returns the path of the file.
 * @throws BridgeError `INVALID_ARGUMENT` when the directory or file cannot be written.
 */
export function saveDeviceCredential(url: string, credential: DeviceCredential, file: string = credentialsFile()): string {
  const current = readFile(file);
  const next: CredentialsFile = { version: CREDENTIALS_FORMAT_VERSION, devices: { ...current.devices, [deploymentKey(url)]: credential } };
  writeAtomically(file, `${JSON.stringify(next, null, 2)}\n`);
  return file;
}

/**
 * Forgets the credential of a deployment (e.g. after the device was revoked).
 * @returns whether there was one.
 */
export function removeDeviceCredential(url: string, file: string = credentialsFile()): boolean {
  const current = readFile(file);
  const key = deploymentKey(url);
  if (!(key in current.devices)) return false;
  const devices = { ...current.devices };
  delete devices[key];
  writeAtomically(file, `${JSON.stringify({ version: CREDENTIALS_FORMAT_VERSION, devices }, null, 2)}\n`);
  return true;
}

function readFile(file: string): CredentialsFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { version: CREDENTIALS_FORMAT_VERSION, devices: {} };
    throw new BridgeError("INVALID_ARGUMENT", `Cannot read the device credentials at ${file}: ${(error as Error).message}.`, { cause: error });
  }
  tightenMode(file);
  try {
    const parsed = JSON.parse(text) as Partial<CredentialsFile>;
    if (typeof parsed !== "object" || parsed === null || typeof parsed.devices !== "object" || parsed.devices === null) throw new Error("no devices");
    return { version: parsed.version ?? CREDENTIALS_FORMAT_VERSION, devices: parsed.devices };
  } catch {
    throw new BridgeError(
      "INVALID_ARGUMENT",
      `The device credentials at ${file} are damaged (not the JSON codex-convex writes). Move the file aside and pair again (codex-convex pair <code>).`,
    );
  }
}

/** A file someone loosened (e.g. copied with a default umask) is made 0600 again before use. */
function tightenMode(file: string): void {
  try {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, CREDENTIALS_FILE_MODE);
  } catch {
    // Best effort: reading already worked.
  }
}

function writeAtomically(file: string, text: string): void {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${randomUUID()}.tmp`);
  try {
    mkdirSync(dir, { recursive: true, mode: CREDENTIALS_DIR_MODE });
    chmodSync(dir, CREDENTIALS_DIR_MODE);
    const fd = openSync(temp, "wx", CREDENTIALS_FILE_MODE);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(temp, CREDENTIALS_FILE_MODE); // the umask may have taken bits away, never added; be explicit
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new BridgeError("INVALID_ARGUMENT", `Cannot write the device credentials at ${file}: ${(error as Error).message}. Check the directory's permissions.`, {
      cause: error,
    });
  }
}
