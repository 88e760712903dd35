import { describe, expect, it } from "vitest";
import { TRUNCATION_KEY, shrinkOversizeLine } from "./oversize.js";

function hasLoneSurrogate(text: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

describe("shrinkOversizeLine", () => {
  it("returns lines that fit unchanged", () => {
    expect(shrinkOversizeLine('{"a":1}', "codex", 100)).toEqual({ line: '{"a":1}', origin: "codex" });
  });

  it("cuts the longest strings of a JSON line until it fits", () => {
    const line = JSON.stringify({ method: "m", params: { a: "a".repeat(50_000), b: "b".repeat(40_000), c: "short" } });
    const { line: out, origin } = shrinkOversizeLine(line, "codex", 20_000);
    expect(origin).toBe("codex");
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(20_000);
    const parsed = JSON.parse(out);
    expect(parsed.params.c).toBe("short");
    expect(parsed.params.a.startsWith("aaaa")).toBe(true);
    expect(parsed.params.a.endsWith("aaaa")).toBe(true);
    expect(parsed[TRUNCATION_KEY].originalBytes).toBe(line.length);
  });

  it("never splits a surrogate pair and counts multi-byte text in bytes", () => {
    const line = JSON.stringify({ text: "👋é".repeat(30_000) });
    const { line: out } = shrinkOversizeLine(line, "codex", 10_000);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(10_000);
    expect(hasLoneSurrogate(JSON.parse(out).text)).toBe(false);
  });

  it("copes with escape-heavy strings", () => {
    const line = JSON.stringify({ text: '"\\\n'.repeat(20_000) });
    const { line: out } = shrinkOversizeLine(line, "codex", 8_000);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(8_000);
    expect(JSON.parse(out).text.startsWith('"\\\n')).toBe(true);
  });

  it("falls back to a bridge stand-in for lines it cannot cut", () => {
    for (const line of ["not json ".repeat(5_000), JSON.stringify({ numbers: Array.from({ length: 20_000 }, (_, i) => i) })]) {
      const { line: out, origin } = shrinkOversizeLine(line, "codex", 4_000);
      expect(origin).toBe("bridge");
      expect(Buffer.byteLength(out)).toBeLessThanOrEqual(4_000);
      const parsed = JSON.parse(out);
      expect(parsed.method).toBe("bridge/lineTooLarge");
      expect(parsed.params).toMatchObject({ origin: "codex", originalBytes: Buffer.byteLength(line) });
      expect(line.startsWith(parsed.params.head)).toBe(true);
    }
  });
});
