/**
 * The published package, used as a Convex app uses it: `npm pack` once, install
 * the tarball offline into a fresh host app, mount the component and write the
 * wrappers exactly as the README shows, generate the host's `_generated/` as
 * convex 1.48's codegen does, typecheck with `skipLibCheck: false`, run a
 * convex-test that registers the component through `codex-convex/test`, and
 * run the CLI from the installed bin. Also: the bin runs in a clone with no
 * build (`npx codex-convex --help` after `npm install`).
 *
 * Set `CODEX_CONVEX_KEEP_PACKAGING_DIR=1` to keep the temp dir (the tarball
 * and the host app) for a look after the run.
 *
 * Timeouts are generous: packing builds `dist/` (tsc) and the host runs tsc
 * and vitest, on a 2-core machine other tests keep busy.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { writeHostGenerated } from "./hostCodegen.js";
import {
  BRIDGE_PEERS,
  HOST_TOOLS,
  REPO_ROOT,
  linkFromRepo,
  ok,
  type Outcome,
  run,
  tarballIn,
  writeHostSkeleton,
  writeReadmeFiles,
} from "./hostApp.js";

/** Longest `npm pack` (which builds `dist/`) may take, in ms. */
const PACK_TIMEOUT_MS = 480_000;
/** Longest an offline `npm install` or `npx` may take, in ms. */
const INSTALL_TIMEOUT_MS = 240_000;
/** Longest the host's tsc or vitest run may take, in ms. */
const HOST_TOOL_TIMEOUT_MS = 300_000;
/**
 * Most files the tarball may hold: it held 3,556 with tests and per-type
 * protocol files, and holds about 310 (one .js and one .d.ts per module) with
 * the steering modules.
 */
const MAX_TARBALL_FILES = 400;

/** The parts of vitest's JSON report this test reads. */
type VitestReport = {
  numPassedTests: number;
  numFailedTests: number;
  testResults: Array<{ message?: string; assertionResults: Array<{ failureMessages: string[] }> }>;
};

const work = mkdtempSync(path.join(tmpdir(), "codex-convex-pack-"));
const host = path.join(work, "host");
const timings: Record<string, number> = {};

afterAll(() => {
  console.log(`packaging timings (ms): ${JSON.stringify(timings)}`);
  if (process.env.CODEX_CONVEX_KEEP_PACKAGING_DIR) console.log(`packaging: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

/** Removes the entry `npx` made in its cache (`~/.npm/_npx/<hash>/`) for a local package dir, if there is one. */
function forgetNpxEntry(packageDir: string): void {
  const npxCache = path.join(homedir(), ".npm", "_npx");
  if (!existsSync(npxCache)) return;
  for (const entry of readdirSync(npxCache)) {
    const manifest = path.join(npxCache, entry, "package.json");
    if (existsSync(manifest) && readFileSync(manifest, "utf8").includes(packageDir)) {
      rmSync(path.join(npxCache, entry), { recursive: true, force: true });
    }
  }
}

describe("a clone", () => {
  test(
    "`npx codex-convex --help` works after `npm install`, with no build",
    async () => {
      // A clone as `npm install` leaves it: the sources and node_modules, no dist/.
      const clone = path.join(work, "clone");
      mkdirSync(path.join(clone, "bin"), { recursive: true });
      copyFileSync(path.join(REPO_ROOT, "package.json"), path.join(clone, "package.json"));
      copyFileSync(path.join(REPO_ROOT, "bin", "codex-convex.js"), path.join(clone, "bin", "codex-convex.js"));
      for (const dir of ["src", "convex", "node_modules"]) {
        symlinkSync(realpathSync(path.join(REPO_ROOT, dir)), path.join(clone, dir), "dir");
      }
      expect(existsSync(path.join(clone, "dist"))).toBe(false);
      const help = await run("npx", ["--offline", "codex-convex", "--help"], clone, INSTALL_TIMEOUT_MS);
      timings.npxHelpInClone = help.ms;
      forgetNpxEntry(clone);
      ok(help, "npx codex-convex --help in a clone");
      expect(help.stdout).toContain("Usage: codex-convex");
    },
    INSTALL_TIMEOUT_MS + 30_000,
  );
});

describe("the packed tarball in a fresh host app", () => {
  const bin = path.join(host, "node_modules", ".bin", "codex-convex");
  let files: string[] = [];
  let installed: string[] = [];
  let helpWithoutPeers: Outcome;
  let helpWithPeers: Outcome;
  let readmeFiles: string[] = [];

  beforeAll(async () => {
    const pack = ok(await run("npm", ["pack", "--pack-destination", work], REPO_ROOT, PACK_TIMEOUT_MS), "npm pack");
    timings.pack = pack.ms;
    const tarball = tarballIn(work, "codex-convex-");
    const helpersDir = realpathSync(path.join(REPO_ROOT, "node_modules", "convex-helpers"));
    ok(
      await run("npm", ["pack", helpersDir, "--pack-destination", work, "--ignore-scripts"], work, INSTALL_TIMEOUT_MS),
      "npm pack convex-helpers",
    );
    const list = ok(await run("tar", ["-tzf", path.join(work, tarball)], work, 60_000), "tar -tzf");
    files = list.stdout.split("\n").filter(Boolean).map((f) => f.replace(/^package\//, ""));

    // A web-only host: the tarball and nothing else.
    writeHostSkeleton(host, { codex: tarball, helpers: tarballIn(work, "convex-helpers-") });
    const install = ok(
      await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--legacy-peer-deps"], host, INSTALL_TIMEOUT_MS),
      "npm install --offline (host)",
    );
    timings.hostInstall = install.ms;
    installed = readdirSync(path.join(host, "node_modules"));
    helpWithoutPeers = await run(bin, ["--help"], host, INSTALL_TIMEOUT_MS);

    // The host's own tools, the README's files, and _generated as `convex codegen` writes it.
    linkFromRepo(host, HOST_TOOLS);
    readmeFiles = writeReadmeFiles(host);
    await writeHostGenerated(path.join(host, "convex"), path.join(host, "node_modules", "convex"), {
      codex: "codex-convex",
    });

    // The desktop side: the bridge's optional peers added.
    linkFromRepo(host, BRIDGE_PEERS);
    helpWithPeers = await run(bin, ["--help"], host, INSTALL_TIMEOUT_MS);
    timings.installedHelp = helpWithPeers.ms;
  }, PACK_TIMEOUT_MS + 4 * INSTALL_TIMEOUT_MS);

  test("holds only what a user needs: dist, the bin, README, LICENSE; no tests, no per-type protocol files", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "LICENSE",
        "README.md",
        "package.json",
        "bin/codex-convex.js",
        "dist/convex/convex.config.js",
        "dist/convex/_generated/component.d.ts",
        "dist/src/test/index.js",
        "dist/src/test/modules.js",
        "dist/src/bridge/codex/protocol/generated.d.ts",
        "dist/src/bridge/cli/main.js",
      ]),
    );
    expect(files.filter((f) => /\.test(-d)?\.|stand-ins|\.map$/.test(f))).toEqual([]);
    expect(files.filter((f) => f.includes("protocol/generated/"))).toEqual([]);
    expect(files.filter((f) => !/^(dist\/|bin\/|LICENSE$|README\.md$|package\.json$)/.test(f))).toEqual([]);
    expect(files.length).toBeLessThan(MAX_TARBALL_FILES);
    expect(readFileSync(path.join(REPO_ROOT, "LICENSE"), "utf8")).toContain("Apache License");
    expect(JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).license).toBe("Apache-2.0");
  });

  test("a web-only host installs no native module and no CLI parser", () => {
    expect(installed).toEqual(expect.arrayContaining(["codex-convex", "convex-helpers"]));
    for (const peer of BRIDGE_PEERS) expect(installed).not.toContain(peer);
  });

  test("without the bridge's optional peers, the installed bin exits 1 naming the install command", () => {
    expect(helpWithoutPeers.code).toBe(1);
    expect(helpWithoutPeers.stderr).toContain("better-sqlite3 and commander");
    expect(helpWithoutPeers.stderr).toContain("npm install --global codex-convex better-sqlite3 commander");
  });

  test("with the bridge's peers installed, the installed bin answers --help", () => {
    ok(helpWithPeers, "codex-convex --help (installed)");
    expect(helpWithPeers.stdout).toContain("Usage: codex-convex");
  });

  test(
    "the README's convex.config.ts and wrappers typecheck against the generated host types (skipLibCheck: false)",
    async () => {
      expect(readmeFiles).toEqual(expect.arrayContaining(["convex/convex.config.ts", "convex/codex.ts", "convex/codex.test.ts"]));
      const apiTypes = readFileSync(path.join(host, "convex", "_generated", "api.d.ts"), "utf8");
      expect(apiTypes).toContain(`"codex": import("codex-convex/_generated/component.js").ComponentApi<"codex">`);
      // Makes tsc check the component's API type deeply, fail if components.codex were `any`,
      // and load every published entry point's declarations (the bridge's with its protocol types).
      const probe = path.join(host, "convex", "probe.ts");
      writeFileSync(
        probe,
        `import type { FunctionReference } from "convex/server";
import { components } from "./_generated/api";
import type { ComponentApi } from "codex-convex/_generated/component.js";
import type * as bridge from "codex-convex/bridge";
import type * as host from "codex-convex/host";
import type * as hooks from "codex-convex/react";
import type * as testing from "codex-convex/test";
export type Entries = [bridge.BridgeOptions, typeof bridge.CodexProcess, typeof host.defineCodexApi, typeof hooks.useMessages, typeof testing.register];
const listThreads: FunctionReference<"query", "internal"> = components.codex.threads.list;
const _api: ComponentApi<"codex"> = components.codex;
// @ts-expect-error: no such module in the component; an error only if components.codex is typed.
void components.codex.noSuchModule;
export { listThreads, _api };
`,
      );
      try {
        const tsc = await run(
          process.execPath,
          [path.join(host, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(host, "convex", "tsconfig.json")],
          host,
          HOST_TOOL_TIMEOUT_MS,
        );
        timings.hostTsc = tsc.ms;
        ok(tsc, "tsc -p convex (host)");
      } finally {
        rmSync(probe);
      }
    },
    HOST_TOOL_TIMEOUT_MS + 30_000,
  );

  test(
    "the README's convex-test registers the component through codex-convex/test and calls the wrappers",
    async () => {
      const report = path.join(work, "vitest-report.json");
      const vitest = await run(
        process.execPath,
        [path.join(host, "node_modules", "vitest", "vitest.mjs"), "run", "--reporter=json", `--outputFile=${report}`],
        host,
        HOST_TOOL_TIMEOUT_MS,
      );
      timings.hostVitest = vitest.ms;
      if (!existsSync(report)) throw new Error(`vitest run (host) wrote no report:\n${vitest.stdout}\n${vitest.stderr}`);
      const result = JSON.parse(readFileSync(report, "utf8")) as VitestReport;
      if (vitest.code !== 0) {
        const failures = result.testResults.flatMap((file) => [
          file.message ?? "",
          ...file.assertionResults.flatMap((a) => a.failureMessages),
        ]);
        throw new Error(`vitest run (host) exited ${vitest.code}:\n${failures.join("\n").slice(0, 8000)}\n${vitest.stderr.slice(-4000)}`);
      }
      expect(result.numFailedTests).toBe(0);
      expect(result.numPassedTests).toBeGreaterThanOrEqual(1);
    },
    HOST_TOOL_TIMEOUT_MS + 30_000,
  );
});
