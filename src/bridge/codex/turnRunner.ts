/**
 * One turn, start to end, on any codex lease: `turn/start`, then wait for its
 * `turn/completed` (notifications that arrive before the `turn/start` answer
 * count), for codex's end, or for a stall (codex retrying the model with no
 * progress, see `turnWatch.ts`), which is recorded failed and interrupted.
 * `CodexProcess` and the shared codex's leases both run turns here.
 */
import { BridgeError } from "../errors.js";
import type { BridgeLog } from "../log.js";
import { turnInterrupt, turnStart, type Turn, type UserInput } from "./protocol/index.js";
import type { RequestMethod, RequestOptions } from "./rpc.js";
import { TurnWatch } from "./turnWatch.js";

/** How long a stalled turn gets to end after `turn/interrupt` before codex is given up on, in ms. */
export const TURN_INTERRUPT_GRACE_MS = 5_000;

/** Method of the bridge record that fails a turn (codex died, or the bridge gave up on it); see `convex/lib/applyTurn.ts`. */
export const TURN_FAILED_METHOD = "bridge/turnFailed";

/** A turn as codex completed it, plus its answer. */
export type CompletedTurn = Turn & {
  /** The turn's last agent message (its `final_answer` when marked), or null when it has none. */
  answer: string | null;
};

/** What {@link runTurn} needs of the codex it runs on. */
export type TurnHost = {
  request<Params, Result>(method: RequestMethod<Params, Result>, params: Params, options?: RequestOptions): Promise<Result>;
  /** Adds a listener of the notifications of this host's threads; returns its remover. */
  onNotification(listener: (method: string, params: unknown) => void): () => void;
  /** Resolves with the error to throw once the turn can no longer complete (codex exited, or the bridge stopped reading); never rejects. */
  lost(when: string): Promise<BridgeError>;
  /** Before the first turn: checks codex is signed in. @throws BridgeError `CODEX_NOT_SIGNED_IN`. */
  requireLogin(): Promise<void>;
  /** Stores a bridge record in the holder's session (never throws). */
  storeBridgeLine(method: string, params: Record<string, unknown>): void;
  retryTimeoutMs?: number;
  log?: BridgeLog;
};

/**
 * Starts a turn with a text prompt and resolves when codex reports
 * `turn/completed` for it; see `CodexProcess.runTurn` for the whole contract.
 * @returns the completed turn (status completed, interrupted or failed) and its answer.
 * @throws BridgeError `CODEX_NOT_SIGNED_IN`, `CODEX_EXITED`, `RPC_CLOSED`, `RPC_ERROR`, `CODEX_MODEL_UNREACHABLE`.
 */
export async function runTurn(host: TurnHost, threadId: string, prompt: string): Promise<CompletedTurn> {
  await host.requireLogin();
  let turnId: string | undefined;
  const early = new Map<string, Turn>();
  let resolveCompleted!: (turn: Turn) => void;
  const completed = new Promise<Turn>((resolve) => (resolveCompleted = resolve));
  let resolveStalled!: (reason: string) => void;
  const stalled = new Promise<string>((resolve) => (resolveStalled = resolve));
  const watch = new TurnWatch({ threadId, retryTimeoutMs: host.retryTimeoutMs, log: host.log, onStalled: resolveStalled });
  const remove = host.onNotification((method, params) => {
    watch.observe(method, params);
    const p = params as { threadId?: string; turn?: Turn };
    if (method !== "turn/completed" || p.threadId !== threadId || !p.turn) return;
    if (turnId === undefined) early.set(p.turn.id, p.turn);
    else if (p.turn.id === turnId) resolveCompleted(p.turn);
  });
  try {
    const input: UserInput[] = [{ type: "text", text: prompt, text_elements: [] }];
    const started = await host.request(turnStart, { threadId, input });
    const id = started.turn.id;
    turnId = id;
    watch.bind(id);
    const done = early.get(id);
    if (done) return { ...done, answer: watch.answer };
    const lost = host.lost(`before turn ${id} completed`).then((error) => {
      throw error;
    });
    const ended = await Promise.race([completed, lost, stalled]);
    if (typeof ended !== "string") return { ...ended, answer: watch.answer };
    return await failStalled(host, threadId, id, ended, Promise.race([completed, lost]), watch.answer);
  } finally {
    watch.dispose();
    remove();
  }
}

/** Records a stalled turn failed (before codex's own end of it, so the reason sticks), interrupts it, waits for its end. */
async function failStalled(host: TurnHost, threadId: string, turnId: string, reason: string, ended: Promise<Turn>, answer: string | null): Promise<CompletedTurn> {
  host.log?.error(`turn ${turnId}: ${reason}`);
  host.storeBridgeLine(TURN_FAILED_METHOD, { threadId, turnId, reason });
  host.request(turnInterrupt, { threadId, turnId }, { timeoutMs: TURN_INTERRUPT_GRACE_MS }).catch(() => {});
  const turn = await Promise.race([ended, delay(TURN_INTERRUPT_GRACE_MS)]);
  if (turn === undefined) throw new BridgeError("CODEX_MODEL_UNREACHABLE", `${reason} codex did not end the turn when asked to.`);
  return { ...turn, status: "failed", error: { message: reason, codexErrorInfo: null, additionalDetails: null, misalignment: null }, answer };
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms));
}
