/**
 * The fake command host (`fakeCommandHost.ts`) served over loopback HTTP, and
 * a {@link CommandSource} that calls it, so a bridge in a child process (that
 * a test kills with SIGKILL) uses a host that outlives it. Subscriptions are
 * polled here ({@link POLL_MS}); production uses `ConvexClient.onUpdate`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { CommandOutcome, CommandSource, DeviceCommand, HeartbeatArgs, HeartbeatResult } from "../../src/bridge/serve/commandSource.js";
import type { FakeCommandHost } from "./fakeCommandHost.js";

/** How often the client looks at the queued commands, in ms. */
export const POLL_MS = 20;

/** Serves `host` on 127.0.0.1 (random port). */
export async function serveCommandHost(host: FakeCommandHost): Promise<{ url: string; close(): Promise<void> }> {
  const source = host.source();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void (async () => {
        const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>) : {};
        try {
          let value: unknown;
          if (req.url === "/commands") value = host.queued();
          else if (req.url === "/heartbeat") value = await source.heartbeat(body as HeartbeatArgs);
          else if (req.url === "/claim") value = await source.claim(String(body.commandId), Number(body.leaseMs));
          else if (req.url === "/complete") value = await source.complete(String(body.commandId), body.outcome as CommandOutcome);
          else throw { code: "NOT_FOUND", message: `no route ${req.url}` };
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ value: value ?? null }));
        } catch (error) {
          const data = (error as { data?: unknown }).data ?? error;
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: data }));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A {@link CommandSource} calling {@link serveCommandHost}. Host errors arrive as ConvexError-shaped errors. */
export class HttpCommandSource implements CommandSource {
  private timers = new Set<ReturnType<typeof setInterval>>();
  constructor(private readonly url: string) {}

  heartbeat(args: HeartbeatArgs): Promise<HeartbeatResult> {
    return this.call("/heartbeat", args) as Promise<HeartbeatResult>;
  }

  subscribe(onCommands: (commands: DeviceCommand[]) => void, onError: (error: unknown) => void): () => void {
    let last = "";
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      (this.call("/commands", {}) as Promise<DeviceCommand[]>)
        .then((commands) => {
          const text = JSON.stringify(commands);
          if (text === last) return;
          last = text;
          onCommands(commands);
        })
        .catch(onError)
        .finally(() => (busy = false));
    }, POLL_MS);
    this.timers.add(timer);
    return () => {
      clearInterval(timer);
      this.timers.delete(timer);
    };
  }

  claim(commandId: string, leaseMs: number): Promise<DeviceCommand | null> {
    return this.call("/claim", { commandId, leaseMs }) as Promise<DeviceCommand | null>;
  }

  async complete(commandId: string, outcome: CommandOutcome): Promise<void> {
    await this.call("/complete", { commandId, outcome });
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
  }

  private async call(route: string, body: unknown): Promise<unknown> {
    const response = await fetch(`${this.url}${route}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    const answer = (await response.json()) as { value?: unknown; error?: { code: string; message: string } };
    if (answer.error) throw Object.assign(new Error(answer.error.message), { name: "ConvexError", data: answer.error });
    return answer.value;
  }
}
