/**
 * The whole text of long messages: pages carry the first
 * MAX_MESSAGE_INLINE_CHARS (8 Ki) of a text; what `useMessages({ fullText })`
 * does with a page (find the heads, load each whole text once through the
 * host's getMessageText, put it in place) run as plain calls against the
 * example host, and the pure functions on their own.
 */
import { describe, expect, test } from "vitest";
import { api } from "../../example/convex/_generated/api.js";
import { initConvexTest } from "../../test/convexTest.js";
import { ingestLines } from "../../test/support/component.js";
import { agentItem, threadStarted, turnStarted } from "../../test/support/events.js";
import { MAX_MESSAGE_INLINE_CHARS } from "../shared/limits.js";
import { fullTextKey, needsFullText, withFullTexts } from "./fullText.js";
import { mergeMessages, type UIMessage } from "./mergeStreams.js";

/** The length of the long answer the issue saw cut to 8,192 characters. */
const LONG_ANSWER_CHARS = 12_900;

function uiMessage(options: Partial<UIMessage>): UIMessage {
  return {
    _id: "m1", _creationTime: 1, threadId: "th", turnId: "tu", itemId: "it", order: 0, kind: "agentMessage",
    status: "completed", item: "{}", streaming: false, streams: [], textComplete: true, ...options,
  };
}

describe("pure logic", () => {
  test("only heads of long texts need their whole text; streamed or short ones do not", () => {
    expect(needsFullText(uiMessage({ text: "short" }))).toBe(false);
    expect(needsFullText(uiMessage({ text: "head", textParts: 2, textLength: 9000, textComplete: false }))).toBe(true);
    expect(needsFullText(uiMessage({ text: "streamed", textParts: 2, textComplete: true }))).toBe(false);
  });

  test("loaded texts go in place, keyed by message and length; nothing loaded keeps the same array", () => {
    const head = uiMessage({ text: "head", textParts: 2, textLength: 9000, textComplete: false });
    const messages = [head, uiMessage({ _id: "m2", text: "short" })];
    expect(withFullTexts(messages, new Map())).toBe(messages);
    // A text loaded for another length (the message changed since) is not used.
    expect(withFullTexts(messages, new Map([[fullTextKey({ ...head, textLength: 8000 }), "old"]]))).toBe(messages);
    const whole = "x".repeat(9000);
    const [first, second] = withFullTexts(messages, new Map([[fullTextKey(head), whole]]));
    expect(first).toMatchObject({ text: whole, textComplete: true });
    expect(second).toBe(messages[1]);
  });
});

describe("against the host", () => {
  test(`a ${LONG_ANSWER_CHARS}-character answer arrives as its head and is completed through getMessageText`, async () => {
    const t = initConvexTest();
    let answer = "";
    for (let i = 0; answer.length < LONG_ANSWER_CHARS; i++) answer += `Paragraph ${i}: ${"é😀 text ".repeat(7)}\n`;
    answer = answer.slice(0, LONG_ANSWER_CHARS);
    const alice = await ingestLines(t, [threadStarted("th-1"), turnStarted("th-1", "tu-1"), agentItem("item/completed", "th-1", "tu-1", "it-1", answer), agentItem("item/completed", "th-1", "tu-1", "it-2", "Short.")]);
    const page = await alice.query(api.codex.listMessages, { threadId: "th-1", paginationOpts: { numItems: 10, cursor: null } });
    const merged = mergeMessages(page.page, { streams: [], texts: new Map() });
    const long = merged.find((m) => m.itemId === "it-1")!;
    expect(long).toMatchObject({ textComplete: false, textLength: LONG_ANSWER_CHARS });
    expect(long.text?.length).toBe(MAX_MESSAGE_INLINE_CHARS);
    expect(merged.filter(needsFullText).map((m) => m.itemId)).toEqual(["it-1"]);
    // What useFullTexts does for each: one getMessageText call, then the text in place.
    const texts = new Map<string, string>();
    for (const message of merged.filter(needsFullText)) {
      const result = await alice.query(api.codex.getMessageText, { threadId: "th-1", itemId: message.itemId, turnId: message.turnId });
      texts.set(fullTextKey(message), result!.text!);
    }
    const whole = withFullTexts(merged, texts);
    expect(whole.map((m) => [m.itemId, m.text, m.textComplete])).toEqual([
      ["it-1", answer, true],
      ["it-2", "Short.", true],
    ]);
  });
});
