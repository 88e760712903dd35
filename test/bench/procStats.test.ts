/** The /proc readings of the many-sessions benches: a child's memory and CPU are found under its parent. */
import { spawn } from "node:child_process";
import { describe, expect, test } from "vitest";
import { pssBytes, sampleTree } from "../../bench/procStats.js";

describe.runIf(process.platform === "linux")("procStats", () => {
  test("a busy child counts in its parent's tree (PSS and CPU), and a gone process reads as null / 0", async () => {
    // A child that burns CPU for a while, then waits to be killed.
    const child = spawn(process.execPath, ["-e", "const end = Date.now() + 300; while (Date.now() < end); setInterval(() => {}, 1000);"]);
    try {
      let sample = sampleTree(process.pid);
      for (let i = 0; i < 100 && (sample?.childrenCpuS ?? 0) < 0.1; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        sample = sampleTree(process.pid);
      }
      expect(sample?.rootPssBytes).toBeGreaterThan(1024 * 1024);
      expect(sample?.childCount).toBeGreaterThanOrEqual(1);
      expect(sample?.childrenPssBytes).toBeGreaterThan(1024 * 1024);
      expect(sample?.childrenCpuS).toBeGreaterThanOrEqual(0.1);
      expect(sample?.rootCpuS).toBeGreaterThan(0);
    } finally {
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    }
    const gone = child.pid ?? -1;
    expect(sampleTree(gone)).toBeNull();
    expect(pssBytes(gone)).toBe(0);
  }, 30_000);
});
