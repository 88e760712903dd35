/**
 * Secrets of pairing: codes a person types and device secrets a bridge keeps.
 * Only SHA-256 hashes (Web Crypto, `crypto.subtle`) are ever stored; the
 * random bytes come from `crypto.getRandomValues`.
 */
import { DEVICE_SECRET_BYTES, PAIRING_CODE_CHARS } from "../../src/shared/limits.js";

/** Crockford base32: no I, L, O, U, so a code is easy to read aloud and type. */
const CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** The SHA-256 of `text` (UTF-8) as 64 lowercase hex digits. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A new pairing code as shown to the user, `XXXX-XXXX` (40 random bits, unbiased: 256 is a multiple of 32). */
export function newPairingCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(PAIRING_CODE_CHARS));
  const chars = Array.from(bytes, (b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join("");
  return `${chars.slice(0, 4)}-${chars.slice(4)}`;
}

/**
 * A typed code in canonical form: upper case, without dashes and spaces, with
 * Crockford's look-alikes mapped (I, L → 1; O → 0). Undefined when it cannot
 * be a code (wrong length or character), so nothing is looked up for it.
 */
export function normalizePairingCode(typed: string): string | undefined {
  const code = typed.toUpperCase().replace(/[\s-]/g, "").replace(/[IL]/g, "1").replace(/O/g, "0");
  if (code.length !== PAIRING_CODE_CHARS) return undefined;
  for (const c of code) if (!CODE_ALPHABET.includes(c)) return undefined;
  return code;
}

/** A new device secret: {@link DEVICE_SECRET_BYTES} random bytes, base64url without padding (43 characters). */
export function newDeviceSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(DEVICE_SECRET_BYTES));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
