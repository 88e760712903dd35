import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RotatingLog } from "./stderrLog.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "stderr-log-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("RotatingLog", () => {
  it("rotates by size and keeps a bounded number of files", () => {
    const file = join(dir, "logs", "codex.log");
    const log = new RotatingLog(file, { maxBytes: 100, files: 3 });
    for (let i = 0; i < 10; i++) log.write(`${String(i).repeat(39)}\n`); // 40 bytes each
    log.close();
    expect(readdirSync(join(dir, "logs")).sort()).toEqual(["codex.log", "codex.log.1", "codex.log.2"]);
    expect(readFileSync(file, "utf8")).toBe(`${"8".repeat(39)}\n${"9".repeat(39)}\n`);
    expect(readFileSync(`${file}.1`, "utf8")).toBe(`${"6".repeat(39)}\n${"7".repeat(39)}\n`);
    expect(log.written).toBe(400);
  });

  it("appends to an existing file, and turns itself off instead of throwing", () => {
    const file = join(dir, "a.log");
    new RotatingLog(file).write("one\n");
    const again = new RotatingLog(file);
    again.write("two\n");
    again.close();
    expect(readFileSync(file, "utf8")).toBe("one\ntwo\n");
    const broken = new RotatingLog(join(dir, "a.log", "cannot", "be.log"));
    expect(() => broken.write("lost\n")).not.toThrow();
    expect(broken.failed).not.toBeNull();
    broken.write("more\n");
    expect(broken.dropped).toBe(10);
  });
});
