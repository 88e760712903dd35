import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { codexTargetTriple, codexVersion, findCodexBinary, type FindCodexBinaryOptions } from "./codexBinary.js";
import { isBridgeError } from "../errors.js";

const root = mkdtempSync(path.join(tmpdir(), "codex-binary-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TRIPLE = "x86_64-unknown-linux-musl";
/** Fixed platform so the tests mean the same on every machine. */
const LINUX_X64 = { platform: "linux", arch: "x64" } satisfies FindCodexBinaryOptions;

let counter = 0;
function dir(name: string): string {
  const d = path.join(root, `${counter++}-${name}`);
  mkdirSync(d, { recursive: true });
  return d;
}

/** A file that looks like a native executable (ELF magic); never run. */
function fakeNative(file: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(60)]));
  chmodSync(file, 0o755);
  return file;
}

/** An executable shell script. */
function script(file: string, body: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** A project folder with `node_modules/@openai/codex-linux-x64` holding a fake binary. */
function projectWithPlatformPackage(): { from: string; binary: string } {
  const project = dir("project");
  const pkg = path.join(project, "node_modules", "@openai", "codex-linux-x64");
  mkdirSync(pkg, { recursive: true });
  writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "@openai/codex", version: "0.0.0" }));
  const binary = fakeNative(path.join(pkg, "vendor", TRIPLE, "bin", "codex"));
  return { from: path.join(project, "index.js"), binary };
}

/** Nothing resolvable from here. */
const emptyFrom = (): string => path.join(dir("empty"), "index.js");

describe("findCodexBinary resolution order", () => {
  const flagBin = script(path.join(root, "flag", "codex"), "echo codex-cli 1.0.0");
  const envBin = script(path.join(root, "env", "codex"), "echo codex-cli 2.0.0");
  const pathDir = dir("pathdir");
  const pathBin = fakeNative(path.join(pathDir, "codex"));

  test("the --codex-bin flag wins over everything", () => {
    const { from } = projectWithPlatformPackage();
    const found = findCodexBinary({ ...LINUX_X64, explicit: flagBin, env: { CODEX_BIN: envBin, PATH: pathDir }, resolveFrom: from });
    expect(found).toEqual({ path: flagBin, source: "flag" });
  });

  test("CODEX_BIN comes next", () => {
    const { from } = projectWithPlatformPackage();
    const found = findCodexBinary({ ...LINUX_X64, env: { CODEX_BIN: envBin, PATH: pathDir }, resolveFrom: from });
    expect(found).toEqual({ path: envBin, source: "env" });
  });

  test("then the @openai/codex platform package", () => {
    const { from, binary } = projectWithPlatformPackage();
    const found = findCodexBinary({ ...LINUX_X64, env: { PATH: pathDir }, resolveFrom: from });
    expect(found).toEqual({ path: binary, source: "package" });
  });

  test("the platform package nested under @openai/codex (not hoisted) is found too", () => {
    const project = dir("nested");
    const launcher = path.join(project, "node_modules", "@openai", "codex");
    mkdirSync(launcher, { recursive: true });
    writeFileSync(path.join(launcher, "package.json"), JSON.stringify({ name: "@openai/codex" }));
    const platformPkg = path.join(launcher, "node_modules", "@openai", "codex-linux-x64");
    mkdirSync(platformPkg, { recursive: true });
    writeFileSync(path.join(platformPkg, "package.json"), JSON.stringify({ name: "@openai/codex" }));
    const binary = fakeNative(path.join(platformPkg, "vendor", TRIPLE, "bin", "codex"));
    const found = findCodexBinary({ ...LINUX_X64, env: { PATH: "" }, resolveFrom: path.join(project, "x.js") });
    expect(found).toEqual({ path: binary, source: "package" });
  });

  test("then codex on PATH", () => {
    const found = findCodexBinary({ ...LINUX_X64, env: { PATH: `/nonexistent${path.delimiter}${pathDir}` }, resolveFrom: emptyFrom() });
    expect(found).toEqual({ path: pathBin, source: "path" });
  });

  test("on PATH a native binary is preferred over an earlier npm launcher script", () => {
    const shimDir = dir("shim");
    script(path.join(shimDir, "codex"), "exec node codex.js \"$@\"");
    const found = findCodexBinary({ ...LINUX_X64, env: { PATH: [shimDir, pathDir].join(path.delimiter) }, resolveFrom: emptyFrom() });
    expect(found).toEqual({ path: pathBin, source: "path" });
  });

  test("an npm launcher on PATH leads to the native binary of its own package", () => {
    const prefix = dir("global");
    const launcher = path.join(prefix, "lib", "node_modules", "@openai", "codex");
    script(path.join(launcher, "bin", "codex.js"), "# stands in for the node launcher");
    writeFileSync(path.join(launcher, "package.json"), "{}");
    const platformPkg = path.join(launcher, "node_modules", "@openai", "codex-linux-x64");
    mkdirSync(platformPkg, { recursive: true });
    writeFileSync(path.join(platformPkg, "package.json"), "{}");
    const binary = fakeNative(path.join(platformPkg, "vendor", TRIPLE, "bin", "codex"));
    const binDir = path.join(prefix, "bin");
    mkdirSync(binDir);
    symlinkSync(path.join(launcher, "bin", "codex.js"), path.join(binDir, "codex"));
    const found = findCodexBinary({ ...LINUX_X64, env: { PATH: binDir }, resolveFrom: emptyFrom() });
    expect(found).toEqual({ path: binary, source: "path" });
  });

  test("a lone npm launcher on PATH is still accepted", () => {
    const shimDir = dir("lone-shim");
    const shim = script(path.join(shimDir, "codex"), "exec node codex.js \"$@\"");
    const found = findCodexBinary({ ...LINUX_X64, env: { PATH: shimDir }, resolveFrom: emptyFrom() });
    expect(found).toEqual({ path: shim, source: "path" });
  });

  test("nothing found: CODEX_BINARY_NOT_FOUND naming all four ways", () => {
    let error: unknown;
    try {
      findCodexBinary({ ...LINUX_X64, env: { PATH: dir("nothing") }, resolveFrom: emptyFrom() });
    } catch (e) {
      error = e;
    }
    expect(isBridgeError(error, "CODEX_BINARY_NOT_FOUND")).toBe(true);
    const message = (error as Error).message;
    for (const way of ["--codex-bin", "CODEX_BIN", "@openai/codex", "PATH"]) expect(message).toContain(way);
  });

  test("a non-executable file on PATH is skipped and mentioned", () => {
    const d = dir("noexec-path");
    writeFileSync(path.join(d, "codex"), "not executable");
    chmodSync(path.join(d, "codex"), 0o644);
    expect(() => findCodexBinary({ ...LINUX_X64, env: { PATH: d }, resolveFrom: emptyFrom() })).toThrow(/not executable/);
  });
});

describe("findCodexBinary explicit paths", () => {
  test("a missing --codex-bin path is CODEX_BINARY_NOT_FOUND", () => {
    expect(() => findCodexBinary({ explicit: path.join(root, "missing", "codex") })).toThrow(
      expect.objectContaining({ code: "CODEX_BINARY_NOT_FOUND" }) as Error,
    );
  });

  test("an existing but non-executable CODEX_BIN is CODEX_BINARY_NOT_EXECUTABLE", () => {
    const file = path.join(dir("noexec"), "codex");
    writeFileSync(file, "#!/bin/sh\n");
    chmodSync(file, 0o644);
    let error: unknown;
    try {
      findCodexBinary({ env: { CODEX_BIN: file } });
    } catch (e) {
      error = e;
    }
    expect(isBridgeError(error, "CODEX_BINARY_NOT_EXECUTABLE")).toBe(true);
    expect((error as Error).message).toContain("CODEX_BIN");
    expect((error as Error).message).toContain("chmod +x");
  });

  test("a directory is not executable", () => {
    expect(() => findCodexBinary({ explicit: dir("a-dir") })).toThrow(
      expect.objectContaining({ code: "CODEX_BINARY_NOT_EXECUTABLE" }) as Error,
    );
  });

  test("relative paths resolve against the working directory", () => {
    const file = script(path.join(dir("rel"), "codex"), "true");
    const found = findCodexBinary({ explicit: path.relative(process.cwd(), file) });
    expect(found).toEqual({ path: file, source: "flag" });
  });
});

describe("the real @openai/codex package", () => {
  test("is found from this package's node_modules and reports its version", async () => {
    const found = findCodexBinary({ env: { PATH: "" } });
    expect(found.source).toBe("package");
    expect(found.path).toContain(path.join("vendor", codexTargetTriple(process.platform, process.arch) ?? "?", "bin"));
    await expect(codexVersion(found.path)).resolves.toBe("0.169.0");
  });
});

describe("codexVersion", () => {
  test("fails with CODEX_SPAWN_FAILED when no version is printed", async () => {
    const file = script(path.join(dir("noversion"), "codex"), "echo hello");
    await expect(codexVersion(file)).rejects.toSatisfy((e) => isBridgeError(e, "CODEX_SPAWN_FAILED"));
  });

  test("fails with CODEX_SPAWN_FAILED when the binary cannot run", async () => {
    await expect(codexVersion(path.join(root, "missing-codex"))).rejects.toSatisfy((e) =>
      isBridgeError(e, "CODEX_SPAWN_FAILED"),
    );
  });
});

describe("codexTargetTriple", () => {
  test("maps Node platform/arch to Codex's build triples", () => {
    expect(codexTargetTriple("linux", "x64")).toBe("x86_64-unknown-linux-musl");
    expect(codexTargetTriple("darwin", "arm64")).toBe("aarch64-apple-darwin");
    expect(codexTargetTriple("win32", "x64")).toBe("x86_64-pc-windows-msvc");
    expect(codexTargetTriple("linux", "ia32")).toBeUndefined();
    expect(codexTargetTriple("freebsd", "x64")).toBeUndefined();
  });
});
