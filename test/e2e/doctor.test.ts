/**
 * `doctor` tells a Convex deployment serving the host functions from a page
 * that answers 404, a deployment without the wrappers, a refused or missing
 * token; and codex signed in from codex not signed in. Against the loopback
 * HTTP stand-in (the real host functions under convex-test), plain HTTP
 * servers, and the real codex binary.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runDoctor, type Check } from "../../src/bridge/cli/doctor.js";
import { ConvexHttpClient } from "convex/browser";
import { probeConvex } from "../../src/bridge/cli/doctorConvex.js";
import { probeDevice } from "../../src/bridge/cli/doctorDevice.js";
import { saveDeviceCredential } from "../../src/bridge/device/credentials.js";
import { api } from "../../example/convex/_generated/api.js";
import { makeCodexHome, type CodexHome } from "../stand-ins/codex-home.js";
import { createConvexApp } from "../stand-ins/convexApp.js";
import { startConvexHttpStandIn, type ConvexHttpStandIn } from "../stand-ins/convexHttpStandIn.js";
import { standInJwt } from "../stand-ins/convexSyncStandIn.js";

/** Bound for a doctor run that starts codex once (it needs about a second). */
const DOCTOR_TIMEOUT_MS = 60_000;

type Plain = { url: string; close(): Promise<void> };

/** A loopback server answering every request with `status` and `body`. */
async function plainServer(status: number, body: string, contentType = "text/html"): Promise<Plain> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(status, { "content-type": contentType });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function byName(checks: Check[]): Record<string, Check> {
  return Object.fromEntries(checks.map((c) => [c.name, c]));
}

describe("doctor: the Convex deployment, its host functions and the token", () => {
  let convex: ConvexHttpStandIn;
  const servers: Plain[] = [];
  beforeAll(async () => {
    convex = await startConvexHttpStandIn(createConvexApp());
  });
  afterAll(async () => {
    await convex.close();
    await Promise.all(servers.map((s) => s.close()));
  });
  const serve = async (status: number, body: string, contentType?: string) => {
    const server = await plainServer(status, body, contentType);
    servers.push(server);
    return server.url;
  };

  test("the host functions answer with the token: both ok", async () => {
    const probe = await probeConvex({ url: `${convex.url}/`, authToken: "alice" });
    expect(probe.deployment).toMatchObject({ status: "ok", detail: expect.stringMatching(/Convex deployment serving codex:listSessions/) });
    expect(probe.token).toMatchObject({ status: "ok", detail: expect.stringMatching(/^accepted/) });
  });

  test("no token where the host needs a user: the token fails with what to pass", async () => {
    const probe = await probeConvex({ url: convex.url });
    expect(probe.deployment.status).toBe("ok");
    expect(probe.token).toMatchObject({ status: "fail", detail: expect.stringMatching(/UNAUTHENTICATED.*--auth-token/) });
  });

  test("a plain server answering 404 is not a Convex deployment", async () => {
    const url = await serve(404, "<html><body>Not Found</body></html>");
    const probe = await probeConvex({ url, authToken: "alice" });
    expect(probe.deployment).toMatchObject({ status: "fail", detail: expect.stringMatching(/is not a Convex deployment: POST \/api\/query answered HTTP 404.*convex\.cloud/) });
    expect(probe.token.status).toBe("warn");
  });

  test("a JSON API that is not Convex (200 without a status) is not a Convex deployment", async () => {
    const url = await serve(200, JSON.stringify({ hello: "world" }), "application/json");
    expect((await probeConvex({ url })).deployment).toMatchObject({ status: "fail", detail: expect.stringMatching(/not a Convex deployment/) });
  });

  test("a deployment without the wrappers: says where to export them", async () => {
    const missing = JSON.stringify({
      status: "error",
      errorMessage: "[Request ID: 1] Server Error\nCould not find public function for 'codex:listSessions'. Did you forget to run `npx convex dev` or `npx convex deploy`?",
    });
    const url = await serve(560, missing, "application/json");
    const probe = await probeConvex({ url, authToken: "alice" });
    expect(probe.deployment).toMatchObject({ status: "fail", detail: expect.stringMatching(/without codex:listSessions: export the wrappers from convex\/codex\.ts/) });
  });

  test("a deployment refusing the token (HTTP 401): the token fails", async () => {
    const url = await serve(401, JSON.stringify({ code: "Unauthenticated", message: "Could not verify OIDC token claim" }), "application/json");
    const probe = await probeConvex({ url, authToken: "expired" });
    expect(probe.deployment.status).toBe("ok");
    expect(probe.token).toMatchObject({ status: "fail", detail: expect.stringMatching(/refused by the deployment \(HTTP 401/) });
  });

  test("a URL that is not http(s), and none at all", async () => {
    expect((await probeConvex({ url: "ftp://x" })).deployment.status).toBe("fail");
    expect((await probeConvex({})).deployment).toMatchObject({ status: "fail", detail: expect.stringMatching(/--convex-url/) });
  });
});

describe("doctor: the paired device", () => {
  let convex: ConvexHttpStandIn;
  let dir: string;
  let browser: ConvexHttpClient;
  const pair = async (file: string, name: string) => {
    const { code } = await browser.mutation(api.codex.createPairingCode, { name });
    const device = await new ConvexHttpClient(convex.url).action(api.codex.redeemPairingCode, { code });
    saveDeviceCredential(convex.url, { ...device, name, pairedAt: Date.now() }, file);
    return device;
  };
  beforeAll(async () => {
    convex = await startConvexHttpStandIn(createConvexApp());
    dir = await mkdtemp(path.join(os.tmpdir(), "codex-convex-doctor-device-"));
    browser = new ConvexHttpClient(convex.url);
    browser.setAuth(standInJwt("alice"));
  });
  afterAll(async () => {
    await convex.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("a paired device with no token: the device is accepted, and the token check does not fail the bridge's real credential", async () => {
    const file = path.join(dir, "paired.json");
    await pair(file, "ci box");
    expect(await probeDevice({ url: convex.url, credentialsFile: file })).toMatchObject({ status: "ok", detail: expect.stringMatching(/accepted: "ci box"/) });
    const checks = byName(await runDoctor({ convexUrl: convex.url, credentialsFile: file, outboxPath: path.join(dir, "o.sqlite"), codexBin: "/nonexistent" }));
    expect(checks["paired device"]).toMatchObject({ status: "ok" });
    expect(checks["auth token"]).toMatchObject({ status: "ok", detail: expect.stringMatching(/signs in as the paired device "ci box"/) });
  });

  test("without a token or a device, the token check fails and says how to pair; the device check warns", async () => {
    const file = path.join(dir, "none.json");
    const checks = byName(await runDoctor({ convexUrl: convex.url, credentialsFile: file, outboxPath: path.join(dir, "o.sqlite"), codexBin: "/nonexistent" }));
    expect(checks["auth token"]).toMatchObject({ status: "fail", detail: expect.stringMatching(/codex-convex pair <code>/) });
    expect(checks["paired device"]).toMatchObject({ status: "warn", detail: expect.stringMatching(/not paired/) });
  });

  test("a revoked device fails with what to do; a secret the deployment never issued fails as unknown", async () => {
    const file = path.join(dir, "revoked.json");
    const { deviceId } = await pair(file, "old laptop");
    await browser.mutation(api.codex.revokeDevice, { deviceId });
    expect(await probeDevice({ url: convex.url, credentialsFile: file })).toMatchObject({ status: "fail", detail: expect.stringMatching(/revoked.*codex-convex pair/) });

    const forged = path.join(dir, "forged.json");
    saveDeviceCredential(convex.url, { deviceId: deviceId, deviceSecret: "A".repeat(43), name: "forged", pairedAt: 0 }, forged);
    expect(await probeDevice({ url: convex.url, credentialsFile: forged })).toMatchObject({ status: "fail", detail: expect.stringMatching(/knows no device/) });
  });

  test("with a token the device secret is not used, and a damaged credentials file fails with its path", async () => {
    expect(await probeDevice({ url: convex.url, authToken: "alice" })).toMatchObject({ status: "ok", detail: expect.stringMatching(/not used/) });
    const damaged = path.join(dir, "damaged.json");
    await writeFile(damaged, "{not json");
    expect(await probeDevice({ url: convex.url, credentialsFile: damaged })).toMatchObject({ status: "fail", detail: expect.stringContaining(damaged) });
  });
});

describe("doctor: codex's login", () => {
  let dir: string;
  let signedOut: CodexHome;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "codex-convex-doctor-"));
    signedOut = await makeCodexHome({ modelUrl: "http://127.0.0.1:9/v1" });
    await writeFile(signedOut.configPath, "check_for_update_on_startup = false\n", "utf8"); // the OpenAI provider, no login
  });
  afterAll(async () => {
    await signedOut.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test(
    "codex with no login fails with `codex login`",
    async () => {
      const checks = byName(await runDoctor({ outboxPath: path.join(dir, "outbox.sqlite"), env: signedOut.env }));
      expect(checks["codex login"]).toMatchObject({ status: "fail", detail: expect.stringMatching(/not signed in.*codex login/) });
    },
    DOCTOR_TIMEOUT_MS,
  );
});
