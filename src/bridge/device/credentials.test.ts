import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { isBridgeError } from "../errors.js";
import {
  credentialsDir,
  deploymentKey,
  readDeviceCredential,
  removeDeviceCredential,
  saveDeviceCredential,
  type DeviceCredential,
} from "./credentials.js";
import { bridgeAuth } from "./deviceAuth.js";

const SECRET_A = "a".repeat(43);
const SECRET_B = "b".repeat(43);
const credential = (deviceSecret: string, deviceId = "dev1"): DeviceCredential => ({ deviceId, deviceSecret, name: "laptop", pairedAt: 1 });

describe("device credentials on disk", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "codex-convex-cred-"));
    file = path.join(dir, "codex-convex", "devices.json");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("the directory is XDG_CONFIG_HOME/codex-convex, else ~/.config/codex-convex", () => {
    expect(credentialsDir({ XDG_CONFIG_HOME: "/x/cfg" })).toBe("/x/cfg/codex-convex");
    expect(credentialsDir({})).toBe(path.join(os.homedir(), ".config", "codex-convex"));
    expect(credentialsDir({ XDG_CONFIG_HOME: "relative/dir" })).toBe(path.join(os.homedir(), ".config", "codex-convex"));
  });

  test("the file is 0600 in a 0700 directory, even under a permissive umask", () => {
    const previous = process.umask(0o000);
    try {
      saveDeviceCredential("https://a.convex.cloud", credential(SECRET_A), file);
    } finally {
      process.umask(previous);
    }
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
  });

  test("credentials are keyed by deployment URL; spellings of one URL share an entry", () => {
    saveDeviceCredential("https://a.convex.cloud", credential(SECRET_A, "devA"), file);
    saveDeviceCredential("https://b.convex.cloud/", credential(SECRET_B, "devB"), file);
    expect(readDeviceCredential("https://A.convex.cloud/", file)?.deviceSecret).toBe(SECRET_A);
    expect(readDeviceCredential("https://b.convex.cloud", file)?.deviceId).toBe("devB");
    expect(readDeviceCredential("https://c.convex.cloud", file)).toBeNull();
    expect(deploymentKey("http://127.0.0.1:3210/")).toBe("http://127.0.0.1:3210");
    expect(removeDeviceCredential("https://a.convex.cloud", file)).toBe(true);
    expect(readDeviceCredential("https://a.convex.cloud", file)).toBeNull();
    expect(readDeviceCredential("https://b.convex.cloud", file)?.deviceSecret).toBe(SECRET_B);
  });

  test("a loosened file is made 0600 again when read", () => {
    saveDeviceCredential("https://a.convex.cloud", credential(SECRET_A), file);
    chmodSync(file, 0o644);
    readDeviceCredential("https://a.convex.cloud", file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test("a damaged file is an error that names the file, never its content", () => {
    saveDeviceCredential("https://a.convex.cloud", credential(SECRET_A), file);
    writeFileSync(file, readFileSync(file, "utf8").slice(0, 60));
    let caught: unknown;
    try {
      readDeviceCredential("https://a.convex.cloud", file);
    } catch (error) {
      caught = error;
    }
    expect(isBridgeError(caught, "INVALID_ARGUMENT")).toBe(true);
    expect((caught as Error).message).toContain(file);
    expect((caught as Error).message).not.toContain("aaaa");
  });

  test("an --auth-token wins over the stored secret; without either the bridge sends none", () => {
    saveDeviceCredential("https://a.convex.cloud", credential(SECRET_A), file);
    expect(bridgeAuth("https://a.convex.cloud", { file })).toEqual({ deviceSecret: SECRET_A });
    expect(bridgeAuth("https://a.convex.cloud", { file, authToken: "jwt" })).toEqual({ authToken: "jwt" });
    expect(bridgeAuth("https://other.convex.cloud", { file })).toEqual({});
  });
});
