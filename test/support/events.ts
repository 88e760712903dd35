/**
 * Builders of Codex app-server notifications (shapes from the protocol types
 * codex 0.169 generates) and of bridge events, for component tests that need
 * precise control. Recorded real transcripts live in test/fixtures/.
 */
import type { CodexEvent } from "../../src/shared/validators.js";

export const T0 = 1_763_000_000_000;

/** A notification line as codex writes it (no "jsonrpc" field). */
export function notification(method: string, params: Record<string, unknown>): string {
  return JSON.stringify({ method, params });
}

/** Numbers lines as bridge events from seq `first` on. */
export function toEvents(lines: string[], first = 1): CodexEvent[] {
  return lines.map((line, i) => ({ seq: first + i, receivedAt: T0 + first + i, origin: "codex" as const, line }));
}

export function threadStarted(threadId: string, cwd = "/tmp/work"): string {
  return notification("thread/started", {
    thread: { id: threadId, preview: "", cwd, model: "scripted", status: { type: "idle" }, name: null },
  });
}

export function turnStarted(threadId: string, turnId: string): string {
  return notification("turn/started", {
    threadId,
    turn: { id: turnId, items: [], status: "inProgress", error: null, startedAt: 1_763_000_000, completedAt: null },
  });
}

export function turnCompleted(threadId: string, turnId: string, status = "completed"): string {
  return notification("turn/completed", {
    threadId,
    turn: { id: turnId, items: [], status, error: null, startedAt: 1_763_000_000, completedAt: 1_763_000_005 },
  });
}

export function agentItem(method: "item/started" | "item/completed", threadId: string, turnId: string, itemId: string, text: string): string {
  return notification(method, {
    threadId,
    turnId,
    item: { type: "agentMessage", id: itemId, text, phase: null },
    ...(method === "item/started" ? { startedAtMs: T0 } : { completedAtMs: T0 + 5 }),
  });
}

export function agentDelta(threadId: string, turnId: string, itemId: string, delta: string): string {
  return notification("item/agentMessage/delta", { threadId, turnId, itemId, delta });
}

/** A whole agent message: started, one delta per chunk, completed. */
export function agentMessageLines(threadId: string, turnId: string, itemId: string, chunks: string[]): string[] {
  return [
    agentItem("item/started", threadId, turnId, itemId, ""),
    ...chunks.map((c) => agentDelta(threadId, turnId, itemId, c)),
    agentItem("item/completed", threadId, turnId, itemId, chunks.join("")),
  ];
}
