/**
 * Watches one turn's notifications for what the user must hear at once:
 * codex's own errors (login, network, config: the `error` notifications, which
 * otherwise reach only the outbox), the turn's final answer, and a turn stuck
 * with codex retrying the model ("Reconnecting… waiting for network") — after
 * {@link CODEX_RETRY_TIMEOUT_MS} of retrying with no progress, it reports the
 * turn stalled so the caller can fail it with the reason.
 */
import type { BridgeLog } from "../log.js";

/**
 * How long a turn may go on with codex retrying the model (`error`
 * notifications with `willRetry: true`) and nothing else happening in the
 * turn, before the bridge gives up on it, in ms (CLI: `--retry-timeout`).
 * codex 0.169 retries a lost connection without end ("waiting for network").
 */
export const CODEX_RETRY_TIMEOUT_MS = 30_000;

/** Options of {@link TurnWatch}. */
export type TurnWatchOptions = {
  threadId: string;
  /** Default {@link CODEX_RETRY_TIMEOUT_MS}; in ms. */
  retryTimeoutMs?: number;
  /** Where codex's errors are reported (warn while codex retries, error when it gives up). */
  log?: BridgeLog;
  /** Called once when the turn stalled, with the reason (says what to do next). */
  onStalled: (reason: string) => void;
};

/** A codex `error` notification's text: message and details, as one line. */
export function codexErrorText(params: unknown): string | null {
  const error = asObject(asObject(params)?.error);
  if (!error || typeof error.message !== "string") return null;
  const details = typeof error.additionalDetails === "string" && error.additionalDetails ? ` (${error.additionalDetails})` : "";
  return `${error.message}${details}`;
}

/** See the module comment. Feed it every notification with {@link TurnWatch.observe}; {@link TurnWatch.dispose} when done. */
export class TurnWatch {
  private turnId: string | undefined;
  private timer: NodeJS.Timeout | null = null;
  private retryingSince: number | null = null;
  private stalled = false;
  private finalAnswer: string | null = null;
  private lastAnswer: string | null = null;
  /** The last error codex reported for the turn, or null. */
  lastError: string | null = null;

  constructor(private readonly options: TurnWatchOptions) {}

  /** The turn's answer: its last agent message marked `final_answer`, else its last agent message; null when none. */
  get answer(): string | null {
    return this.finalAnswer ?? this.lastAnswer;
  }

  /** Narrows the watch to `turnId` once `turn/start` answered (notifications before it are taken as the turn's). */
  bind(turnId: string): void {
    this.turnId = turnId;
  }

  /** Takes one notification of codex. */
  observe(method: string, params: unknown): void {
    const p = asObject(params);
    if (!p || p.threadId !== this.options.threadId) return;
    if (this.turnId !== undefined && p.turnId !== undefined && p.turnId !== this.turnId) return;
    if (method === "error") {
      this.onError(p);
      return;
    }
    if (p.turnId === undefined) return;
    this.progressed();
    if (method === "item/completed") this.onItem(asObject(p.item));
  }

  /** Stops the stall timer. */
  dispose(): void {
    this.progressed();
  }

  private onError(params: Record<string, unknown>): void {
    const text = codexErrorText(params) ?? "unknown error";
    this.lastError = text;
    const log = this.options.log;
    if (params.willRetry !== true) {
      log?.error(`codex: ${text}`);
      return;
    }
    const timeout = this.options.retryTimeoutMs ?? CODEX_RETRY_TIMEOUT_MS;
    log?.warn(`codex: ${text}; codex retries (the turn fails after ${formatSeconds(timeout)} without progress, see --retry-timeout)`);
    if (this.timer !== null || this.stalled) return;
    this.retryingSince = Date.now();
    this.timer = setTimeout(() => this.stall(), timeout);
  }

  private stall(): void {
    this.timer = null;
    if (this.stalled) return;
    this.stalled = true;
    const waited = formatSeconds(Date.now() - (this.retryingSince ?? Date.now()));
    this.options.onStalled(
      `codex got no answer from the model for ${waited}, retrying; last error: ${this.lastError ?? "none"}. ` +
        "Check the network and the model provider, and that codex is signed in (`codex login`; `codex-convex doctor` checks it); " +
        "or allow longer with --retry-timeout.",
    );
  }

  private progressed(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.retryingSince = null;
  }

  private onItem(item: Record<string, unknown> | null): void {
    if (item?.type !== "agentMessage" || typeof item.text !== "string") return;
    this.lastAnswer = item.text;
    if (item.phase === "final_answer") this.finalAnswer = item.text;
  }
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function asObject(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
