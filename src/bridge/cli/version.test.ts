import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { packageVersion } from "./version.js";

describe("packageVersion", () => {
  it("reads the version of this package's package.json", () => {
    const pkg = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../../package.json"), "utf8")) as { version: string };
    expect(packageVersion()).toBe(pkg.version);
  });

  it("finds codex-convex's package.json from a build folder deeper down, past other packages' package.json", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "codex-convex-version-"));
    try {
      await writeFile(path.join(root, "package.json"), JSON.stringify({ name: "codex-convex", version: "9.8.7" }));
      const cli = path.join(root, "dist", "src", "bridge", "cli");
      await mkdir(cli, { recursive: true });
      await writeFile(path.join(root, "dist", "package.json"), JSON.stringify({ type: "module" }));
      expect(packageVersion(pathToFileURL(path.join(cli, "version.js")).href)).toBe("9.8.7");
      expect(packageVersion(path.join(os.tmpdir(), "nowhere", "x.js"))).toBe("unknown");
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
