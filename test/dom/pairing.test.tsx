/**
 * The page's Devices screen rendered in happy-dom by the real
 * `ConvexReactClient` against the sync-protocol stand-in: create a pairing
 * code, see the device it pairs (redeemed over HTTP as `codex-convex pair`
 * does), rename it, revoke it, and see the thread view's offline banner.
 */
import { cleanup, fireEvent, render, waitFor } from "@testing-library/react";
import { ConvexHttpClient } from "convex/browser";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../example/convex/_generated/api.js";
import { OfflineBanner } from "../../example/web/components/OfflineBanner.js";
import { Pairing } from "../../example/web/components/Pairing.js";
import { type PageWorld, startPageWorld } from "./pageWorld.js";

let world: PageWorld;

beforeEach(async () => {
  world = await startPageWorld();
});

afterEach(async () => {
  cleanup();
  vi.unstubAllGlobals();
  await world.close();
});

const wrapper = (props: { children: ReactNode }) => world.wrapper(props);

describe("the Devices screen", () => {
  test("a code from the page pairs a device, which shows online; rename and revoke reach the deployment", async () => {
    const view = render(<Pairing />, { wrapper });
    await view.findByText("No device paired yet.", undefined, { timeout: 20_000 });
    fireEvent.click(view.getByRole("button", { name: "Create pairing code" }));
    const command = await view.findByLabelText("Pairing command", undefined, { timeout: 20_000 });
    const code = /codex-convex pair (\S+)/.exec(command.textContent ?? "")?.[1];
    expect(code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);

    const bridge = new ConvexHttpClient(world.standIn.url);
    const { deviceSecret } = await bridge.action(api.codex.redeemPairingCode, { code: code!, name: "laptop" });
    await bridge.mutation(api.codex.deviceHeartbeat, { deviceSecret, workspaces: [{ path: "/home/alice/repo" }], runningThreadIds: [] });
    const name = (await view.findByLabelText("Device name", undefined, { timeout: 20_000 })) as HTMLInputElement;
    expect(name.value).toBe("laptop");
    await waitFor(() => expect(view.container.querySelector(".device")?.textContent).toContain("online"), { timeout: 20_000 });
    expect(view.container.querySelector(".device")?.textContent).toContain("/home/alice/repo");

    fireEvent.change(name, { target: { value: "work laptop" } });
    fireEvent.click(view.getByRole("button", { name: "Rename" }));
    const user = world.user;
    await waitFor(async () => expect((await user.query(api.codex.listDevices, {}))[0]?.name).toBe("work laptop"), { timeout: 20_000 });

    // happy-dom has no dialogs: the user says yes to "Revoke laptop?".
    const confirm = vi.fn(() => true);
    vi.stubGlobal("confirm", confirm);
    Object.assign(window, { confirm });
    fireEvent.click(view.getByRole("button", { name: "Revoke" }));
    await waitFor(() => expect(view.container.querySelector(".device")?.textContent).toContain("revoked"), { timeout: 20_000 });
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(view.queryByRole("button", { name: "Revoke" })).toBeNull();
    const [device] = await user.query(api.codex.listDevices, {});
    expect(device?.revokedAt).toEqual(expect.any(Number));

    const banner = render(<OfflineBanner device={device} />);
    expect(banner.getByRole("status").textContent).toContain("was revoked");
  }, 60_000);
});
