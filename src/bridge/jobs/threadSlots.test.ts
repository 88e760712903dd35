import { describe, expect, it } from "vitest";
import { ThreadSlots } from "./threadSlots.js";

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("ThreadSlots", () => {
  it("counts jobs and browser threads against one limit", async () => {
    const slots = new ThreadSlots(2);
    let browser = 1;
    slots.attachServe({ inUse: () => browser, reclaimIdle: async () => false });
    await slots.takeForJob(() => false);
    expect(slots.inUse()).toBe(2);
    let second = false;
    void slots.takeForJob(() => false).then(() => (second = true));
    await settle();
    expect(second).toBe(false); // one job + one browser thread = the limit of 2
    browser = 0;
    slots.changed();
    await settle();
    expect(second).toBe(true);
    expect(slots.runningJobs).toBe(2);
  });

  it("has a job take an idle browser thread's slot when none is free", async () => {
    const slots = new ThreadSlots(1);
    let browser = 1;
    const reclaimed: string[] = [];
    slots.attachServe({
      inUse: () => browser,
      reclaimIdle: async () => {
        if (browser === 0) return false;
        browser = 0;
        reclaimed.push("idle thread");
        return true;
      },
    });
    await slots.takeForJob(() => false);
    expect(reclaimed).toEqual(["idle thread"]);
    expect(slots.inUse()).toBe(1);
  });

  it("lets a waiting job go when the bridge stops, and frees slots on release", async () => {
    const slots = new ThreadSlots(1);
    await slots.takeForJob(() => false);
    let stopped = false;
    let taken = false;
    void slots.takeForJob(() => stopped).then(() => (taken = true));
    await settle();
    expect(taken).toBe(false);
    stopped = true;
    slots.changed();
    await settle();
    expect(taken).toBe(true);
    slots.releaseJob();
    slots.releaseJob();
    slots.releaseJob();
    expect(slots.runningJobs).toBe(0);
    expect(new ThreadSlots(0).max).toBe(1);
  });
});
