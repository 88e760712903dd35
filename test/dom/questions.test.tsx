/**
 * Codex's questions (`item/tool/requestUserInput`) as the page shows them,
 * rendered in happy-dom by the real `ConvexReactClient` against the
 * sync-protocol stand-in, with a device paired over HTTP whose bridge session
 * pushes the request as codex writes it: the questions and options show in
 * the thread; the chosen and typed answers reach the device as an
 * `answerServerRequest` command of codex's response shape; the card leaves
 * once the desktop resolved it; an answer the desktop could not deliver lets
 * the user answer again; an expired question says so and takes no answer; the
 * keyboard alone can answer.
 */
import { cleanup, fireEvent, render, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { api } from "../../example/convex/_generated/api.js";
import { ThreadView } from "../../example/web/components/ThreadView.js";
import { agentMessageLines, notification, threadStarted, turnStarted } from "../support/events.js";
import { DOM_TEST_TIMEOUT_MS, type PairedDevice, type PageWorld, queuedCommands, runCommand, startPageWorld, WAIT } from "./pageWorld.js";

const THREAD = "thread-questions";
const TURN = "turn-1";
/** The JSON-RPC id codex gave the request. */
const REQUEST_ID = 21;

let world: PageWorld;
let device: PairedDevice;

beforeEach(async () => {
  world = await startPageWorld();
  device = await world.pairDevice({ runningThreadIds: [THREAD] });
  await world.push(device, [threadStarted(THREAD), turnStarted(THREAD, TURN), ...agentMessageLines(THREAD, TURN, "msg-1", ["I need two answers first."])]);
});

afterEach(async () => {
  cleanup();
  await world.close();
});

type Question = { id: string; header: string; question: string; isOther: boolean; isSecret: boolean; options: { label: string; description: string }[] | null };

const BRANCH: Question = {
  id: "branch",
  header: "Branch",
  question: "Which branch should I push to?",
  isOther: false,
  isSecret: false,
  options: [
    { label: "main", description: "the default branch" },
    { label: "dev", description: "work in progress" },
  ],
};
const NOTE: Question = { id: "note", header: "Note", question: "Anything to add to the commit message?", isOther: true, isSecret: false, options: null };

/** The request line as codex 0.169 writes it (`ToolRequestUserInputParams`). */
function requestLine(questions: Question[], id = REQUEST_ID): string {
  return JSON.stringify({
    id,
    method: "item/tool/requestUserInput",
    params: { threadId: THREAD, turnId: TURN, itemId: "call_ask", questions, isBlocking: true, autoResolutionMs: null },
  });
}

const renderThread = () => render(<ThreadView threadId={THREAD} device={undefined} />, { wrapper: world.wrapper });

/** The answer commands queued for the device, with their parsed arguments. */
const answerCommands = () => queuedCommands(device, "answerServerRequest");

describe("codex's questions in the thread view", () => {
  test("the questions and options show; the chosen and typed answers reach the desktop in codex's shape; the resolved question leaves", async () => {
    await world.push(device, [requestLine([BRANCH, NOTE])]);
    const view = renderThread();
    const card = await view.findByRole("form", { name: "Codex asks" }, WAIT);
    // In the thread, after the message codex wrote before asking.
    const message = view.getByText("I need two answers first.");
    expect(message.compareDocumentPosition(card) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();

    const branch = within(card).getByRole("group", { name: "Branch" });
    expect(within(branch).getByText(BRANCH.question)).toBeDefined();
    const radios = within(branch).getAllByRole("radio");
    expect(radios.map((r) => r.closest("label")?.textContent)).toEqual(["main the default branch", "dev work in progress"]);
    const note = within(card).getByRole("group", { name: "Note" });
    const noteBox = within(note).getByRole("textbox", { name: NOTE.question });
    const send = within(card).getByRole("button", { name: "Answer" });
    expect(send.hasAttribute("disabled")).toBe(true);

    fireEvent.click(within(branch).getByRole("radio", { name: /^dev/ }));
    expect(send.hasAttribute("disabled")).toBe(true);
    fireEvent.change(noteBox, { target: { value: "Closes #12" } });
    expect(send.hasAttribute("disabled")).toBe(false);
    fireEvent.click(send);

    await within(card).findByRole("button", { name: "Sent" }, WAIT);
    expect(within(card).getByRole("button", { name: "Sent" }).hasAttribute("disabled")).toBe(true);
    const [command] = await answerCommands();
    expect(command?.args).toMatchObject({
      method: "item/tool/requestUserInput",
      jsonRpcId: REQUEST_ID,
      response: { answers: { branch: { answers: ["dev"] }, note: { answers: ["Closes #12"] } } },
    });
    const [listed] = await world.user.query(api.codex.listServerRequests, { threadId: THREAD });
    expect(listed?.answerCommandId).toBe(command?.commandId);

    await world.push(device, [notification("serverRequest/resolved", { threadId: THREAD, requestId: REQUEST_ID })]);
    await waitFor(() => expect(view.queryByRole("form", { name: "Codex asks" })).toBeNull(), WAIT);
    expect(view.getByText("I need two answers first.")).toBeDefined();
  }, DOM_TEST_TIMEOUT_MS);

  test("an answer the desktop could not deliver says so, and the user can answer again", async () => {
    await world.push(device, [requestLine([BRANCH])]);
    const view = renderThread();
    const card = await view.findByRole("form", { name: "Codex asks" }, WAIT);
    fireEvent.click(within(card).getByRole("radio", { name: /^main/ }));
    fireEvent.click(within(card).getByRole("button", { name: "Answer" }));
    await within(card).findByRole("button", { name: "Sent" }, WAIT);

    // The bridge took the answer but codex had already dropped the request.
    const [first] = await answerCommands();
    await runCommand(device, first!.commandId, { error: { code: "REQUEST_EXPIRED", message: "codex no longer waits for this answer" } });
    const alert = await within(card).findByRole("alert", undefined, WAIT);
    expect(alert.textContent).toContain("codex no longer waits for this answer");
    const again = await within(card).findByRole("button", { name: "Answer" }, WAIT);
    expect(again.hasAttribute("disabled")).toBe(false);

    fireEvent.click(within(card).getByRole("radio", { name: /^dev/ }));
    fireEvent.click(again);
    await within(card).findByRole("button", { name: "Sent" }, WAIT);
    // The device's queue now holds the new answer only (the failed one is done with).
    const queued = await answerCommands();
    expect(queued.map((c) => c.commandId)).not.toContain(first!.commandId);
    expect(queued.map((c) => c.args.response)).toEqual([{ answers: { branch: { answers: ["dev"] } } }]);
  }, DOM_TEST_TIMEOUT_MS);

  test("an expired question says so and cannot be answered", async () => {
    await world.push(device, [requestLine([BRANCH, NOTE])]);
    const view = renderThread();
    await view.findByRole("form", { name: "Codex asks" }, WAIT);
    await world.push(device, [notification("bridge/serverRequestExpired", { requestId: REQUEST_ID, reason: "codex restarted (exit code 1)" })], { origin: "bridge" });

    const expired = await view.findByRole("group", { name: "Codex asked (expired)" }, WAIT);
    expect(expired.textContent).toContain(BRANCH.question);
    expect(within(expired).getByRole("status").textContent).toContain("codex restarted (exit code 1)");
    expect(within(expired).queryByRole("button", { name: "Answer" })).toBeNull();
    for (const input of [...within(expired).queryAllByRole("radio"), ...within(expired).queryAllByRole("textbox")]) {
      expect(input.hasAttribute("disabled")).toBe(true);
    }
    expect(view.queryByRole("form", { name: "Codex asks" })).toBeNull();

    // It stays with the turn that asked: a later turn's items follow it.
    await world.push(device, [turnStarted(THREAD, "turn-2"), ...agentMessageLines(THREAD, "turn-2", "msg-2", ["Carrying on without an answer."])]);
    const later = await view.findByText("Carrying on without an answer.", undefined, WAIT);
    expect(expired.compareDocumentPosition(later) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  }, DOM_TEST_TIMEOUT_MS);

  test("keyboard only: the options are in the tab order, and Enter on the chosen one sends the answer", async () => {
    await world.push(device, [requestLine([BRANCH])]);
    const view = renderThread();
    const card = await view.findByRole("form", { name: "Codex asks" }, WAIT);
    const radios = within(card).getAllByRole("radio") as HTMLInputElement[];
    for (const radio of radios) {
      expect(radio.disabled).toBe(false);
      expect(radio.tabIndex).toBeGreaterThanOrEqual(0);
    }
    const main = radios[0]!;
    main.focus();
    expect(document.activeElement).toBe(main);
    // Space on a focused radio checks it (the browser clicks it).
    fireEvent.click(main);
    expect(main.checked).toBe(true);
    fireEvent.keyDown(main, { key: "Enter", code: "Enter" });

    await within(card).findByRole("button", { name: "Sent" }, WAIT);
    const [command] = await answerCommands();
    expect(command?.args.response).toEqual({ answers: { branch: { answers: ["main"] } } });
  }, DOM_TEST_TIMEOUT_MS);
});
