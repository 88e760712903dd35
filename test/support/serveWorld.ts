/**
 * A serve-mode world in one process: the scripted model, a codex home that
 * asks for approvals (`on-request`, read-only sandbox), a workspace, an outbox
 * file, a `Bridge` (keep-alive, no jobs) owning the sessions, the fake command
 * host, and the {@link CommandLoop} under test, pushing to an in-memory
 * transport that acknowledges everything and keeps every line.
 *
 * `TEST_CODEX_PROCESS=shared` runs every serve world on one shared codex
 * (`--codex-process shared`) unless the test chooses a mode, so the serve
 * suites can be run in both modes.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ServerRequestBroker, type ServerRequestPolicy } from "../../src/bridge/codex/serverRequestBroker.js";
import { Bridge, type BridgeSummary } from "../../src/bridge/jobs/bridge.js";
import type { Job } from "../../src/bridge/jobs/jobs.js";
import type { CodexProcessMode } from "../../src/bridge/codex/codexLease.js";
import { Outbox } from "../../src/bridge/outbox/outbox.js";
import type { EnsureSessionArgs, IngestArgs, IngestTransport } from "../../src/bridge/push/transport.js";
import { CommandLog } from "../../src/bridge/serve/commandLog.js";
import { CommandLoop, type CommandLoopOptions } from "../../src/bridge/serve/commandLoop.js";
import type { IngestResult, SessionState } from "../../src/shared/validators.js";
import { CODEX_BINARY_PATH, makeCodexHome, type CodexHome } from "../stand-ins/codex-home.js";
import { FakeCommandHost } from "../stand-ins/fakeCommandHost.js";
import { startScriptedModel, type ScriptedModel, type ScriptedModelOptions } from "../stand-ins/model-server.js";

/** Acknowledges every batch and keeps every line pushed, per session. */
export class MemoryTransport implements IngestTransport {
  readonly lines = new Map<string, Map<number, string>>();
  async ensureSession(args: EnsureSessionArgs): Promise<SessionState> {
    const seqs = this.lines.get(args.sessionId);
    return { sessionId: args.sessionId, ackedSeq: seqs ? Math.max(0, ...seqs.keys()) : 0, created: !seqs };
  }
  async ingestSafe(args: IngestArgs): Promise<IngestResult> {
    const seqs = this.lines.get(args.sessionId) ?? new Map<number, string>();
    this.lines.set(args.sessionId, seqs);
    for (const event of args.events) seqs.set(event.seq, event.line);
    const last = args.events.at(-1);
    return { ackedSeq: last ? (last.seqEnd ?? last.seq) : 0, applied: args.events.length, duplicates: 0, gap: null };
  }
  /** Every line pushed, all sessions, parsed where JSON. */
  all(): Array<Record<string, unknown>> {
    return [...this.lines.values()].flatMap((m) => [...m.entries()].sort((a, b) => a[0] - b[0]).map(([, line]) => parse(line)));
  }
}

function parse(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { raw: line };
  }
}

export type ServeWorld = {
  model: ScriptedModel;
  home: CodexHome;
  host: FakeCommandHost;
  transport: MemoryTransport;
  workspace: string;
  outbox: Outbox;
  outboxPath: string;
  bridge: Bridge;
  loop: CommandLoop;
  broker: ServerRequestBroker;
  /** Notifications of the browser threads' codex, in arrival order, with `performance.now()` times. */
  notifications: Array<{ threadId: string | null; method: string; params: unknown; at: number }>;
  /** The bridge's run (its summary once stopped). */
  running: Promise<BridgeSummary>;
  /** The workspace id the fake host gave the workspace. */
  workspaceId: string;
  close(): Promise<BridgeSummary>;
};

/** Options of {@link createServeWorld}. */
export type ServeWorldOptions = {
  model: Pick<ScriptedModelOptions, "script" | "respond" | "eventDelayMs">;
  policy?: ServerRequestPolicy;
  maxThreads?: number;
  /** Jobs the bridge runs beside the browser threads (they share `maxThreads`); default none. */
  jobs?: AsyncIterable<Job>;
  /** How the bridge runs codex; default per-job (or `TEST_CODEX_PROCESS`, see the module comment). */
  codexProcess?: CodexProcessMode;
  loop?: Partial<CommandLoopOptions>;
};

/** Builds and starts a world (see the module comment). */
export async function createServeWorld(options: ServeWorldOptions): Promise<ServeWorld> {
  const model = await startScriptedModel({ script: options.model.script, respond: options.model.respond, eventDelayMs: options.model.eventDelayMs });
  const home = await makeCodexHome({ modelUrl: model.url, approvalPolicy: "on-request", sandboxMode: "read-only" });
  const dir = await mkdtemp(path.join(os.tmpdir(), "codex-convex-serve-"));
  const workspace = path.join(dir, "workspace");
  const userHome = path.join(dir, "home");
  await mkdir(workspace);
  await mkdir(userHome);
  const outboxPath = path.join(dir, "outbox.sqlite");
  const outbox = Outbox.open(outboxPath);
  const commandLog = CommandLog.open(outboxPath);
  const transport = new MemoryTransport();
  const host = new FakeCommandHost();
  const broker = new ServerRequestBroker(options.policy ?? { waitMs: Infinity, unattended: "decline" });
  const codexEnv = { ...home.env, HOME: userHome };
  const bridge = new Bridge({ outbox, transport, binaryPath: CODEX_BINARY_PATH, codexEnv, jobs: options.jobs ?? [], maxConcurrentJobs: options.maxThreads, keepAlive: true, shutdownFlushTimeoutMs: 5_000, codexProcess: options.codexProcess ?? (process.env.TEST_CODEX_PROCESS === "shared" ? "shared" : undefined), cwd: workspace });
  const running = bridge.run();
  const notifications: ServeWorld["notifications"] = [];
  const loop = new CommandLoop({
    source: host.source(),
    outbox,
    openHandle: (sessionId) => bridge.openHandle(sessionId),
    commandLog,
    broker,
    binaryPath: CODEX_BINARY_PATH,
    codexEnv,
    workspaces: [{ path: workspace, label: "test" }],
    maxThreads: options.maxThreads,
    launch: bridge.codexLauncher,
    slots: bridge.threadSlots,
    onNotification: (threadId, method, params) => {
      notifications.push({ threadId, method, params, at: performance.now() });
      host.notify();
    },
    ...options.loop,
  });
  await loop.start();
  return {
    model,
    home,
    host,
    transport,
    workspace,
    outbox,
    outboxPath,
    bridge,
    loop,
    broker,
    notifications,
    running,
    workspaceId: "ws_0",
    close: async () => {
      await loop.stop("test over");
      bridge.stop("test over");
      const summary = await running;
      commandLog.close();
      outbox.close();
      await model.close();
      await home.cleanup();
      await rm(dir, { recursive: true, force: true });
      return summary;
    },
  };
}
