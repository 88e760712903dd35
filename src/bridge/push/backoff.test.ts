import { describe, expect, it } from "vitest";
import { BASE_DELAY_MS, Backoff, MAX_DELAY_MS, backoffDelayMs } from "./backoff.js";

const almostOne = () => 0.999_999_999;

describe("backoffDelayMs", () => {
  it("doubles the ceiling with each attempt", () => {
    expect(backoffDelayMs(0, { random: almostOne })).toBe(BASE_DELAY_MS - 1);
    expect(backoffDelayMs(1, { random: almostOne })).toBe(2 * BASE_DELAY_MS - 1);
    expect(backoffDelayMs(3, { random: almostOne })).toBe(8 * BASE_DELAY_MS - 1);
  });

  it("never exceeds the cap, even for huge attempts", () => {
    expect(backoffDelayMs(50, { random: almostOne })).toBe(MAX_DELAY_MS - 1);
    expect(backoffDelayMs(10_000, { random: almostOne })).toBe(MAX_DELAY_MS - 1);
    expect(backoffDelayMs(5, { baseDelayMs: 100, maxDelayMs: 1_000, random: almostOne })).toBe(999);
  });

  it("draws uniformly from zero (full jitter)", () => {
    expect(backoffDelayMs(4, { random: () => 0 })).toBe(0);
    expect(backoffDelayMs(2, { random: () => 0.5 })).toBe(2 * BASE_DELAY_MS);
  });

  it("treats bad attempts and random values sanely", () => {
    expect(backoffDelayMs(-3, { random: almostOne })).toBe(BASE_DELAY_MS - 1);
    expect(backoffDelayMs(1.7, { random: almostOne })).toBe(2 * BASE_DELAY_MS - 1);
    expect(backoffDelayMs(0, { random: () => 7 })).toBe(BASE_DELAY_MS);
    expect(backoffDelayMs(0, { random: () => -1 })).toBe(0);
  });

  it("uses Math.random by default and stays in range", () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const delay = backoffDelayMs(attempt);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt));
      expect(Number.isInteger(delay)).toBe(true);
    }
  });
});

describe("Backoff", () => {
  it("counts attempts and resets", () => {
    const backoff = new Backoff({ baseDelayMs: 10, maxDelayMs: 1_000, random: almostOne });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([9, 19, 39]);
    expect(backoff.attempts).toBe(3);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(9);
  });
});
