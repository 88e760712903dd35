/**
 * Steering from the page's components, rendered in happy-dom by the real
 * `ConvexReactClient` against the sync-protocol stand-in, with a device paired
 * over HTTP as `codex-convex pair` does and pushing as its bridge would:
 * an approval shows inline with codex's decisions and disappears once the
 * desktop resolved it; a message sent from the composer shows at once
 * (optimistic) and is replaced by codex's own user message, never shown twice.
 */
import { cleanup, fireEvent, render, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { api } from "../../example/convex/_generated/api.js";
import { ThreadView } from "../../example/web/components/ThreadView.js";
import { notification, threadStarted, turnStarted } from "../support/events.js";
import { type PairedDevice, type PageWorld, startPageWorld } from "./pageWorld.js";

const THREAD = "thread-steer";

let world: PageWorld;
let device: PairedDevice;

beforeEach(async () => {
  world = await startPageWorld();
  device = await world.pairDevice({ name: "laptop", workspaces: [{ path: "/tmp/work" }], runningThreadIds: [THREAD] });
  await push([threadStarted(THREAD), turnStarted(THREAD, "turn-1")]);
});

afterEach(async () => {
  cleanup();
  await world.close();
});

/** Pushes codex lines as the device's bridge session, in order. */
const push = (lines: string[]) => world.push(device, lines);
const wrapper = (props: { children: ReactNode }) => world.wrapper(props);

const commandItem = (method: "item/started" | "item/completed") =>
  notification(method, {
    threadId: THREAD,
    turnId: "turn-1",
    item: { type: "commandExecution", id: "cmd-1", command: "rm -rf build", cwd: "/tmp/work", status: method === "item/started" ? "inProgress" : "completed", commandActions: [], aggregatedOutput: null, exitCode: null, durationMs: null, processId: null, source: "agent" },
  });

describe("steering from the page's components", () => {
  test("an approval shows at its command with codex's decisions; answering marks it sent; the desktop's resolution removes it", async () => {
    await push([
      commandItem("item/started"),
      JSON.stringify({
        id: 7,
        method: "item/commandExecution/requestApproval",
        params: { threadId: THREAD, turnId: "turn-1", itemId: "cmd-1", command: "rm -rf build", cwd: "/tmp/work", reason: "Delete the build folder?", availableDecisions: ["accept", "acceptForSession", "decline"] },
      }),
    ]);
    const view = render(<ThreadView threadId={THREAD} device={undefined} />, { wrapper });
    const card = await view.findByRole("group", { name: "Approval needed" }, { timeout: 20_000 });
    expect(card.closest("article")?.getAttribute("data-item-id")).toBe("cmd-1");
    const buttons = [...card.querySelectorAll("button")].map((b) => b.textContent);
    expect(buttons).toEqual(["Allow", "Allow for this session", "Decline"]);

    fireEvent.click(view.getByRole("button", { name: "Allow" }));
    await view.findByText("Answer sent; waiting for your desktop…", undefined, { timeout: 20_000 });
    expect(view.getByRole("button", { name: "Allow" }).hasAttribute("disabled")).toBe(true);
    const commands = await device.http.query(api.codex.listDeviceCommands, { deviceSecret: device.deviceSecret });
    expect(commands.find((c) => c.kind === "answerServerRequest")).toBeDefined();

    await push([notification("serverRequest/resolved", { threadId: THREAD, requestId: 7 })]);
    await waitFor(() => expect(view.queryByRole("group", { name: "Approval needed" })).toBeNull(), { timeout: 20_000 });
  }, 60_000);

  test("a message sent from the composer shows at once, then codex's own user message replaces it: shown once", async () => {
    const view = render(<ThreadView threadId={THREAD} device={undefined} />, { wrapper });
    const box = await view.findByRole("textbox", { name: "Message to codex" }, { timeout: 20_000 });
    fireEvent.change(box, { target: { value: "Also run the tests" } });
    fireEvent.keyDown(box, { key: "Enter" });
    const userMessages = () => [...view.container.querySelectorAll("article[data-kind=userMessage]")].filter((a) => a.textContent?.includes("Also run the tests"));
    await waitFor(() => expect(userMessages()).toHaveLength(1), { timeout: 20_000 });

    const userItem = (method: string) =>
      notification(method, { threadId: THREAD, turnId: "turn-1", item: { type: "userMessage", id: "user-2", content: [{ type: "text", text: "Also run the tests", text_elements: [] }] } });
    await push([userItem("item/started"), userItem("item/completed")]);
    await waitFor(() => expect(userMessages()[0]?.getAttribute("data-item-id")).toBe("user-2"), { timeout: 20_000 });
    expect(userMessages()).toHaveLength(1);
  }, 60_000);
});
