#!/usr/bin/env node
/* global process, console, URL */
/**
 * The `codex-convex` command. It checks that the bridge's optional peer
 * packages are installed, then runs the CLI:
 * - installed from npm: the compiled `dist/src/bridge/cli/main.js`;
 * - in a clone of the repository (where `src/` exists): the TypeScript source
 *   through tsx (a devDependency), so `npm install && npx codex-convex --help`
 *   works with no build step and never runs a stale `dist/`.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** Packages only the desktop bridge needs: optional peers, so web apps never install them. */
const BRIDGE_PEERS = ["better-sqlite3", "commander"];

const packageRoot = new URL("../", import.meta.url);
const require = createRequire(import.meta.url);

const missing = BRIDGE_PEERS.filter((name) => {
  try {
    require.resolve(name);
    return false;
  } catch (error) {
    if (error && error.code === "MODULE_NOT_FOUND") return true;
    throw error;
  }
});
if (missing.length > 0) {
  console.error(
    `codex-convex: the desktop bridge needs ${missing.join(" and ")}, which ${missing.length === 1 ? "is" : "are"} not installed ` +
      "(optional peer dependencies, so a web app that only mounts the component does not build SQLite).\n" +
      "Install the CLI with them in one command:\n" +
      "  npm install --global codex-convex better-sqlite3 commander\n" +
      "or, inside a project:\n" +
      "  npm install --save-dev codex-convex better-sqlite3 commander",
  );
  process.exit(1);
}

const source = new URL("src/bridge/cli/main.ts", packageRoot);
const compiled = new URL("dist/src/bridge/cli/main.js", packageRoot);
if (existsSync(fileURLToPath(source))) {
  let tsx;
  try {
    tsx = await import("tsx/esm/api");
  } catch {
    tsx = undefined;
  }
  if (tsx) {
    tsx.register();
    await import(source.href);
  } else if (existsSync(fileURLToPath(compiled))) {
    await import(compiled.href);
  } else {
    console.error("codex-convex: this clone has neither tsx (run `npm install`) nor a build (run `npm run build`).");
    process.exit(1);
  }
} else {
  await import(compiled.href);
}
