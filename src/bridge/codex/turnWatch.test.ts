import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { BridgeLog } from "../log.js";
import { codexErrorText, TurnWatch } from "./turnWatch.js";

const THREAD = "th-1";
const TURN = "tu-1";

function retrying(message = "Reconnecting... waiting for network") {
  return {
    threadId: THREAD,
    turnId: TURN,
    willRetry: true,
    error: { message, additionalDetails: "Connection failed: error sending request", codexErrorInfo: null, misalignment: null },
  };
}

function setup(retryTimeoutMs = 1_000) {
  const lines: Array<[string, string]> = [];
  const log: BridgeLog = {
    error: (m) => lines.push(["error", m]),
    warn: (m) => lines.push(["warn", m]),
    info: () => {},
    debug: () => {},
  };
  const stalled: string[] = [];
  const watch = new TurnWatch({ threadId: THREAD, retryTimeoutMs, log, onStalled: (reason) => stalled.push(reason) });
  watch.bind(TURN);
  return { watch, lines, stalled };
}

describe("TurnWatch", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reports codex's errors at once: warn while it retries, error when it gives up", () => {
    const { watch, lines } = setup();
    watch.observe("error", retrying());
    watch.observe("error", { ...retrying("unexpected status 401 Unauthorized"), willRetry: false });
    expect(lines[0]?.[0]).toBe("warn");
    expect(lines[0]?.[1]).toMatch(/^codex: Reconnecting\.\.\. waiting for network \(Connection failed: error sending request\); codex retries/);
    expect(lines[1]).toEqual(["error", "codex: unexpected status 401 Unauthorized (Connection failed: error sending request)"]);
    watch.dispose();
  });

  it("calls the turn stalled after the retry timeout with no progress, once, with the last error", () => {
    const { watch, stalled } = setup(1_000);
    watch.observe("error", retrying());
    vi.advanceTimersByTime(600);
    watch.observe("error", retrying("Reconnecting... 2/5")); // more retries do not restart the clock
    vi.advanceTimersByTime(500);
    expect(stalled).toHaveLength(1);
    expect(stalled[0]).toMatch(/no answer from the model for 1 s.*last error: Reconnecting\.\.\. 2\/5.*--retry-timeout/);
    vi.advanceTimersByTime(5_000);
    expect(stalled).toHaveLength(1);
    watch.dispose();
  });

  it("restarts the clock when the turn makes progress, and ignores other threads and turns", () => {
    const { watch, stalled } = setup(1_000);
    watch.observe("error", retrying());
    vi.advanceTimersByTime(900);
    watch.observe("item/agentMessage/delta", { threadId: THREAD, turnId: TURN, delta: "x" });
    watch.observe("error", { ...retrying(), threadId: "other" });
    watch.observe("error", { ...retrying(), turnId: "other-turn" });
    vi.advanceTimersByTime(5_000);
    expect(stalled).toEqual([]);
    watch.dispose();
  });

  it("stops its timer on dispose", () => {
    const { watch, stalled } = setup(1_000);
    watch.observe("error", retrying());
    watch.dispose();
    vi.advanceTimersByTime(5_000);
    expect(stalled).toEqual([]);
  });

  it("takes the final answer, else the last agent message", () => {
    const { watch } = setup();
    const item = (text: string, phase: string | null) => ({ threadId: THREAD, turnId: TURN, item: { type: "agentMessage", id: text, text, phase } });
    expect(watch.answer).toBeNull();
    watch.observe("item/completed", item("thinking aloud", null));
    expect(watch.answer).toBe("thinking aloud");
    watch.observe("item/completed", item("The answer.", "final_answer"));
    watch.observe("item/completed", item("a later comment", "commentary"));
    expect(watch.answer).toBe("The answer.");
    watch.dispose();
  });

  it("reads an error notification's text defensively", () => {
    expect(codexErrorText({ error: { message: "boom", additionalDetails: null } })).toBe("boom");
    expect(codexErrorText({ error: { message: 3 } })).toBeNull();
    expect(codexErrorText("nope")).toBeNull();
  });
});
