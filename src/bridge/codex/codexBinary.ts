/**
 * Finding the native Codex CLI binary and asking it for its version.
 *
 * Four ways to provide it, tried in this order: the `--codex-bin` flag, the
 * `CODEX_BIN` environment variable, the `@openai/codex` npm package's
 * platform package (installed beside this package), and `codex` on `PATH`.
 */
import { execFile } from "node:child_process";
import { accessSync, constants, openSync, readSync, closeSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { BridgeError } from "../errors.js";
import { codexEnvironment } from "./codexEnv.js";

/** Where {@link findCodexBinary} found the binary. */
export type CodexBinarySource = "flag" | "env" | "package" | "path";

/** A located Codex binary. */
export type CodexBinary = {
  /** Absolute path of the file to spawn. */
  path: string;
  /** Which of the four ways provided it. */
  source: CodexBinarySource;
};

/** Options of {@link findCodexBinary}. */
export type FindCodexBinaryOptions = {
  /** Value of the `--codex-bin` flag, if given; relative paths resolve against `process.cwd()`. */
  explicit?: string;
  /** Environment to read `CODEX_BIN` and `PATH` from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * File path or `file:` URL from which `@openai/codex` is resolved (as
   * `require.resolve` would from that file). Default: this module, i.e. this
   * package's own `node_modules`. Tests point it at temp dirs.
   */
  resolveFrom?: string;
  /** Platform to pick the target triple for. Default `process.platform`. */
  platform?: NodeJS.Platform;
  /** CPU architecture to pick the target triple for. Default `process.arch`. */
  arch?: string;
};

/** Environment variable naming the binary explicitly. */
export const CODEX_BIN_ENV = "CODEX_BIN";

/** Longest `codex --version` may take before {@link codexVersion} gives up, in ms. */
export const CODEX_VERSION_TIMEOUT_MS = 15_000;

/** npm package that ships the `codex` launcher and depends on the platform packages. */
export const CODEX_NPM_PACKAGE = "@openai/codex";

/** Platform package of `@openai/codex` for each Rust target triple. */
export const CODEX_PLATFORM_PACKAGES: Readonly<Record<string, string>> = {
  "x86_64-unknown-linux-musl": "@openai/codex-linux-x64",
  "aarch64-unknown-linux-musl": "@openai/codex-linux-arm64",
  "x86_64-apple-darwin": "@openai/codex-darwin-x64",
  "aarch64-apple-darwin": "@openai/codex-darwin-arm64",
  "x86_64-pc-windows-msvc": "@openai/codex-win32-x64",
  "aarch64-pc-windows-msvc": "@openai/codex-win32-arm64",
};

const HOW_TO_PROVIDE =
  "Provide it in one of four ways: pass --codex-bin <path>, set CODEX_BIN=<path>, " +
  "install the npm package (npm install @openai/codex) next to codex-convex, " +
  "or put the `codex` binary on PATH.";

/**
 * Rust target triple of the Codex build for a Node platform/arch pair, or
 * `undefined` when Codex publishes no build for it.
 *
 * @param platform - Node platform name, e.g. `"linux"`.
 * @param arch - Node arch name, e.g. `"x64"`.
 * @returns e.g. `"x86_64-unknown-linux-musl"`.
 */
export function codexTargetTriple(platform: string, arch: string): string | undefined {
  const cpu = arch === "x64" ? "x86_64" : arch === "arm64" ? "aarch64" : undefined;
  if (cpu === undefined) return undefined;
  switch (platform) {
    case "linux":
    case "android":
      return `${cpu}-unknown-linux-musl`;
    case "darwin":
      return `${cpu}-apple-darwin`;
    case "win32":
      return `${cpu}-pc-windows-msvc`;
    default:
      return undefined;
  }
}

/**
 * Locates the Codex binary, trying in order: `explicit` (the `--codex-bin`
 * flag), `CODEX_BIN`, the `@openai/codex` platform package, then `codex` on
 * `PATH`. On `PATH`, a native binary is preferred over the npm JavaScript
 * launcher; when only the launcher is found, its own platform package is
 * tried before settling for the launcher itself.
 *
 * @param options - see {@link FindCodexBinaryOptions}.
 * @returns the absolute path and which way provided it.
 * @throws BridgeError `CODEX_BINARY_NOT_FOUND` when the flag or `CODEX_BIN`
 *   names a missing file, or when none of the four ways yields a binary (the
 *   message lists all four).
 * @throws BridgeError `CODEX_BINARY_NOT_EXECUTABLE` when the flag or
 *   `CODEX_BIN` names a file that exists but cannot be executed.
 */
export function findCodexBinary(options: FindCodexBinaryOptions = {}): CodexBinary {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;

  if (options.explicit !== undefined && options.explicit !== "") {
    return { path: requireExecutable(options.explicit, "--codex-bin"), source: "flag" };
  }
  const fromEnv = env[CODEX_BIN_ENV];
  if (fromEnv !== undefined && fromEnv !== "") {
    return { path: requireExecutable(fromEnv, CODEX_BIN_ENV), source: "env" };
  }

  const skipped: string[] = [];
  const fromPackage = findInCodexPackage(options.resolveFrom ?? import.meta.url, platform, arch, skipped);
  if (fromPackage !== undefined) return { path: fromPackage, source: "package" };

  const fromPath = findOnPath(env, platform, arch, skipped);
  if (fromPath !== undefined) return { path: fromPath, source: "path" };

  const triple = codexTargetTriple(platform, arch);
  const detail = triple === undefined ? ` Codex publishes no build for ${platform}/${arch}.` : "";
  const skippedNote = skipped.length > 0 ? ` Skipped: ${skipped.join("; ")}.` : "";
  throw new BridgeError(
    "CODEX_BINARY_NOT_FOUND",
    `Could not find the Codex CLI binary.${detail}${skippedNote} ${HOW_TO_PROVIDE}`,
  );
}

/**
 * Runs `<binaryPath> --version` and extracts the version number.
 *
 * @param binaryPath - path of the Codex binary.
 * @param timeoutMs - how long to wait, in ms. Default {@link CODEX_VERSION_TIMEOUT_MS}.
 * @returns the bare version, e.g. `"0.169.0"` (from `codex-cli 0.169.0`).
 * @throws BridgeError `CODEX_SPAWN_FAILED` when the binary cannot be run,
 *   exits with an error, times out, or prints no recognisable version.
 */
export function codexVersion(
  binaryPath: string,
  timeoutMs: number = CODEX_VERSION_TIMEOUT_MS,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binaryPath, ["--version"], { timeout: timeoutMs, windowsHide: true, env: codexEnvironment() }, (error, stdout) => {
      if (error) {
        reject(
          new BridgeError(
            "CODEX_SPAWN_FAILED",
            `Running \`${binaryPath} --version\` failed: ${error.message}. Check that the path is the Codex CLI binary.`,
            { cause: error },
          ),
        );
        return;
      }
      const match = /\b(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\b/.exec(String(stdout));
      if (match?.[1] === undefined) {
        reject(
          new BridgeError(
            "CODEX_SPAWN_FAILED",
            `\`${binaryPath} --version\` printed no version (got ${JSON.stringify(String(stdout).slice(0, 200))}). Is this the Codex CLI?`,
          ),
        );
        return;
      }
      resolve(match[1]);
    });
  });
}

/** Resolves `candidate`, checks it is an executable file, or throws. */
function requireExecutable(candidate: string, via: string): string {
  const absolute = path.resolve(candidate);
  const problem = executableProblem(absolute);
  if (problem === "missing") {
    throw new BridgeError(
      "CODEX_BINARY_NOT_FOUND",
      `The Codex binary given by ${via} does not exist: ${absolute}. Fix the path, or unset ${via} to use another way. ${HOW_TO_PROVIDE}`,
    );
  }
  if (problem !== undefined) {
    throw new BridgeError(
      "CODEX_BINARY_NOT_EXECUTABLE",
      `The Codex binary given by ${via} (${absolute}) ${problem}. Point ${via} at the codex executable, or run \`chmod +x ${absolute}\`.`,
    );
  }
  return absolute;
}

/** Why `file` cannot be executed (`"missing"` when absent), or `undefined` when it can. */
function executableProblem(file: string): string | undefined {
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch {
    return "missing";
  }
  if (!isFile) return "is not a file";
  try {
    accessSync(file, constants.X_OK);
  } catch {
    return "exists but is not executable";
  }
  return undefined;
}

/**
 * The native binary inside `@openai/codex`'s platform package (or its own
 * `vendor/` folder), resolved from `resolveFrom`; `undefined` when absent.
 */
function findInCodexPackage(
  resolveFrom: string,
  platform: string,
  arch: string,
  skipped: string[],
): string | undefined {
  const triple = codexTargetTriple(platform, arch);
  if (triple === undefined) return undefined;
  const platformPackage = CODEX_PLATFORM_PACKAGES[triple];
  if (platformPackage === undefined) return undefined;
  const exe = platform === "win32" ? "codex.exe" : "codex";

  const require = createRequire(resolveFrom);
  const vendorRoots: string[] = [];
  const launcherJson = tryResolve(require, `${CODEX_NPM_PACKAGE}/package.json`);
  // Resolve the platform package from the launcher first (that is where npm
  // puts it when not hoisted), then from `resolveFrom` itself.
  const requirers = launcherJson === undefined ? [require] : [createRequire(launcherJson), require];
  for (const req of requirers) {
    const platformJson = tryResolve(req, `${platformPackage}/package.json`);
    if (platformJson !== undefined) vendorRoots.push(path.join(path.dirname(platformJson), "vendor"));
  }
  if (launcherJson !== undefined) vendorRoots.push(path.join(path.dirname(launcherJson), "vendor"));

  for (const root of vendorRoots) {
    const candidate = path.join(root, triple, "bin", exe);
    const problem = executableProblem(candidate);
    if (problem === undefined) return candidate;
    if (problem !== "missing") skipped.push(`${candidate} ${problem}`);
  }
  return undefined;
}

function tryResolve(require: NodeRequire, specifier: string): string | undefined {
  try {
    return require.resolve(specifier);
  } catch {
    return undefined;
  }
}

/**
 * `codex` on `PATH`: the first native binary, else the native binary behind
 * the first npm launcher found, else that launcher itself.
 */
function findOnPath(
  env: NodeJS.ProcessEnv,
  platform: string,
  arch: string,
  skipped: string[],
): string | undefined {
  const pathValue = env.PATH ?? env.Path ?? "";
  const names = platform === "win32" ? ["codex.exe", "codex.cmd", "codex"] : ["codex"];
  let firstLauncher: string | undefined;
  for (const dir of pathValue.split(path.delimiter)) {
    if (dir === "") continue;
    for (const name of names) {
      const candidate = path.resolve(dir, name);
      const problem = executableProblem(candidate);
      if (problem === "missing") continue;
      if (problem !== undefined) {
        skipped.push(`${candidate} on PATH ${problem}`);
        continue;
      }
      if (isNativeExecutable(candidate)) return candidate;
      if (firstLauncher === undefined) {
        firstLauncher = candidate;
        let real: string;
        try {
          real = realpathSync(candidate);
        } catch {
          real = candidate;
        }
        const behind = findInCodexPackage(real, platform, arch, skipped);
        if (behind !== undefined) return behind;
      }
    }
  }
  return firstLauncher;
}

/** Magic numbers of ELF, Mach-O (both byte orders, fat) and PE executables. */
const NATIVE_MAGICS: readonly number[][] = [
  [0x7f, 0x45, 0x4c, 0x46],
  [0xcf, 0xfa, 0xed, 0xfe],
  [0xfe, 0xed, 0xfa, 0xcf],
  [0xce, 0xfa, 0xed, 0xfe],
  [0xfe, 0xed, 0xfa, 0xce],
  [0xca, 0xfe, 0xba, 0xbe],
  [0x4d, 0x5a],
];

/** True when `file` starts with a native executable's magic number (not a `#!` script). */
function isNativeExecutable(file: string): boolean {
  const head = Buffer.alloc(4);
  let read = 0;
  try {
    const fd = openSync(file, "r");
    try {
      read = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  return NATIVE_MAGICS.some(
    (magic) => magic.length <= read && magic.every((byte, i) => head[i] === byte),
  );
}
