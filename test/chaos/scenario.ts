/**
 * The multi-turn work the chaos tests run: two jobs (threads) with several
 * prompts each, answered by the scripted model BY PROMPT (not by call order),
 * so a turn cut off and run again gets the same answer, and a chaos run can be
 * compared with a clean reference run.
 */
import type { ScriptedResponse } from "../stand-ins/model-server.js";

/** Pause between SSE events, in ms: slow enough that kills land mid-turn. */
export const EVENT_DELAY_MS = 6;

/** A job as the bridge reads it from a jobs file. */
export type ChaosJob = { id: string; prompts: string[] };

const LOREM =
  "Store first, then push: every line codex prints is on disk before anything acts on it, " +
  "so a crash can cut a turn short but never lose or double what was already said. ";

/** Per prompt: the model's responses, step by step (a step per tool output seen after the prompt). */
export const SCRIPTS: Record<string, ScriptedResponse[]> = {
  "alpha-1: explain the outbox": [
    {
      outputs: [
        { type: "reasoning", summary: ["Thinking about the outbox."] },
        { type: "message", text: LOREM.repeat(3), chunks: 30 },
      ],
      eventDelayMs: EVENT_DELAY_MS,
    },
  ],
  "alpha-2: count some rows": [
    { outputs: [{ type: "shell", command: "for i in $(seq 1 40); do echo \"row $i\"; done" }], eventDelayMs: EVENT_DELAY_MS },
    { outputs: [{ type: "message", text: "Forty rows, counted one by one.", chunks: 12 }], eventDelayMs: EVENT_DELAY_MS },
  ],
  "alpha-3: say it in unicode": [
    { outputs: [{ type: "message", text: "Grüße aus der Outbox 👋 — 数据安全 ✓ ".repeat(4), chunks: 24 }], eventDelayMs: EVENT_DELAY_MS },
  ],
  "beta-1: a short answer": [
    { outputs: [{ type: "message", text: "Short, but streamed in pieces. ".repeat(3), chunks: 20 }], eventDelayMs: EVENT_DELAY_MS },
  ],
  "beta-2: list and explain": [
    { outputs: [{ type: "shell", command: "printf 'beta %s\\n' one two three four five" }], eventDelayMs: EVENT_DELAY_MS },
    { outputs: [{ type: "message", text: "Five words, five lines; nothing lost.", chunks: 10 }], eventDelayMs: EVENT_DELAY_MS },
  ],
};

/** The jobs of the kill test. */
export const CHAOS_JOBS: ChaosJob[] = [
  { id: "alpha", prompts: ["alpha-1: explain the outbox", "alpha-2: count some rows", "alpha-3: say it in unicode"] },
  { id: "beta", prompts: ["beta-1: a short answer", "beta-2: list and explain"] },
];

/** The jobs as a JSON Lines file's text. */
export function jobsFile(jobs: ChaosJob[]): string {
  return jobs.map((job) => JSON.stringify(job)).join("\n") + "\n";
}

/**
 * A `respond` hook for the scripted model: finds the last prompt of `scripts`
 * among the request's user messages and answers its step N, N being how many
 * tool outputs follow that prompt in the input.
 */
export function promptResponder(scripts: Record<string, ScriptedResponse[]>) {
  return (body: Record<string, unknown>): ScriptedResponse | undefined => {
    const input = Array.isArray(body.input) ? (body.input as Array<Record<string, unknown>>) : [];
    let toolOutputs = 0;
    for (let i = input.length - 1; i >= 0; i--) {
      const item = input[i] ?? {};
      if (item.type === "function_call_output" || item.type === "custom_tool_call_output") toolOutputs += 1;
      if (item.role !== "user" || !Array.isArray(item.content)) continue;
      const text = (item.content as Array<{ text?: unknown }>).map((c) => (typeof c.text === "string" ? c.text : "")).join("");
      const steps = scripts[text.trim()];
      if (steps) return steps[toolOutputs] ?? { outputs: [{ type: "message", text: "Done.", chunks: 1 }] };
    }
    return undefined;
  };
}
