import { describe, expect, test } from "vitest";
import { utf8Bytes } from "./utf8.js";

describe("utf8Bytes", () => {
  test("matches TextEncoder on ASCII, 2-, 3- and 4-byte characters", () => {
    for (const text of ["", "abc", "é", "wörld", "€", "😀", "a😀b€é\n", "\u0800", "\uffff"]) {
      expect(utf8Bytes(text), text).toBe(new TextEncoder().encode(text).length);
    }
  });
  test("a lone surrogate counts as U+FFFD would (3 bytes)", () => {
    expect(utf8Bytes("\ud800")).toBe(3);
    expect(utf8Bytes("a\udc00")).toBe(4);
  });
});
