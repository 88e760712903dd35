/**
 * Feeds of real `codex app-server` 0.169 lines at any scale, made from the
 * recorded transcripts in test/fixtures/transcripts: the recorded lines are kept
 * as codex wrote them, except that
 * - the text deltas of chosen items are replaced by generated ones, each a copy
 *   of the item's first recorded delta line with a new `delta`, and the item's
 *   `item/completed` carries the whole generated text;
 * - turns and items can be renamed (a suffix), to repeat a turn in one thread;
 * - every `emittedAtMs` is re-stamped 1 ms after the previous line's: a model
 *   streaming at its own pace, one delta per millisecond, never two lines of a
 *   stream in the same millisecond.
 *
 * Node only (reads the fixtures from disk). Used by the coalescing tests and by
 * `npm run bench`.
 */
import { readFileSync } from "node:fs";
import { toEvents } from "./events.js";
import type { CodexEvent } from "../../src/shared/validators.js";

/** The recorded transcripts, by file name without `.jsonl`. */
export type TranscriptName = "text-turn" | "tools-turn" | "approval-turn" | "interrupt-turn";

/** `emittedAtMs` of a generated feed's first line (Unix ms; the recordings' own clock). */
export const FEED_START_MS = 1_795_397_230_000;

const recordings = new Map<TranscriptName, string[]>();

/** The "in" lines (codex → bridge) of a recorded transcript, in order. */
export function recordedLines(name: TranscriptName): string[] {
  let lines = recordings.get(name);
  if (lines === undefined) {
    const text = readFileSync(new URL(`../fixtures/transcripts/${name}.jsonl`, import.meta.url), "utf8");
    lines = text
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as { dir: string; line: string })
      .filter((l) => l.dir === "in")
      .map((l) => l.line);
    recordings.set(name, lines);
  }
  return [...lines];
}

/** `n` bytes of ASCII text, different for each `i` (n ≥ 6; i < 36⁴ for n = 6). */
export function chunkText(i: number, n: number): string {
  return `${i.toString(36)}`.padStart(4, "0").padEnd(n - 1, "~") + " ";
}

/** The text of `count` chunks of `bytes` bytes each (see {@link chunkText}). */
export function chunks(count: number, bytes: number): string[] {
  return Array.from({ length: count }, (_, i) => chunkText(i, bytes));
}

/** `bytes` of command output as lines of up to 64 bytes, cut into deltas of `deltaBytes`. */
export function outputChunks(bytes: number, deltaBytes: number): string[] {
  let text = "";
  for (let line = 0; text.length < bytes; line++) text += `line ${String(line).padStart(8, "0")}: ${"o".repeat(48)}\n`;
  text = text.slice(0, bytes);
  const out: string[] = [];
  for (let at = 0; at < text.length; at += deltaBytes) out.push(text.slice(at, at + deltaBytes));
  return out;
}

/** How to build one turn from a recording. */
export type TurnSpec = {
  from: TranscriptName;
  /** New text deltas by recorded item id: each item's recorded deltas are replaced by these. */
  deltas?: Record<string, string[]>;
  /** Appended to the turn id and every item id, to repeat a turn in one thread. */
  suffix?: string;
  /** Renames the recorded thread id (to put turns of different recordings in one thread). */
  threadId?: string;
  /** Keep the lines before `turn/started` (responses, thread/started): the first turn of a thread. */
  withThreadStart?: boolean;
};

type Json = Record<string, unknown>;

function threadIdOf(lines: string[]): string {
  for (const line of lines) {
    const m = JSON.parse(line) as Json;
    if (m.method === "thread/started") return ((m.params as Json).thread as Json).id as string;
  }
  throw new Error("recording has no thread/started line");
}

function turnIdOf(lines: string[]): string {
  for (const line of lines) {
    const m = JSON.parse(line) as Json;
    if (m.method === "turn/started") return ((m.params as Json).turn as Json).id as string;
  }
  throw new Error("recording has no turn/started line");
}

/** Sets the item's durable text in its `item/completed` to `text` (agent message, plan, command, reasoning summary 0). */
function setCompletedText(item: Json, text: string): void {
  if (item.type === "agentMessage" || item.type === "plan") item.text = text;
  else if (item.type === "commandExecution") item.aggregatedOutput = text;
  else if (item.type === "reasoning") item.summary = [text];
}

/** The codex lines of one turn built by `spec`, with `emittedAtMs` not yet re-stamped. */
export function turnLines(spec: TurnSpec): string[] {
  let lines = recordedLines(spec.from);
  const recordedThread = threadIdOf(lines);
  const recordedTurn = turnIdOf(lines);
  const start = lines.findIndex((l) => l.includes('"method":"turn/started"'));
  if (!spec.withThreadStart) lines = lines.slice(start);
  const out: string[] = [];
  const replaced = new Set<string>();
  for (const line of lines) {
    const message = JSON.parse(line) as Json;
    const params = (message.params ?? {}) as Json;
    const itemId = typeof params.itemId === "string" ? params.itemId : undefined;
    const newDeltas = itemId !== undefined ? spec.deltas?.[itemId] : undefined;
    if (newDeltas && typeof params.delta === "string") {
      if (!replaced.has(itemId!)) {
        replaced.add(itemId!);
        for (const delta of newDeltas) out.push(JSON.stringify({ ...message, params: { ...params, delta } }));
      }
      continue;
    }
    const item = params.item as Json | undefined;
    if (message.method === "item/completed" && item && typeof item.id === "string" && spec.deltas?.[item.id]) {
      setCompletedText(item, spec.deltas[item.id]!.join(""));
      out.push(JSON.stringify(message));
      continue;
    }
    out.push(line);
  }
  const renamed = [recordedTurn, ...itemIdsOf(lines)];
  return out.map((line) => {
    let text = line;
    if (spec.threadId) text = text.replaceAll(`"${recordedThread}"`, `"${spec.threadId}"`);
    if (spec.suffix) for (const id of renamed) text = text.replaceAll(`"${id}"`, `"${id}${spec.suffix}"`);
    return text;
  });
}

/** The ids of the items a recording starts. */
function itemIdsOf(lines: string[]): string[] {
  const ids: string[] = [];
  for (const line of lines) {
    const m = JSON.parse(line) as Json;
    const item = (m.params as Json | undefined)?.item as Json | undefined;
    if (m.method === "item/started" && typeof item?.id === "string") ids.push(item.id);
  }
  return ids;
}

/** Re-stamps every line that carries `emittedAtMs`: 1 ms after the previous one, from `startMs`. */
export function restamp(lines: string[], startMs = FEED_START_MS): string[] {
  let clock = startMs;
  return lines.map((line) => {
    if (!line.includes('"emittedAtMs":')) return line;
    const message = JSON.parse(line) as Json;
    message.emittedAtMs = clock++;
    return JSON.stringify(message);
  });
}

/** A whole feed: turns in one thread, re-stamped, as bridge events from seq 1. */
export function feedEvents(turns: TurnSpec[]): CodexEvent[] {
  return toEvents(restamp(turns.flatMap((spec) => turnLines(spec))));
}

/** One agent message of `count` deltas of `bytes` bytes (the text turn's `msg_2`), from thread start on. */
export function agentMessageFeed(count: number, bytes = 8): { events: CodexEvent[]; text: string } {
  const deltas = chunks(count, bytes);
  return { events: feedEvents([{ from: "text-turn", withThreadStart: true, deltas: { msg_2: deltas } }]), text: deltas.join("") };
}

/** One command whose output is `bytes` bytes in deltas of `deltaBytes` (the tools turn's `call_4`), from thread start on. */
export function commandOutputFeed(bytes: number, deltaBytes = 8 * 1024): { events: CodexEvent[]; text: string } {
  const deltas = outputChunks(bytes, deltaBytes);
  return { events: feedEvents([{ from: "tools-turn", withThreadStart: true, deltas: { call_4: deltas } }]), text: deltas.join("") };
}

/** The thread id of the tools turn recording; {@link threadFeed} and {@link mixedThreadFeed} put every turn in it. */
export const TOOLS_THREAD_ID = "01a20604-df52-7590-a485-659004652b85";

/** A thread of `turns` recorded text turns (a user message and a short agent message each: 2 messages per turn). */
export function threadFeed(turns: number): CodexEvent[] {
  return feedEvents(
    Array.from({ length: turns }, (_, k): TurnSpec =>
      k === 0 ? { from: "text-turn", withThreadStart: true, threadId: TOOLS_THREAD_ID } : { from: "text-turn", threadId: TOOLS_THREAD_ID, suffix: `-${k}` },
    ),
  );
}

/**
 * A mixed thread of `turns` turns alternating the recorded tools turn (reasoning
 * of 50 deltas, a message of 200, a command output of 8 deltas of 1 KiB) and
 * text turn (a message of 300 deltas), text deltas of 8 bytes.
 * @param withText - False for the same turns with no text deltas (a baseline).
 * @returns the events and the bytes of streamed text.
 */
export function mixedThreadFeed(turns: number, withText = true): { events: CodexEvent[]; textBytes: number } {
  let textBytes = 0;
  const specs = Array.from({ length: turns }, (_, k): TurnSpec => {
    const deltas: Record<string, string[]> =
      k % 2 === 0
        ? { rs_2: chunks(50, 8), msg_3: chunks(40, 8), msg_9: chunks(200, 8), call_4: outputChunks(8 * 1024, 1024) }
        : { msg_2: chunks(300, 8) };
    if (!withText) for (const key of Object.keys(deltas)) deltas[key] = [];
    textBytes += Object.values(deltas).flat().join("").length;
    const from: TranscriptName = k % 2 === 0 ? "tools-turn" : "text-turn";
    return k === 0 ? { from, withThreadStart: true, deltas } : { from, threadId: TOOLS_THREAD_ID, suffix: `-${k}`, deltas };
  });
  return { events: feedEvents(specs), textBytes };
}

/**
 * One turn running `streams` commands at once (the tools turn's `call_4`,
 * renamed), each streaming `bytesEach` of output in deltas of `deltaBytes`,
 * their deltas interleaved; no command completes (the streams stay live).
 */
export function parallelCommandsFeed(streams: number, bytesEach: number, deltaBytes: number): CodexEvent[] {
  const recorded = recordedLines("tools-turn");
  const started = recorded.findIndex((l) => l.includes('"method":"turn/started"'));
  const head = recorded.slice(0, started + 1);
  const itemStarted = recorded.find((l) => l.includes('"method":"item/started"') && l.includes('"call_4"'))!;
  const delta = JSON.parse(recorded.find((l) => l.includes('"item/commandExecution/outputDelta"'))!) as Json;
  const lines = [...head];
  for (let k = 0; k < streams; k++) lines.push(itemStarted.replaceAll('"call_4"', `"call_4_${k}"`));
  const output = outputChunks(bytesEach, deltaBytes);
  for (const text of output) {
    for (let k = 0; k < streams; k++) lines.push(JSON.stringify({ ...delta, params: { ...(delta.params as Json), itemId: `call_4_${k}`, delta: text } }));
  }
  return toEvents(restamp(lines));
}
