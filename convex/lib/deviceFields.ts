/** Checks of the short fields a browser or a bridge sends about a device. */
import { codexError } from "../../src/shared/errors.js";
import { MAX_DEVICE_NAME_CHARS } from "../../src/shared/limits.js";

/** @throws ConvexError INVALID_ARGUMENT when `value` is blank or longer than `MAX_DEVICE_NAME_CHARS`. */
export function checkName(value: string, field: string): void {
  if (value.trim().length === 0 || value.length > MAX_DEVICE_NAME_CHARS) {
    throw codexError("INVALID_ARGUMENT", `${field} must be 1 to ${MAX_DEVICE_NAME_CHARS} characters, not blank; got ${value.length}.`);
  }
}

/** @throws ConvexError INVALID_ARGUMENT when `value` is longer than `max`. */
export function checkLength(value: string, field: string, max: number): void {
  if (value.length > max) throw codexError("INVALID_ARGUMENT", `${field} must be at most ${max} characters; got ${value.length}.`);
}
