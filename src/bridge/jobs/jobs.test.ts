import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { isBridgeError, type BridgeError } from "../errors.js";
import { checkContinuation, readJobs, toJob } from "./jobs.js";

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe("jobs", () => {
  it("checks and completes a job", () => {
    expect(toJob({ id: "a.b-1", prompts: ["x"], cwd: "sub" }, "/base", "here")).toEqual({ id: "a.b-1", prompts: ["x"], cwd: "/base/sub" });
    for (const bad of [null, { id: "no spaces", prompts: ["x"] }, { id: "a", prompts: [] }, { id: "a", prompts: [""] }, { id: "a", prompts: ["x"], cwd: 3 }]) {
      expect(() => toJob(bad, "/", "jobs.jsonl:1")).toThrow(/jobs\.jsonl:1/);
    }
  });

  it("reads JSON Lines, skipping blanks and comments; bad lines throw or are reported", async () => {
    const text = '# jobs\n{"id":"a","prompts":["1"]}\n\nnot json\n{"id":"b","prompts":["2"]}\n';
    await expect(collect(readJobs(Readable.from([text]), "/w"))).rejects.toThrow(/stdin:4: not JSON/);
    const invalid: BridgeError[] = [];
    const jobs = await collect(readJobs(Readable.from([text]), "/w", (error) => invalid.push(error)));
    expect(jobs.map((j) => j.id)).toEqual(["a", "b"]);
    expect(invalid).toHaveLength(1);
    expect(isBridgeError(invalid[0], "INVALID_ARGUMENT")).toBe(true);
  });

  it("lets a job continue only with the prompts that ran unchanged", () => {
    const job = { id: "j", prompts: ["a", "b", "c"], cwd: "/" };
    expect(() => checkContinuation(job, ["a", "b"], 2)).not.toThrow();
    expect(() => checkContinuation(job, ["a", "x"], 2)).toThrow(/prompt 2 differs/);
    expect(() => checkContinuation(job, ["a", "x"], 1)).not.toThrow();
  });
});
