import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConvexError } from "convex/values";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { isBridgeError } from "../errors.js";
import { readDeviceCredential } from "./credentials.js";
import { normalizePairingCode, pairDevice, type RedeemPairingCodeArgs } from "./pair.js";

const SECRET = "s3cr3t-".repeat(8);

describe("pairDevice", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "codex-convex-pair-"));
    file = path.join(dir, "codex-convex", "devices.json");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("redeems the normalised code and stores the secret, which the result never holds", async () => {
    const calls: RedeemPairingCodeArgs[] = [];
    const result = await pairDevice({
      url: "https://a.convex.cloud/",
      code: " abcd-2345 ",
      name: "work laptop",
      hostname: "box",
      file,
      redeem: async (args) => {
        calls.push(args);
        return { deviceId: "dev_1", deviceSecret: SECRET };
      },
    });
    expect(calls).toEqual([{ code: "ABCD2345", name: "work laptop", hostname: "box" }]);
    expect(result).toEqual({ deviceId: "dev_1", name: "work laptop", deployment: "https://a.convex.cloud", file });
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(readDeviceCredential("https://a.convex.cloud", file)).toMatchObject({ deviceId: "dev_1", deviceSecret: SECRET });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test("a malformed code is refused before any call", async () => {
    expect(() => normalizePairingCode("ABC")).toThrow(/8 letters and digits/);
    await expect(pairDevice({ url: "https://a.convex.cloud", code: "ABCD-EF", file, redeem: async () => ({ deviceId: "x", deviceSecret: SECRET }) })).rejects.toSatisfy(
      (error) => isBridgeError(error, "INVALID_ARGUMENT"),
    );
  });

  test.each([
    ["PAIRING_CODE_INVALID", /wrong, already used, or expired/],
    ["RATE_LIMITED", /too many pairing attempts/],
    ["SOMETHING_ELSE", /\[SOMETHING_ELSE\]/],
  ])("the host's %s becomes PAIRING_FAILED with what to do next, and nothing is stored", async (code, message) => {
    const redeem = async () => {
      throw new ConvexError({ code, message: "refused" });
    };
    const error = await pairDevice({ url: "https://a.convex.cloud", code: "ABCD2345", file, redeem }).catch((e: unknown) => e);
    expect(isBridgeError(error, "PAIRING_FAILED")).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });

  test("a host that answers without a proper secret is refused", async () => {
    const redeem = async () => ({ deviceId: "dev", deviceSecret: "short" });
    await expect(pairDevice({ url: "https://a.convex.cloud", code: "ABCD2345", file, redeem })).rejects.toThrow(/usable device id and secret/);
  });
});
