/**
 * Builds `dist/` for the published package (`npm run build`; `npm pack` runs it
 * through `prepack`):
 *
 * 1. empties `dist/` so no file of an older build is packed;
 * 2. compiles `convex/` and `src/` with `tsc -p tsconfig.build.json` (no tests);
 * 3. folds the per-type codex protocol files into one `generated.d.ts`
 *    (scripts/protocolTypes.ts): the bridge uses them only as types.
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundleProtocolTypes } from "./protocolTypes.js";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DIST = path.join(REPO_ROOT, "dist");
const PROTOCOL = path.join("src", "bridge", "codex", "protocol");

function main(): void {
  rmSync(DIST, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", path.join(REPO_ROOT, "tsconfig.build.json")], {
    cwd: REPO_ROOT,
    stdio: "inherit",
  });
  const { types, redirected } = bundleProtocolTypes(
    path.join(REPO_ROOT, PROTOCOL, "generated"),
    path.join(DIST, PROTOCOL),
    path.join(DIST, "src", "bridge"),
  );
  console.log(`build: dist/ written; ${types} protocol types folded into one file, ${redirected} declaration file(s) redirected`);
}

main();
