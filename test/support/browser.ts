/** Debian's Chromium through playwright-core, for the browser tests; never a downloaded browser. */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** The browser binary (Debian's `chromium` package; `.ci/run` installs it). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Flags for a quiet, reproducible headless run in a container. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Attempts at removing the profile directory once the browser closed. */
const PROFILE_RM_RETRIES = 10;
/** Pause between two of those attempts, in ms (fs.rm backs off linearly from it). */
const PROFILE_RM_RETRY_DELAY_MS = 200;

/**
 * Launches Chromium with a fresh profile directory (removed when the context closes).
 * @throws Error when the binary is missing, saying how to install it (the test fails, never skips).
 */
export async function launchChromium(viewport: { width: number; height: number }): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get update && apt-get install -y chromium), or set CHROMIUM_PATH.`);
  }
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), "codex-convex-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, headless: true, viewport });
  // Chromium's helper processes may still write the profile (code cache) just after "close": retry the
  // removal, and never let a leftover temporary profile fail a test.
  context.once("close", () => {
    rm(userDataDir, { recursive: true, force: true, maxRetries: PROFILE_RM_RETRIES, retryDelay: PROFILE_RM_RETRY_DELAY_MS }).catch(() => undefined);
  });
  return context;
}
