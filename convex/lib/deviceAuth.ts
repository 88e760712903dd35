/**
 * Device authentication: every bridge-facing function takes the device's
 * secret as an argument (Convex functions cannot read custom headers) and
 * derives the device, and so its owner, from the secret's hash.
 */
import type { Doc, Id } from "../_generated/dataModel.js";
import type { QueryCtx } from "../_generated/server.js";
import { codexError } from "../../src/shared/errors.js";
import { sha256Hex } from "./secrets.js";

/** Longer than any secret this component issues (43 characters); longer input is refused unhashed. */
const MAX_SECRET_CHARS = 256;

/**
 * The device whose secret this is.
 * @throws ConvexError DEVICE_UNKNOWN when no device has it; DEVICE_REVOKED when its owner revoked it.
 */
export async function deviceBySecret(ctx: QueryCtx, secret: string): Promise<Doc<"devices">> {
  const unknown = () =>
    codexError("DEVICE_UNKNOWN", "No device has this secret: pair this machine again with `codex-convex pair <code>`.");
  if (secret.length === 0 || secret.length > MAX_SECRET_CHARS) throw unknown();
  const secretHash = await sha256Hex(secret);
  const device = await ctx.db
    .query("devices")
    .withIndex("by_secretHash", (q) => q.eq("secretHash", secretHash))
    .unique();
  if (device === null) throw unknown();
  if (device.revokedAt !== undefined) {
    throw codexError(
      "DEVICE_REVOKED",
      `Device "${device.name}" was revoked by its owner; it can no longer push or run commands. Pair again with \`codex-convex pair <code>\`.`,
    );
  }
  return device;
}

/**
 * The caller's own device by its id as the browser sends it.
 * @throws ConvexError DEVICE_NOT_FOUND when the id is malformed, unknown or another user's (not told apart).
 */
export async function ownedDevice(ctx: QueryCtx, userId: string, deviceId: string): Promise<Doc<"devices">> {
  const id: Id<"devices"> | null = ctx.db.normalizeId("devices", deviceId);
  const device = id === null ? null : await ctx.db.get("devices", id);
  if (device === null || device.userId !== userId) {
    throw codexError("DEVICE_NOT_FOUND", `No device ${deviceId} for this user; list them with listDevices.`);
  }
  return device;
}
