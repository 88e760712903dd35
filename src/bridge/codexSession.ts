/**
 * One running `codex app-server` wired store-first to the outbox and a pusher:
 * every line codex prints is appended to the outbox (with its seq) before the
 * JSON-RPC connection parses or dispatches it, and every line the bridge sends
 * is recorded the same way before it is written.
 */
import os from "node:os";
import { spawnAppServer, type AppServer, type AppServerExit } from "./appServer.js";
import { BridgeError } from "./errors.js";
import type { Outbox } from "./outbox.js";
import {
  initialize,
  initialized,
  threadStart,
  turnStart,
  type ThreadStartParams,
  type ThreadStartResponse,
  type Turn,
  type TurnStartResponse,
  type UserInput,
} from "./protocol/index.js";
import { Pusher, type PusherOptions } from "./pusher.js";
import type { IncomingRequest, JsonRpcMessage } from "./rpc.js";
import type { IngestTransport } from "./transport.js";

/** How long `initialize`, `thread/start` and `turn/start` may take to answer, in ms. */
export const CODEX_REQUEST_TIMEOUT_MS = 60_000;

/** The name and version the bridge reports to codex in `initialize`. */
export const CLIENT_INFO = { name: "codex_convex", title: "codex-convex bridge", version: "0.1.0" } as const;

export type CodexSessionOptions = {
  /** The native codex binary. */
  binaryPath: string;
  /** codex's version (`codexVersion`), reported to Convex with `ensureSession`. */
  codexVersion?: string;
  /** Outbox the session's lines are stored in (opened by the caller). */
  outbox: Outbox;
  /** How the pusher reaches Convex. */
  transport: IngestTransport;
  /** Working directory of the codex process. */
  cwd: string;
  /** Environment of the codex process (complete, not merged); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Extra `codex app-server` arguments, e.g. `["-c", "model=\"o3\""]`. */
  codexArgs?: string[];
  /** File codex's stderr is appended to; default: drained and discarded (its tail is kept). */
  stderrLog?: string;
  /** Pusher tuning (batch sizes, coalescing, backoff). */
  pusher?: Omit<PusherOptions, "outbox" | "transport" | "sessionId">;
  /**
   * Answers a server request (approval, user input). Default: approvals are
   * declined and other requests get a JSON-RPC error, so codex never waits
   * forever on a bridge that cannot ask anyone.
   */
  onServerRequest?: (request: IncomingRequest, session: CodexSession) => void;
};

type NotificationListener = (method: string, params: unknown, message: JsonRpcMessage) => void;

/** Approval requests of codex 0.169 and the answer that declines each. */
const DECLINE: Record<string, unknown> = {
  "item/commandExecution/requestApproval": { decision: "decline" },
  "item/fileChange/requestApproval": { decision: "decline" },
  execCommandApproval: { decision: "denied" },
  applyPatchApproval: { decision: "denied" },
};

export class CodexSession {
  /** The outbox session id, which is also the Convex bridge session id. */
  readonly sessionId: string;
  readonly pusher: Pusher;
  private server: AppServer | undefined;
  private readonly listeners = new Set<NotificationListener>();

  private constructor(private readonly options: CodexSessionOptions) {
    this.sessionId = options.outbox.createSession({
      cwd: options.cwd,
      codexVersion: options.codexVersion,
      hostname: os.hostname(),
    });
    this.pusher = new Pusher({
      ...options.pusher,
      outbox: options.outbox,
      transport: options.transport,
      sessionId: this.sessionId,
    });
  }

  /**
   * Creates an outbox session, spawns codex with store-first hooks, starts the
   * pusher and sends `initialize`.
   * @returns the running session.
   * @throws BridgeError CODEX_SPAWN_FAILED when codex cannot start; RPC_ERROR or
   *   RPC_TIMEOUT when `initialize` fails.
   */
  static async start(options: CodexSessionOptions): Promise<CodexSession> {
    const session = new CodexSession(options);
    await session.spawn();
    return session;
  }

  private async spawn(): Promise<void> {
    const { outbox } = this.options;
    this.server = await spawnAppServer({
      binaryPath: this.options.binaryPath,
      cwd: this.options.cwd,
      env: this.options.env,
      args: this.options.codexArgs,
      stderrLog: this.options.stderrLog,
      rpc: {
        defaultTimeoutMs: CODEX_REQUEST_TIMEOUT_MS,
        onRawLines: (lines) => {
          const receivedAt = Date.now();
          outbox.append(this.sessionId, lines.map((line) => ({ origin: "codex" as const, line, receivedAt })));
          this.pusher.kick();
        },
        onSentLine: (line) => {
          outbox.append(this.sessionId, [{ origin: "bridge", line }]);
          this.pusher.kick();
        },
        onNotification: (method, params, message) => {
          for (const listener of this.listeners) listener(method, params, message);
        },
        onServerRequest: (request) => (this.options.onServerRequest ?? declineServerRequest)(request, this),
      },
    });
    void this.server.exited.then((exit) => this.recordExit(exit));
    void this.pusher.start().catch(() => {
      // Failures are retried inside the pusher and reported through its onError.
    });
    await this.server.connection.request(initialize, { clientInfo: CLIENT_INFO, capabilities: null });
    this.server.connection.notify(initialized, undefined);
  }

  /** Records codex's exit in the outbox, so Convex learns of it too. */
  private recordExit(exit: AppServerExit): void {
    const line = JSON.stringify({
      method: "bridge/codexExited",
      params: { code: exit.code, signal: exit.signal, stderrTail: this.server?.stderrTail().slice(-2048) ?? "" },
    });
    this.options.outbox.append(this.sessionId, [{ origin: "bridge", line }]);
    this.pusher.kick();
  }

  /** The running app-server. @throws BridgeError CODEX_EXITED before spawn. */
  get appServer(): AppServer {
    if (!this.server) throw new BridgeError("CODEX_EXITED", "codex app-server is not running.");
    return this.server;
  }

  /**
   * Listens to every notification codex sends, known or unknown.
   * @returns a function that removes the listener.
   */
  onNotification(listener: NotificationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts a thread (`thread/start`). @throws BridgeError RPC_ERROR / RPC_TIMEOUT. */
  async startThread(params: ThreadStartParams): Promise<ThreadStartResponse> {
    return this.appServer.connection.request(threadStart, params);
  }

  /**
   * Starts a turn with a text prompt and resolves when codex reports
   * `turn/completed` for it.
   * @returns the completed turn (status completed, interrupted or failed).
   * @throws BridgeError CODEX_EXITED when codex exits first; RPC_ERROR when
   *   `turn/start` is refused.
   */
  async runTurn(threadId: string, prompt: string): Promise<Turn> {
    let turnId: string | undefined;
    let resolveCompleted!: (turn: Turn) => void;
    const completedTurns = new Map<string, Turn>();
    const completed = new Promise<Turn>((resolve) => (resolveCompleted = resolve));
    const stop = this.onNotification((method, params) => {
      if (method !== "turn/completed") return;
      const turn = (params as { threadId?: string; turn?: Turn }).turn;
      if ((params as { threadId?: string }).threadId !== threadId || !turn) return;
      if (turnId === undefined) completedTurns.set(turn.id, turn);
      else if (turn.id === turnId) resolveCompleted(turn);
    });
    try {
      const input: UserInput[] = [{ type: "text", text: prompt, text_elements: [] }];
      const started: TurnStartResponse = await this.appServer.connection.request(turnStart, { threadId, input });
      turnId = started.turn.id;
      const early = completedTurns.get(turnId);
      if (early) return early;
      const exited = this.appServer.exited.then((exit) => {
        throw new BridgeError(
          "CODEX_EXITED",
          `codex exited (code ${exit.code}, signal ${exit.signal}) before turn ${turnId} completed. ` +
            `Its stderr ended with: ${this.appServer.stderrTail().slice(-500) || "(nothing)"}`,
        );
      });
      return await Promise.race([completed, exited]);
    } finally {
      stop();
    }
  }

  /**
   * Waits until Convex acknowledged everything stored so far, then stops the
   * pusher and codex.
   * @param flushTimeoutMs - how long to wait for the push, in ms.
   * @returns whether everything was acknowledged (`drained`); rows not
   *   acknowledged stay in the outbox for the next run.
   */
  async close(flushTimeoutMs: number): Promise<{ drained: boolean }> {
    const flushed = await this.pusher.flush({ timeoutMs: flushTimeoutMs });
    if (this.server) await this.server.shutdown();
    // codex's exit record was appended after the flush target; push it too.
    const final = await this.pusher.flush({ timeoutMs: flushTimeoutMs });
    await this.pusher.stop();
    this.options.outbox.setSessionState(this.sessionId, "closed");
    return { drained: flushed.drained && final.drained };
  }
}

/** Declines approvals and refuses other server requests (the default handler). */
export function declineServerRequest(request: IncomingRequest, session: CodexSession): void {
  const answer = DECLINE[request.method];
  if (answer !== undefined) session.appServer.connection.respond(request.id, answer);
  else {
    session.appServer.connection.respondError(request.id, {
      code: -32601,
      message: `codex-convex cannot answer ${request.method} in this mode.`,
    });
  }
}
