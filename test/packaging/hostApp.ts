/**
 * A fresh Convex host app under a temp dir, built from the packed tarball the
 * way a user builds one from the README: offline, with no registry.
 *
 * - `codex-convex` is installed with `npm install --offline` from the tarball;
 *   its one dependency, convex-helpers, from a tarball packed out of this
 *   repo's node_modules (npm needs no cache or registry for either).
 * - The host's own tools (convex, convex-test, vitest, vite, typescript,
 *   @edge-runtime/vm, @types/node, react, @types/react) and, when asked, the bridge's optional
 *   peers are linked from this repo's node_modules, as a host's own installs.
 * - The files under `convex/` that the README shows (code blocks whose first
 *   line is `// convex/<file>`) are written exactly as the README has them.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Tools a host app installs itself, linked from this repo's node_modules. */
export const HOST_TOOLS = [
  "convex",
  "convex-test",
  "vitest",
  "vite",
  "typescript",
  "@edge-runtime/vm",
  "@types/node",
  "react",
  "@types/react",
];

/** The bridge's optional peer dependencies. */
export const BRIDGE_PEERS = ["better-sqlite3", "commander"];

export type Outcome = { code: number | null; stdout: string; stderr: string; ms: number };

/** The environment for child processes: no npm or vitest variables of the outer run. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|VITEST|TINYPOOL)/i.test(key) || key === "NODE_OPTIONS") continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * Runs a command to completion; never throws on a non-zero exit.
 * @param timeoutMs - Kill the command after this many ms (it then reports code null).
 */
export function run(command: string, args: string[], cwd: string, timeoutMs: number, env = childEnv()): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Throws with the command's output when it did not exit 0. */
export function ok(outcome: Outcome, what: string): Outcome {
  if (outcome.code !== 0) {
    throw new Error(`${what} exited ${outcome.code}:\n${outcome.stdout.slice(-4000)}\n${outcome.stderr.slice(-4000)}`);
  }
  return outcome;
}

/** The one `.tgz` in `dir` whose name starts with `prefix`. */
export function tarballIn(dir: string, prefix: string): string {
  const found = readdirSync(dir).filter((name) => name.startsWith(prefix) && name.endsWith(".tgz"));
  if (found.length !== 1) throw new Error(`expected one ${prefix}*.tgz in ${dir}, found: ${found.join(", ") || "none"}`);
  return found[0]!;
}

/** Links `names` into `<hostDir>/node_modules` from this repo's node_modules. */
export function linkFromRepo(hostDir: string, names: string[]): void {
  for (const name of names) {
    const target = realpathSync(path.join(REPO_ROOT, "node_modules", name));
    const link = path.join(hostDir, "node_modules", name);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(target, link, "dir");
  }
}

/** The README's code blocks that name a host file on their first line: path → content. */
export function readmeHostFiles(readme: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const match of readme.matchAll(/```tsx?\n(\/\/ (convex\/[\w./-]+\.tsx?)[^\n]*\n[\s\S]*?)```/g)) {
    files.set(match[2]!, match[1]!);
  }
  return files;
}

/** Files of the host app that are its own, not the README's: package.json, schema, tsconfig, vitest config. */
export function writeHostSkeleton(hostDir: string, tarballs: { codex: string; helpers: string }): void {
  mkdirSync(path.join(hostDir, "convex"), { recursive: true });
  const pkg = {
    name: "host-app",
    private: true,
    type: "module",
    dependencies: { "codex-convex": `file:../${tarballs.codex}`, "convex-helpers": `file:../${tarballs.helpers}` },
  };
  writeFileSync(path.join(hostDir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(
    path.join(hostDir, "convex", "schema.ts"),
    `import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  notes: defineTable({ text: v.string() }),
});
`,
  );
  // convex's own tsconfig template for convex/ (convex 1.48), with the library check on.
  writeFileSync(
    path.join(hostDir, "convex", "tsconfig.json"),
    `${JSON.stringify(
      {
        compilerOptions: {
          allowJs: true,
          strict: true,
          moduleResolution: "Bundler",
          jsx: "react-jsx",
          skipLibCheck: false,
          allowSyntheticDefaultImports: true,
          target: "ESNext",
          lib: ["ES2023", "dom"],
          forceConsistentCasingInFileNames: true,
          module: "ESNext",
          isolatedModules: true,
          noEmit: true,
        },
        include: ["./**/*"],
        exclude: ["./_generated"],
      },
      null,
      2,
    )}\n`,
  );
  // convex-test's documented vitest setup.
  writeFileSync(
    path.join(hostDir, "vitest.config.ts"),
    `import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "edge-runtime",
    server: { deps: { inline: ["convex-test"] } },
  },
});
`,
  );
}

/** Writes the README's host files into `hostDir`; returns their paths. */
export function writeReadmeFiles(hostDir: string): string[] {
  const files = readmeHostFiles(readFileSync(path.join(REPO_ROOT, "README.md"), "utf8"));
  for (const [file, content] of files) {
    mkdirSync(path.dirname(path.join(hostDir, file)), { recursive: true });
    writeFileSync(path.join(hostDir, file), content);
  }
  return [...files.keys()];
}
