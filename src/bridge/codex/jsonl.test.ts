import { PassThrough } from "node:stream";
import { describe, expect, test } from "vitest";
import {
  encodeJsonLine,
  LineSplitter,
  OVERSIZE_PREVIEW_BYTES,
  writeJsonLine,
  type OversizeLine,
} from "./jsonl.js";

type Event = { lines: string[] } | { oversize: OversizeLine };

function collect(maxLineBytes?: number): { splitter: LineSplitter; events: Event[]; lines: () => string[] } {
  const events: Event[] = [];
  const splitter = new LineSplitter(
    {
      onLines: (lines) => events.push({ lines }),
      onOversizeLine: (oversize) => events.push({ oversize }),
    },
    maxLineBytes === undefined ? {} : { maxLineBytes },
  );
  const lines = (): string[] => events.flatMap((e) => ("lines" in e ? e.lines : []));
  return { splitter, events, lines };
}

describe("LineSplitter", () => {
  const text = '{"id":0,"result":{"text":"héllo – 世界 🚀"}}\n{"method":"x"}\r\n{"a":1}\n';
  const bytes = Buffer.from(text, "utf8");
  const expected = ['{"id":0,"result":{"text":"héllo – 世界 🚀"}}', '{"method":"x"}', '{"a":1}'];

  test("yields the same lines whichever byte offset a chunk boundary falls on", () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { splitter, lines } = collect();
      splitter.push(bytes.subarray(0, cut));
      splitter.push(bytes.subarray(cut));
      splitter.end();
      expect(lines(), `cut at byte ${cut}`).toEqual(expected);
    }
  });

  test("yields the same lines when every byte is its own chunk", () => {
    const { splitter, lines } = collect();
    for (const byte of bytes) splitter.push(Uint8Array.of(byte));
    splitter.end();
    expect(lines()).toEqual(expected);
  });

  test("multi-byte characters split across chunks at every position survive", () => {
    const emoji = Buffer.from("🚀", "utf8"); // 4 bytes
    for (let cut = 1; cut < emoji.length; cut++) {
      const { splitter, lines } = collect();
      splitter.push(Buffer.concat([Buffer.from('"'), emoji.subarray(0, cut)]));
      splitter.push(Buffer.concat([emoji.subarray(cut), Buffer.from('"\n')]));
      expect(lines()).toEqual(['"🚀"']);
    }
  });

  test("delivers all lines of one chunk in one onLines call", () => {
    const { splitter, events } = collect();
    splitter.push('a\nb\nc\npartial');
    splitter.push("-end\n");
    expect(events).toEqual([{ lines: ["a", "b", "c"] }, { lines: ["partial-end"] }]);
  });

  test("strips CRLF, skips empty lines, and never calls onLines with nothing", () => {
    const { splitter, events } = collect();
    splitter.push("\r\n\n");
    splitter.push("x\r");
    splitter.push("\n");
    expect(events).toEqual([{ lines: ["x"] }]);
  });

  test("delivers a final line without newline at end of stream, once", () => {
    const { splitter, events } = collect();
    splitter.push("first\nlast");
    splitter.end();
    splitter.end();
    expect(events).toEqual([{ lines: ["first"] }, { lines: ["last"] }]);
    expect(() => splitter.push("more")).toThrow();
  });

  test("reports an over-long line with its first bytes and keeps going", () => {
    const max = 10;
    const { splitter, events } = collect(max);
    splitter.push("ok\n0123456789");
    splitter.push("ABCDEFGHIJ".repeat(200));
    splitter.push("tail\r\nafter\n");
    expect(events).toEqual([
      { lines: ["ok"] },
      {
        oversize: {
          byteLength: 10 + 2000 + 4,
          preview: ("0123456789" + "ABCDEFGHIJ".repeat(200)).slice(0, OVERSIZE_PREVIEW_BYTES),
          maxLineBytes: max,
        },
      },
      { lines: ["after"] },
    ]);
  });

  test("reports an over-long line inside one chunk in stream order", () => {
    const { splitter, events } = collect(5);
    splitter.push("a\n0123456789\nb\n");
    expect(events).toEqual([
      { lines: ["a"] },
      { oversize: { byteLength: 10, preview: "0123456789", maxLineBytes: 5 } },
      { lines: ["b"] },
    ]);
  });

  test("a line of exactly the limit passes, with or without CR", () => {
    const { splitter, lines, events } = collect(5);
    splitter.push("12345\r");
    splitter.push("\n67890\n");
    expect(lines()).toEqual(["12345", "67890"]);
    expect(events.some((e) => "oversize" in e)).toBe(false);
  });

  test("reports an over-long unterminated line at end of stream", () => {
    const { splitter, events } = collect(4);
    splitter.push("abcdefgh");
    splitter.end();
    expect(events).toEqual([{ oversize: { byteLength: 8, preview: "abcdefgh", maxLineBytes: 4 } }]);
  });
});

describe("JSON line writing", () => {
  test("encodes one object per line, escaping newlines inside strings", () => {
    expect(encodeJsonLine({ text: "a\nb" })).toBe('{"text":"a\\nb"}');
    expect(() => encodeJsonLine(undefined)).toThrow(TypeError);
  });

  test("writeJsonLine writes the line plus \\n and returns the line", async () => {
    const stream = new PassThrough();
    const line = writeJsonLine(stream, { id: 0, method: "initialize" });
    stream.end();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe(`${line}\n`);
    expect(JSON.parse(line)).toEqual({ id: 0, method: "initialize" });
  });
});
