import { describe, expect, test } from "vitest";
import type { MessageDoc, StreamDelta, StreamInfo, StreamKind } from "../shared/validators.js";
import {
  applyDeltas,
  foldDeltas,
  mergeMessages,
  streamCursors,
  type StreamText,
  type StreamTexts,
} from "./mergeStreams.js";

const NONE: StreamTexts = new Map();

function d(streamId: string, start: number, end: number, text: string): StreamDelta {
  return { streamId, start, end, text };
}

function at(entries: Record<string, StreamText>): StreamTexts {
  return new Map(Object.entries(entries));
}

function info(streamId: string, itemId: string, kind: StreamKind, options: Partial<StreamInfo> = {}): StreamInfo {
  return {
    streamId,
    threadId: "th-1",
    turnId: "tu-1",
    itemId,
    kind,
    part: 0,
    state: "streaming",
    nextCursor: 0,
    ...options,
  };
}

function message(itemId: string, order: number, options: Partial<MessageDoc> = {}): MessageDoc {
  return {
    _id: `id-${itemId}`,
    _creationTime: 1000 + order,
    threadId: "th-1",
    turnId: "tu-1",
    itemId,
    order,
    kind: "agentMessage",
    status: "completed",
    item: "{}",
    ...options,
  };
}

describe("applyDeltas", () => {
  test("appends contiguous deltas and moves the cursor", () => {
    const texts = applyDeltas(NONE, [d("s", 0, 1, "Hel"), d("s", 1, 2, "lo")]);
    expect(texts.get("s")).toEqual({ cursor: 2, text: "Hello" });
  });

  test("continues from known progress", () => {
    const texts = applyDeltas(at({ s: { cursor: 2, text: "Hello" } }), [d("s", 2, 3, ", world")]);
    expect(texts.get("s")).toEqual({ cursor: 3, text: "Hello, world" });
  });

  test("never doubles text on repeated deltas", () => {
    const once = applyDeltas(NONE, [d("s", 0, 1, "a"), d("s", 1, 2, "b")]);
    const twice = applyDeltas(once, [d("s", 0, 1, "a"), d("s", 1, 2, "b"), d("s", 1, 2, "b")]);
    expect(twice.get("s")).toEqual({ cursor: 2, text: "ab" });
    const inOneBatch = applyDeltas(NONE, [d("s", 0, 1, "a"), d("s", 0, 1, "a"), d("s", 1, 2, "b")]);
    expect(inOneBatch.get("s")).toEqual({ cursor: 2, text: "ab" });
  });

  test("returns the same map when nothing moved", () => {
    const texts = at({ s: { cursor: 2, text: "ab" } });
    expect(applyDeltas(texts, [])).toBe(texts);
    expect(applyDeltas(texts, [d("s", 0, 1, "a"), d("s", 1, 2, "b")])).toBe(texts);
    expect(applyDeltas(texts, [d("s", 5, 6, "gap")])).toBe(texts);
  });

  test("does not mutate its input", () => {
    const texts = at({ s: { cursor: 1, text: "a" } });
    const next = applyDeltas(texts, [d("s", 1, 2, "b"), d("t", 0, 1, "x")]);
    expect(texts.get("s")).toEqual({ cursor: 1, text: "a" });
    expect(texts.has("t")).toBe(false);
    expect(next).not.toBe(texts);
  });

  test("orders deltas by start, whatever the input order", () => {
    const texts = applyDeltas(NONE, [d("s", 2, 3, "c"), d("s", 0, 1, "a"), d("s", 1, 2, "b")]);
    expect(texts.get("s")).toEqual({ cursor: 3, text: "abc" });
  });

  test("stops at a gap and keeps the cursor there", () => {
    const texts = applyDeltas(NONE, [d("s", 0, 1, "a"), d("s", 2, 3, "c"), d("s", 3, 4, "d")]);
    expect(texts.get("s")).toEqual({ cursor: 1, text: "a" });
    const filled = applyDeltas(texts, [d("s", 1, 2, "b"), d("s", 2, 3, "c"), d("s", 3, 4, "d")]);
    expect(filled.get("s")).toEqual({ cursor: 4, text: "abcd" });
  });

  test("a stream's first delta must start at 0", () => {
    expect(applyDeltas(NONE, [d("s", 1, 2, "late")]).has("s")).toBe(false);
  });

  test("takes coalesced runs that start at the cursor", () => {
    const texts = applyDeltas(at({ s: { cursor: 1, text: "a" } }), [d("s", 1, 4, "bcd"), d("s", 4, 5, "e")]);
    expect(texts.get("s")).toEqual({ cursor: 5, text: "abcde" });
  });

  test("skips a run that overlaps what was read, and waits for one that starts at the cursor", () => {
    const read = at({ s: { cursor: 2, text: "ab" } });
    expect(applyDeltas(read, [d("s", 1, 4, "bcd")])).toBe(read);
    const next = applyDeltas(read, [d("s", 1, 4, "bcd"), d("s", 2, 3, "c"), d("s", 3, 4, "d")]);
    expect(next.get("s")).toEqual({ cursor: 4, text: "abcd" });
  });

  test("prefers the longest run among runs with the same start", () => {
    const texts = applyDeltas(NONE, [d("s", 0, 1, "a"), d("s", 0, 3, "abc"), d("s", 1, 2, "b"), d("s", 3, 4, "d")]);
    expect(texts.get("s")).toEqual({ cursor: 4, text: "abcd" });
  });

  test("keeps streams apart", () => {
    const texts = applyDeltas(NONE, [d("a", 0, 1, "x"), d("b", 0, 1, "y"), d("a", 1, 2, "z"), d("b", 2, 3, "gap")]);
    expect(texts.get("a")).toEqual({ cursor: 2, text: "xz" });
    expect(texts.get("b")).toEqual({ cursor: 1, text: "y" });
  });

  test("reads a long stream through cursor windows of bounded size", () => {
    const all = Array.from({ length: 1000 }, (_, i) => d("s", i, i + 1, `${i},`));
    const WINDOW = 256;
    let texts: StreamTexts = NONE;
    let calls = 0;
    for (;;) {
      const cursor = texts.get("s")?.cursor ?? 0;
      const answer = all.filter((delta) => delta.start >= cursor).slice(0, WINDOW);
      if (answer.length === 0) break;
      texts = applyDeltas(texts, answer);
      calls++;
    }
    expect(calls).toBe(4);
    expect(texts.get("s")).toEqual({ cursor: 1000, text: all.map((delta) => delta.text).join("") });
  });

  test("stale and overlapping windows converge on the same text", () => {
    const all = Array.from({ length: 20 }, (_, i) => d("s", i, i + 1, String.fromCharCode(97 + i)));
    let texts: StreamTexts = NONE;
    texts = applyDeltas(texts, all.slice(0, 8));
    texts = applyDeltas(texts, all.slice(4, 12).reverse());
    texts = applyDeltas(texts, all.slice(0, 5));
    texts = applyDeltas(texts, [...all.slice(15, 20), ...all.slice(12, 14)]);
    expect(texts.get("s")).toEqual({ cursor: 14, text: "abcdefghijklmn" });
    texts = applyDeltas(texts, all.slice(14));
    expect(texts.get("s")?.text).toBe("abcdefghijklmnopqrst");
  });
});

describe("foldDeltas", () => {
  test("drops progress of streams that left the live list and ignores their deltas", () => {
    const texts = at({ a: { cursor: 1, text: "x" }, b: { cursor: 1, text: "y" } });
    const next = foldDeltas(texts, [info("a", "it-1", "agentText")], [d("a", 1, 2, "z"), d("b", 1, 2, "w"), d("c", 0, 1, "v")]);
    expect([...next.entries()]).toEqual([["a", { cursor: 2, text: "xz" }]]);
  });

  test("returns the same map when nothing changed", () => {
    const texts = at({ a: { cursor: 1, text: "x" } });
    expect(foldDeltas(texts, [info("a", "it-1", "agentText")], [d("a", 0, 1, "x")])).toBe(texts);
    expect(foldDeltas(texts, [info("a", "it-1", "agentText")], [], [{ streamId: "a", status: "ok", cursor: 1 }])).toBe(texts);
  });

  test("a rebased answer replaces what was read with the durable text, then deltas continue from its cursor", () => {
    const texts = at({ a: { cursor: 1, text: "He" } });
    const live = [info("a", "it-1", "agentText")];
    const next = foldDeltas(texts, live, [d("a", 5, 6, "!")], [{ streamId: "a", status: "rebased", cursor: 5, text: "Hello" }]);
    expect(next.get("a")).toEqual({ cursor: 6, text: "Hello!" });
    // A rebase behind what was read already changes nothing.
    expect(foldDeltas(next, live, [], [{ streamId: "a", status: "rebased", cursor: 5, text: "Hello" }])).toBe(next);
  });

  test("a stale answer drops the stream's progress", () => {
    const texts = at({ a: { cursor: 3, text: "abc" } });
    const next = foldDeltas(texts, [info("a", "it-1", "agentText")], [], [{ streamId: "a", status: "stale", cursor: 3 }]);
    expect(next.has("a")).toBe(false);
  });
});

describe("streamCursors", () => {
  test("asks from each stream's cursor, streams behind first", () => {
    const streams = [
      info("a", "it-1", "agentText", { nextCursor: 3 }),
      info("b", "it-2", "commandOutput", { nextCursor: 5 }),
      info("c", "it-3", "plan", { nextCursor: 0 }),
    ];
    const texts = at({ a: { cursor: 3, text: "abc" }, b: { cursor: 2, text: "xy" } });
    expect(streamCursors(streams, texts)).toEqual([
      { streamId: "b", cursor: 2 },
      { streamId: "a", cursor: 3 },
      { streamId: "c", cursor: 0 },
    ]);
  });

  test("leaves out finished streams that are caught up, keeps those behind", () => {
    const streams = [
      info("a", "it-1", "agentText", { nextCursor: 2, state: "finished" }),
      info("b", "it-2", "agentText", { nextCursor: 4, state: "finished" }),
    ];
    const texts = at({ a: { cursor: 2, text: "ab" }, b: { cursor: 1, text: "x" } });
    expect(streamCursors(streams, texts)).toEqual([{ streamId: "b", cursor: 1 }]);
  });

  test("caps the number of cursors", () => {
    const streams = Array.from({ length: 70 }, (_, i) => info(`s${i}`, `it-${i}`, "agentText", { nextCursor: i % 2 }));
    const cursors = streamCursors(streams, NONE);
    expect(cursors).toHaveLength(64);
    expect(cursors.slice(0, 35).every((c) => Number(c.streamId.slice(1)) % 2 === 1)).toBe(true);
    expect(streamCursors(streams, NONE, 3)).toHaveLength(3);
    expect(streamCursors(streams, NONE, 0)).toEqual([]);
  });
});

describe("mergeMessages", () => {
  const noStreams = { streams: [], texts: NONE };

  test("sorts ascending by order, from pages in any order", () => {
    const newestFirst = [message("c", 2), message("b", 1), message("a", 0)];
    const olderPage = [message("z", -1)];
    expect(mergeMessages([...newestFirst, ...olderPage], noStreams).map((m) => m.itemId)).toEqual(["z", "a", "b", "c"]);
  });

  test("an item id reused by a rerun turn is a message of its own", () => {
    const cutOff = message("a", 0, { turnId: "tu-1", status: "failed", text: "Hello wor" });
    const rerun = message("a", 1, { turnId: "tu-2", text: "Hello world!", _id: "id-a2" });
    expect(mergeMessages([rerun, cutOff], noStreams).map((m) => [m.turnId, m.text])).toEqual([
      ["tu-1", "Hello wor"],
      ["tu-2", "Hello world!"],
    ]);
  });

  test("keeps durable messages as they are, not streaming", () => {
    const [merged] = mergeMessages([message("a", 0, { text: "done" })], noStreams);
    expect(merged).toMatchObject({ itemId: "a", text: "done", streaming: false, streams: [] });
  });

  test("shows streamed text while the message is in progress", () => {
    const merged = mergeMessages([message("a", 0, { status: "inProgress", text: "" })], {
      streams: [info("s", "a", "agentText", { nextCursor: 2 })],
      texts: at({ s: { cursor: 2, text: "Hello" } }),
    });
    expect(merged[0]).toMatchObject({
      text: "Hello",
      streaming: true,
      streams: [{ streamId: "s", kind: "agentText", part: 0, text: "Hello", cursor: 2 }],
    });
  });

  test("durable text wins once the message is completed", () => {
    const live = { streams: [info("s", "a", "agentText")], texts: at({ s: { cursor: 2, text: "Hel" } }) };
    const [merged] = mergeMessages([message("a", 0, { status: "completed", text: "Hello" })], live);
    expect(merged).toMatchObject({ text: "Hello", streaming: false, streams: [] });
  });

  test("keeps durable text while no stream text has arrived", () => {
    const live = { streams: [info("s", "a", "agentText")], texts: NONE };
    const [merged] = mergeMessages([message("a", 0, { status: "inProgress", text: "started" })], live);
    expect(merged).toMatchObject({ text: "started", streaming: true });
    expect(merged?.streams).toEqual([{ streamId: "s", kind: "agentText", part: 0, text: "", cursor: 0 }]);
  });

  test("joins reasoning summary parts in part order and lists every stream", () => {
    const live = {
      streams: [
        info("r1", "a", "reasoningSummary", { part: 1 }),
        info("rt", "a", "reasoningText"),
        info("r0", "a", "reasoningSummary", { part: 0 }),
      ],
      texts: at({
        r0: { cursor: 1, text: "**Plan**" },
        r1: { cursor: 2, text: "Then test" },
        rt: { cursor: 1, text: "raw" },
      }),
    };
    const [merged] = mergeMessages([message("a", 0, { kind: "reasoning", status: "inProgress" })], live);
    expect(merged?.text).toBe("**Plan**\n\nThen test");
    expect(merged?.streams.map((s) => [s.kind, s.part, s.text])).toEqual([
      ["reasoningSummary", 0, "**Plan**"],
      ["reasoningSummary", 1, "Then test"],
      ["reasoningText", 0, "raw"],
    ]);
  });

  test("uses command output as a command's text and attaches streams to their own items", () => {
    const live = {
      streams: [info("out", "cmd", "commandOutput"), info("txt", "msg", "agentText")],
      texts: at({ out: { cursor: 1, text: "$ ls\n" }, txt: { cursor: 1, text: "Running" } }),
    };
    const merged = mergeMessages(
      [
        message("msg", 0, { status: "inProgress" }),
        message("cmd", 1, { kind: "commandExecution", status: "inProgress" }),
        message("other", 2, { status: "inProgress", text: "x" }),
      ],
      live,
    );
    expect(merged.map((m) => [m.itemId, m.text, m.streams.length])).toEqual([
      ["msg", "Running", 1],
      ["cmd", "$ ls\n", 1],
      ["other", "x", 0],
    ]);
  });

  test("ignores streams of messages not loaded and stream kinds that are not the item's text", () => {
    const live = {
      streams: [info("s", "unloaded", "agentText"), info("p", "a", "plan")],
      texts: at({ s: { cursor: 1, text: "?" }, p: { cursor: 1, text: "- step" } }),
    };
    const merged = mergeMessages([message("a", 0, { status: "inProgress", text: "durable" })], live);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({ text: "durable", streaming: true });
  });

  describe("de-duplicates by itemId", () => {
    test("completed beats inProgress, whichever page comes first", () => {
      const inProgress = message("a", 0, { status: "inProgress", text: "" });
      const completed = message("a", 0, { status: "completed", text: "done", completedAt: 5 });
      for (const pages of [
        [inProgress, completed],
        [completed, inProgress],
      ]) {
        const merged = mergeMessages(pages, noStreams);
        expect(merged).toHaveLength(1);
        expect(merged[0]?.text).toBe("done");
      }
    });

    test("failed and declined count as finished too", () => {
      const merged = mergeMessages(
        [message("a", 0, { status: "inProgress" }), message("a", 0, { status: "failed" })],
        noStreams,
      );
      expect(merged[0]?.status).toBe("failed");
    });

    test("then later completedAt, longer text, later _creationTime, else the first copy", () => {
      const pick = (x: MessageDoc, y: MessageDoc) => mergeMessages([x, y], noStreams)[0]?.text;
      expect(pick(message("a", 0, { text: "1", completedAt: 2 }), message("a", 0, { text: "2", completedAt: 3 }))).toBe("2");
      expect(pick(message("a", 0, { status: "inProgress", text: "ab" }), message("a", 0, { status: "inProgress", text: "a" }))).toBe("ab");
      expect(pick(message("a", 0, { text: "x", textLength: 10 }), message("a", 0, { text: "yy" }))).toBe("x");
      expect(pick(message("a", 0, { text: "p", _creationTime: 1 }), message("a", 0, { text: "q", _creationTime: 2 }))).toBe("q");
      expect(pick(message("a", 0, { text: "first" }), message("a", 0, { text: "other" }))).toBe("first");
    });

    test("an item in two adjacent pages appears once, in order", () => {
      const page0 = [message("d", 3, { status: "inProgress" }), message("c", 2)];
      const page1 = [message("c", 2), message("b", 1), message("a", 0)];
      expect(mergeMessages([...page0, ...page1], noStreams).map((m) => m.itemId)).toEqual(["a", "b", "c", "d"]);
    });
  });

  test("breaks order ties by itemId so the result is stable", () => {
    expect(mergeMessages([message("b", 0), message("a", 0)], noStreams).map((m) => m.itemId)).toEqual(["a", "b"]);
  });
});
