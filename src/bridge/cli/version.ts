/**
 * The package's version for `--version`, read at run time from the
 * package.json of codex-convex: the nearest one above this file whose name
 * is `codex-convex`. That works from the sources (`src/bridge/cli/`, run by
 * tsx) and from the build (`dist/src/bridge/cli/`) alike.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The package name looked for. */
export const PACKAGE_NAME = "codex-convex";

/** Most parent folders searched for package.json. */
const MAX_LEVELS = 8;

/**
 * The version of the codex-convex package this file belongs to.
 * @param from - a file URL or path to start from; default this module.
 * @returns its `version`, or `"unknown"` when no codex-convex package.json is found (never throws).
 */
export function packageVersion(from: string = import.meta.url): string {
  let dir = path.dirname(from.startsWith("file:") ? fileURLToPath(from) : from);
  for (let level = 0; level < MAX_LEVELS; level++) {
    try {
      const json = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: unknown; version?: unknown };
      if (json.name === PACKAGE_NAME && typeof json.version === "string") return json.version;
    } catch {
      // no package.json here (or not readable): look one level up
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return "unknown";
}
