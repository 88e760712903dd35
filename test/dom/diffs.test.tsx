/**
 * Diffs as the page shows them, rendered in happy-dom by the real
 * `ConvexReactClient` against the sync-protocol stand-in, the data pushed as
 * codex lines through a paired device's bridge session: a file change's
 * unified diff and a turn's whole diff (`turn/diff/updated`) with added and
 * removed lines marked and the files' paths; a long diff collapsed with a
 * button that shows the rest; a malformed diff shown as plain text, the rest
 * of the thread still there.
 */
import { cleanup, fireEvent, render, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ThreadView } from "../../example/web/components/ThreadView.js";
import toolsTurn from "../fixtures/transcripts/tools-turn.jsonl?raw";
import { agentMessageLines, notification, threadStarted, turnCompleted, turnStarted } from "../support/events.js";
import { DOM_TEST_TIMEOUT_MS, findElement, type PairedDevice, type PageWorld, recordedCodexLines, recordedThreadId, startPageWorld, WAIT } from "./pageWorld.js";

const THREAD = "thread-diffs";

let world: PageWorld;
let device: PairedDevice;

beforeEach(async () => {
  world = await startPageWorld();
  device = await world.pairDevice();
});

afterEach(async () => {
  cleanup();
  await world.close();
});

type Change = { path: string; kind: { type: "add" | "delete" } | { type: "update"; move_path: string | null }; diff: string };

/** A `fileChange` item's `item/started` and `item/completed`, as codex 0.169 writes them. */
function fileChangeLines(turnId: string, itemId: string, changes: Change[]): string[] {
  const item = (status: string) => ({ type: "fileChange", id: itemId, changes, status, startedAtMs: 1_763_000_000_000, completedAtMs: null });
  return [
    notification("item/started", { threadId: THREAD, turnId, item: item("inProgress") }),
    notification("item/completed", { threadId: THREAD, turnId, item: item("completed") }),
  ];
}

const renderThread = (threadId = THREAD) => render(<ThreadView threadId={threadId} device={undefined} />, { wrapper: world.wrapper });

/** The text of each line element of a diff, by the role the user's screen reader announces. */
const texts = (elements: Element[]) => elements.map((e) => e.textContent);

describe("diffs in the thread view", () => {
  test("a file change's unified diff shows its file, removed and added lines marked, context plain", async () => {
    await world.push(device, [
      threadStarted(THREAD),
      turnStarted(THREAD, "turn-1"),
      ...fileChangeLines("turn-1", "patch-1", [
        { path: "/tmp/work/src/app.ts", kind: { type: "update", move_path: null }, diff: "@@ -1,3 +1,3 @@\n const a = 1;\n-const b = 2;\n+const b = 3;\n const c = 4;\n" },
        { path: "/tmp/work/old.txt", kind: { type: "delete" }, diff: "gone\n" },
      ]),
    ]);
    const view = renderThread();
    const item = await findElement(view.container, 'article[data-kind="fileChange"]');
    const files = await within(item).findAllByRole("region", undefined, WAIT);
    expect(files.map((f) => f.getAttribute("aria-label"))).toEqual(["/tmp/work/src/app.ts", "/tmp/work/old.txt"]);

    const [update, deleted] = files as [HTMLElement, HTMLElement];
    expect(within(update).getByText("update")).toBeDefined();
    expect(texts(within(update).getAllByRole("deletion"))).toEqual(["-const b = 2;"]);
    expect(texts(within(update).getAllByRole("insertion"))).toEqual(["+const b = 3;"]);
    expect(texts([...update.querySelectorAll(".diff-ctx")])).toEqual([" const a = 1;", " const c = 4;"]);
    expect(update.querySelector(".diff-hunk")?.textContent).toBe("@@ -1,3 +1,3 @@");
    // A deleted file's lines are removed lines, not added ones.
    expect(texts(within(deleted).getAllByRole("deletion"))).toEqual(["-gone"]);
    expect(within(deleted).queryAllByRole("insertion")).toHaveLength(0);
  }, DOM_TEST_TIMEOUT_MS);

  test("a recorded codex turn: the new file's lines show added, and the turn's whole diff shows its file and lines", async () => {
    const lines = recordedCodexLines(toolsTurn);
    const threadId = recordedThreadId(lines);
    await world.push(device, lines);
    const view = renderThread(threadId);

    const item = await findElement(view.container, 'article[data-kind="fileChange"][data-status="completed"]');
    const file = within(item).getByRole("region");
    expect(file.getAttribute("aria-label")).toMatch(/\/notes\.txt$/);
    expect(texts(within(file).getAllByRole("insertion"))).toEqual(["+first line", "+second line"]);

    const turnDiff = await view.findByRole("region", { name: "Changes in turn 1" }, WAIT);
    const diffFile = within(turnDiff).getByRole("region", { name: "notes.txt" });
    expect(texts(within(diffFile).getAllByRole("insertion"))).toEqual(["+first line", "+second line"]);
    expect(within(diffFile).queryAllByRole("deletion")).toHaveLength(0);
  }, DOM_TEST_TIMEOUT_MS);

  test("a long diff shows its head collapsed; the button shows every line, and the whole turn diff beyond what the turn row carries", async () => {
    const LINES = 400;
    const body = Array.from({ length: LINES }, (_, i) => `-old line ${i}\n+new line ${i}\n`).join("");
    const hunk = `@@ -1,${LINES} +1,${LINES} @@\n${body}`;
    const turnDiff = `diff --git a/big.txt b/big.txt\nindex 1111111..2222222 100644\n--- a/big.txt\n+++ b/big.txt\n${hunk}`;
    await world.push(device, [
      threadStarted(THREAD),
      turnStarted(THREAD, "turn-1"),
      ...fileChangeLines("turn-1", "patch-big", [{ path: "/tmp/work/big.txt", kind: { type: "update", move_path: null }, diff: hunk }]),
      notification("turn/diff/updated", { threadId: THREAD, turnId: "turn-1", diff: turnDiff }),
      turnCompleted(THREAD, "turn-1"),
    ]);
    const view = renderThread();
    const item = await findElement(view.container, 'article[data-kind="fileChange"]');
    // Its head shows as a diff at once; the whole change loads by itself, still collapsed.
    await waitFor(() => expect(within(item).getAllByRole("insertion").length).toBeGreaterThan(0), WAIT);
    await waitFor(() => expect(within(item).queryByText("Loading the rest of this change…")).toBeNull(), WAIT);
    const shown = within(item).getAllByRole("insertion").length + within(item).getAllByRole("deletion").length;
    expect(shown).toBeLessThan(2 * LINES);
    expect(shown).toBeGreaterThan(0);
    fireEvent.click(within(item).getByRole("button", { name: /^Show all \d+ lines$/ }));
    await waitFor(() => expect(within(item).getAllByRole("insertion")).toHaveLength(LINES), WAIT);
    expect(within(item).getAllByRole("deletion")).toHaveLength(LINES);
    expect(within(item).getAllByRole("insertion").at(-1)?.textContent).toBe(`+new line ${LINES - 1}`);
    expect(within(item).queryByRole("button", { name: /^Show all/ })).toBeNull();

    // The turn's diff is longer than a turn row carries inline: its head shows, then the whole one loads.
    const changes = await view.findByRole("region", { name: "Changes in turn 1" }, WAIT);
    expect(within(changes).getByRole("region", { name: "big.txt" })).toBeDefined();
    const head = within(changes).getAllByRole("insertion").length;
    expect(head).toBeGreaterThan(0);
    expect(head).toBeLessThan(LINES);
    fireEvent.click(within(changes).getByRole("button", { name: /^Show all [\d,]+ characters$/ }));
    await waitFor(() => expect(within(changes).getAllByRole("insertion")).toHaveLength(LINES), WAIT);
    expect(within(changes).getAllByRole("deletion")).toHaveLength(LINES);
    expect(within(changes).getAllByRole("insertion").at(-1)?.textContent).toBe(`+new line ${LINES - 1}`);
  }, DOM_TEST_TIMEOUT_MS);

  test("a malformed diff shows as plain text and the rest of the thread still renders", async () => {
    const broken = "@@ -1,2 +1,2 @@\n+only one line\nthis is not a diff line\n";
    await world.push(device, [
      threadStarted(THREAD),
      turnStarted(THREAD, "turn-1"),
      ...fileChangeLines("turn-1", "patch-bad", [{ path: "/tmp/work/x.txt", kind: { type: "update", move_path: null }, diff: broken }]),
      notification("turn/diff/updated", { threadId: THREAD, turnId: "turn-1", diff: "diff --git a/x.txt b/x.txt\n@@ -1 +1 @@\nnot a diff line\n" }),
      ...agentMessageLines(THREAD, "turn-1", "msg-after", ["Done editing."]),
      turnCompleted(THREAD, "turn-1"),
    ]);
    const view = renderThread();
    await view.findByText("Done editing.", undefined, WAIT);
    const item = view.container.querySelector<HTMLElement>('article[data-kind="fileChange"]')!;
    expect(item).not.toBeNull();
    const raw = item.querySelector("pre.diff-raw");
    expect(raw?.textContent).toBe(broken);
    expect(within(item).queryAllByRole("insertion")).toHaveLength(0);
    const changes = await view.findByRole("region", { name: "Changes in turn 1" }, WAIT);
    expect(changes.querySelector("pre.diff-raw")?.textContent).toContain("not a diff line");
  }, DOM_TEST_TIMEOUT_MS);
});
