/**
 * An approval from a recorded real codex turn (test/fixtures/transcripts/
 * approval-turn.jsonl), pushed through a paired device's bridge session and
 * rendered by the page's thread view over the real `ConvexReactClient`: an
 * answer the desktop could not deliver says so and the user can decide
 * again (the decision codex offered reaching the device as is); an approval
 * that expired says so and offers no buttons.
 */
import { cleanup, fireEvent, render, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ThreadView } from "../../example/web/components/ThreadView.js";
import approvalTurn from "../fixtures/transcripts/approval-turn.jsonl?raw";
import { notification } from "../support/events.js";
import {
  DOM_TEST_TIMEOUT_MS,
  type PairedDevice,
  type PageWorld,
  queuedCommands,
  recordedCodexLines,
  recordedThreadId,
  runCommand,
  startPageWorld,
  WAIT,
} from "./pageWorld.js";

let world: PageWorld;
let device: PairedDevice;
let threadId: string;

/** Codex's lines up to its first approval request (a command), not yet answered. */
function upToCommandApproval(): string[] {
  const lines = recordedCodexLines(approvalTurn);
  return lines.slice(0, lines.findIndex((l) => l.includes("item/commandExecution/requestApproval")) + 1);
}

beforeEach(async () => {
  world = await startPageWorld();
  const lines = upToCommandApproval();
  threadId = recordedThreadId(lines);
  device = await world.pairDevice({ runningThreadIds: [threadId] });
  await world.push(device, lines);
});

afterEach(async () => {
  cleanup();
  await world.close();
});

const queuedAnswers = () => queuedCommands(device, "answerServerRequest");

describe("a recorded codex approval in the thread view", () => {
  test("an answer the desktop could not deliver says so; the user decides again and codex's offered decision reaches the device", async () => {
    const view = render(<ThreadView threadId={threadId} device={undefined} />, { wrapper: world.wrapper });
    const card = await view.findByRole("group", { name: "Approval needed" }, WAIT);
    expect(card.closest("article")?.getAttribute("data-item-id")).toBe("call_2");
    expect(within(card).getAllByRole("button").map((b) => b.textContent)).toEqual(["Allow", "Always allow this command", "Decline and stop the turn"]);

    fireEvent.click(within(card).getByRole("button", { name: "Allow" }));
    await within(card).findByText("Answer sent; waiting for your desktop…", undefined, WAIT);
    const [first] = await queuedAnswers();
    await runCommand(device, first!.commandId, { error: { code: "BRIDGE_RESTARTED", message: "the bridge restarted before codex took the answer" } });
    expect((await within(card).findByRole("alert", undefined, WAIT)).textContent).toContain("the bridge restarted before codex took the answer");
    await waitFor(() => expect(within(card).getByRole("button", { name: "Always allow this command" }).hasAttribute("disabled")).toBe(false), WAIT);

    fireEvent.click(within(card).getByRole("button", { name: "Always allow this command" }));
    await within(card).findByText("Answer sent; waiting for your desktop…", undefined, WAIT);
    expect(within(card).queryByRole("alert")).toBeNull();
    expect((await queuedAnswers()).map((c) => c.args.response)).toEqual([{ decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["touch", "approved.txt"] } } }]);
  }, DOM_TEST_TIMEOUT_MS);

  test("an approval that expired says why and offers no decision", async () => {
    const view = render(<ThreadView threadId={threadId} device={undefined} />, { wrapper: world.wrapper });
    await view.findByRole("group", { name: "Approval needed" }, WAIT);
    await world.push(device, [notification("bridge/serverRequestExpired", { requestId: 0, reason: "codex restarted (exit code 1)" })], { origin: "bridge" });

    const expired = await view.findByRole("group", { name: "Approval expired" }, WAIT);
    expect(expired.closest("article")?.getAttribute("data-item-id")).toBe("call_2");
    expect(expired.textContent).toContain("touch approved.txt");
    expect(within(expired).getByRole("status").textContent).toContain("codex restarted (exit code 1)");
    expect(within(expired).queryAllByRole("button")).toHaveLength(0);
    expect(view.queryByRole("group", { name: "Approval needed" })).toBeNull();
  }, DOM_TEST_TIMEOUT_MS);

  test("a file change approval shows its diff as the thread shows diffs: the file by path, its added lines marked", async () => {
    // The rest of the recorded turn up to codex's file-change request (the command approval still open).
    const lines = recordedCodexLines(approvalTurn);
    const fileChange = lines.findIndex((l) => l.includes("item/fileChange/requestApproval"));
    await world.push(device, lines.slice(upToCommandApproval().length, fileChange + 1).filter((l) => !l.includes("serverRequest/resolved")));
    const view = render(<ThreadView threadId={threadId} device={undefined} />, { wrapper: world.wrapper });
    const card = await waitFor(() => {
      const found = view.getAllByRole("group", { name: "Approval needed" }).find((g) => g.textContent?.includes("Apply these changes?"));
      expect(found).toBeDefined();
      return found!;
    }, WAIT);
    const file = within(card).getByRole("region", { name: /approved-patch\.txt$/ });
    expect(within(file).getAllByRole("insertion").map((line) => line.textContent)).toEqual(["+patched"]);
    expect(card.textContent).not.toMatch(/--- \S+ \(add\)/);
  }, DOM_TEST_TIMEOUT_MS);
});
