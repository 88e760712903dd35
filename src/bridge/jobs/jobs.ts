/**
 * Work for `codex-convex bridge`: a job is one thread and the prompts to run
 * in it, one turn each, in order. Jobs come from `--prompt` flags, a JSON Lines
 * file (`--jobs FILE`), or JSON Lines on stdin (`--jobs -`, read as they
 * arrive). One line per job:
 *
 * ```json
 * {"id": "docs", "prompts": ["Summarise README.md", "Now list its TODOs"], "cwd": "/src/repo"}
 * ```
 *
 * `id` names the job across bridge restarts: a job whose id the outbox already
 * knows continues where it stopped (same session, same thread), and a job that
 * finished is not run again. `cwd` defaults to the bridge's `--cwd`.
 */
import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { BridgeError } from "../errors.js";

/** Most prompts one job may hold. */
export const MAX_PROMPTS_PER_JOB = 1_000;

/** Longest prompt accepted, in characters. */
export const MAX_PROMPT_CHARS = 1024 * 1024;

/** What a job id may look like: letters, digits, `.`, `_`, `-`, at most 64 characters. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** One thread's work. */
export type Job = {
  /** Stable name of the job (see the module comment). */
  id: string;
  /** The user messages, one turn each, in order. */
  prompts: string[];
  /** Working directory of the thread (absolute). */
  cwd: string;
};

/** A fresh job id, for work that does not need to continue after a restart (`run`, `--prompt` without `--job-id`). */
export function newJobId(prefix = "job"): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * Checks and completes one job.
 * @param value - A parsed JSON value `{ id, prompts, cwd? }`.
 * @param defaultCwd - Used when the job names none; relative cwds resolve against it.
 * @param where - Where the job came from, for error messages (e.g. `jobs.jsonl:3`).
 * @throws BridgeError `INVALID_ARGUMENT` naming the field that is wrong.
 */
export function toJob(value: unknown, defaultCwd: string, where: string): Job {
  const fail = (what: string) => new BridgeError("INVALID_ARGUMENT", `${where}: ${what}. A job is {"id": "name", "prompts": ["..."], "cwd"?: "dir"}.`);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw fail("not a JSON object");
  const { id, prompts, cwd } = value as Record<string, unknown>;
  if (typeof id !== "string" || !JOB_ID_PATTERN.test(id)) throw fail(`"id" must match ${JOB_ID_PATTERN}`);
  if (!Array.isArray(prompts) || prompts.length === 0 || prompts.length > MAX_PROMPTS_PER_JOB) {
    throw fail(`"prompts" must be a list of 1 to ${MAX_PROMPTS_PER_JOB} strings`);
  }
  for (const prompt of prompts) {
    if (typeof prompt !== "string" || prompt.length === 0 || prompt.length > MAX_PROMPT_CHARS) {
      throw fail(`every prompt must be a non-empty string of at most ${MAX_PROMPT_CHARS} characters`);
    }
  }
  if (cwd !== undefined && typeof cwd !== "string") throw fail(`"cwd" must be a string`);
  return { id, prompts: prompts as string[], cwd: path.resolve(defaultCwd, cwd ?? ".") };
}

/**
 * Reads jobs as JSON Lines from a stream, yielding each as soon as its line
 * arrives (blank lines and lines starting with `#` are skipped).
 * @param source - A readable stream (stdin), or a file path.
 * @param onInvalid - Called for a bad line, which is then skipped; without it, a bad line throws.
 * @throws BridgeError `INVALID_ARGUMENT` at a bad line (with its number) when
 *   there is no `onInvalid`, and when the file cannot be read.
 */
export async function* readJobs(
  source: Readable | string,
  defaultCwd: string,
  onInvalid?: (error: BridgeError) => void,
): AsyncGenerator<Job> {
  const name = typeof source === "string" ? source : "stdin";
  const input = typeof source === "string" ? createReadStream(source, "utf8") : source;
  const lines = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const raw of lines) {
      number += 1;
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) continue;
      let job: Job;
      try {
        job = toJob(parseLine(line, `${name}:${number}`), defaultCwd, `${name}:${number}`);
      } catch (error) {
        if (!onInvalid || !(error instanceof BridgeError)) throw error;
        onInvalid(error);
        continue;
      }
      yield job;
    }
  } catch (error) {
    if (error instanceof BridgeError) throw error;
    throw new BridgeError("INVALID_ARGUMENT", `Cannot read jobs from ${name}: ${(error as Error).message}.`, { cause: error });
  } finally {
    lines.close();
  }
}

function parseLine(line: string, where: string): unknown {
  try {
    return JSON.parse(line);
  } catch (error) {
    throw new BridgeError("INVALID_ARGUMENT", `${where}: not JSON (${(error as Error).message}).`);
  }
}

/**
 * Checks that `job` may continue a session that already ran `done` of `stored`
 * prompts: those must be the job's first prompts, unchanged (more may follow).
 * @throws BridgeError `INVALID_ARGUMENT` when they differ.
 */
export function checkContinuation(job: Job, stored: readonly string[], done: number): void {
  for (let i = 0; i < done; i++) {
    if (stored[i] !== job.prompts[i]) {
      throw new BridgeError(
        "INVALID_ARGUMENT",
        `Job ${job.id} already ran ${done} prompt(s) in this outbox, and prompt ${i + 1} differs from the one it ran. ` +
          "Keep the prompts that ran (you may add more after them), or give the job a new id.",
      );
    }
  }
}
