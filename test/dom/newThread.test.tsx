/**
 * The page's New thread screen, rendered in happy-dom inside the whole page
 * (`App`) by the real `ConvexReactClient` against the sync-protocol stand-in,
 * with devices paired over HTTP as `codex-convex pair` does: the pickers come
 * from `useDevices` (offline devices marked); Start queues a `startThread`
 * command with the chosen device, workspace and prompt, and once the desktop
 * ran it the page opens the new thread; a missing prompt or device says what
 * to do; an error from the server is shown and the user can try again.
 */
import { cleanup, fireEvent, render, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { App } from "../../example/web/App.js";
import { MAX_COMMAND_TEXT_CHARS } from "../../src/shared/limits.js";
import { threadStarted } from "../support/events.js";
import { DOM_TEST_TIMEOUT_MS, type PageWorld, queuedCommands, runCommand, startPageWorld, WAIT } from "./pageWorld.js";

let world: PageWorld;

beforeEach(async () => {
  world = await startPageWorld();
});

afterEach(async () => {
  cleanup();
  await world.close();
});

/** The whole page, on its New thread screen. */
async function openNewThread() {
  const view = render(<App source="test stand-in" />, { wrapper: world.wrapper });
  fireEvent.click(view.getByRole("button", { name: "New thread" }));
  return view;
}

const optionTexts = (select: HTMLElement) => [...(select as HTMLSelectElement).options].map((o) => o.textContent);


describe("the New thread screen", () => {
  test("the pickers list devices and workspaces, offline ones marked; Start sends the choice, and the page opens the thread the desktop started", async () => {
    await world.pairDevice({ name: "build box", workspaces: [{ path: "/srv/build" }], offline: true });
    const laptop = await world.pairDevice({ name: "laptop", workspaces: [{ path: "/home/alice/repo", label: "repo" }, { path: "/home/alice/other" }] });
    const view = await openNewThread();
    const form = await view.findByRole("form", { name: "New thread" }, WAIT);

    const deviceSelect = within(form).getByRole("combobox", { name: "Device" });
    await waitFor(() => expect(optionTexts(deviceSelect).sort()).toEqual(["build box (offline)", "laptop"]), WAIT);
    fireEvent.change(deviceSelect, { target: { value: laptop.deviceId } });
    const workspaceSelect = within(form).getByRole("combobox", { name: "Workspace" });
    await waitFor(() => expect(optionTexts(workspaceSelect)).toEqual(["repo", "/home/alice/other"]), WAIT);
    const other = laptop.workspaces.find((w) => w.path === "/home/alice/other")!;
    fireEvent.change(workspaceSelect, { target: { value: other.workspaceId } });
    fireEvent.change(within(form).getByRole("textbox", { name: "Prompt" }), { target: { value: "  Explain this repo  " } });
    fireEvent.click(within(form).getByRole("button", { name: "Start" }));

    await within(form).findByText("Command queued", undefined, WAIT);
    const [command] = await queuedCommands(laptop, "startThread");
    expect(command?.args).toMatchObject({ workspaceId: other.workspaceId, cwd: "/home/alice/other", prompt: "Explain this repo" });

    // The desktop runs it: codex starts the thread and the bridge reports its id, which
    // may reach the deployment before the thread's first events (they come through the outbox).
    await runCommand(laptop, command!.commandId, { result: { threadId: "thread-new" } });
    await within(form).findByText(/^Command done/, undefined, WAIT);
    expect(view.queryByRole("alert")).toBeNull();
    await world.push(laptop, [threadStarted("thread-new", "/home/alice/other")]);

    const thread = await view.findByRole("region", { name: "Thread" }, WAIT);
    expect(thread.getAttribute("data-thread-id")).toBe("thread-new");
    expect(view.queryByRole("form", { name: "New thread" })).toBeNull();
    expect(within(view.getByRole("list", { name: "Threads" })).getByRole("button", { current: true }).textContent).toContain("/home/alice/other");
  }, DOM_TEST_TIMEOUT_MS);

  test("with no usable device the screen says to pair one; Start with no prompt says to write one and sends nothing", async () => {
    const view = await openNewThread();
    await view.findByText(/No paired device with a workspace/, undefined, WAIT);
    expect(view.queryByRole("form", { name: "New thread" })).toBeNull();

    const laptop = await world.pairDevice({ name: "laptop" });
    const form = await view.findByRole("form", { name: "New thread" }, WAIT);
    fireEvent.change(within(form).getByRole("textbox", { name: "Prompt" }), { target: { value: "   " } });
    fireEvent.click(within(form).getByRole("button", { name: "Start" }));
    expect((await within(form).findByRole("alert", undefined, WAIT)).textContent).toMatch(/prompt/i);
    expect(await queuedCommands(laptop, "startThread")).toEqual([]);
  }, DOM_TEST_TIMEOUT_MS);

  test("an error from the server or the desktop is shown, and the user can fix the prompt and start again", async () => {
    const laptop = await world.pairDevice({ name: "laptop" });
    const view = await openNewThread();
    const form = await view.findByRole("form", { name: "New thread" }, WAIT);
    const prompt = within(form).getByRole("textbox", { name: "Prompt" });
    const start = within(form).getByRole("button", { name: "Start" });

    // Refused by the deployment: the prompt is over the limit.
    fireEvent.change(prompt, { target: { value: "x".repeat(MAX_COMMAND_TEXT_CHARS + 1) } });
    fireEvent.click(start);
    const refused = await within(form).findByRole("alert", undefined, WAIT);
    expect(refused.textContent).toContain(String(MAX_COMMAND_TEXT_CHARS));
    await waitFor(() => expect(start.hasAttribute("disabled")).toBe(false), WAIT);
    expect(await queuedCommands(laptop, "startThread")).toEqual([]);

    // Queued, then failed on the desktop.
    fireEvent.change(prompt, { target: { value: "Explain this repo" } });
    fireEvent.click(start);
    await waitFor(async () => expect(await queuedCommands(laptop, "startThread")).toHaveLength(1), WAIT);
    expect(within(form).queryByRole("alert")).toBeNull();
    const [command] = await queuedCommands(laptop, "startThread");
    await runCommand(laptop, command!.commandId, { error: { code: "CODEX_ERROR", message: "codex could not start: model not available" } });
    await within(form).findByText(/model not available/, undefined, WAIT);
    await waitFor(() => expect(start.hasAttribute("disabled")).toBe(false), WAIT);
  }, DOM_TEST_TIMEOUT_MS);
});
