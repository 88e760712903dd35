import { useQuery } from "convex/react";
import { Fragment, useCallback, useMemo } from "react";
import {
  type Device,
  type ServerRequest,
  type StreamCheckpointOptions,
  useAnswerServerRequest,
  useMessages,
  usePendingSends,
  useServerRequests,
} from "../../../src/react/index.js";
import { codex } from "../api.js";
import { Composer } from "./Composer.js";
import { MessageItem } from "./MessageItem.js";
import { OfflineBanner } from "./OfflineBanner.js";
import { placeRequests } from "./placeRequests.js";
import { ServerRequestCard } from "./ServerRequestCard.js";
import { TurnChanges } from "./TurnChanges.js";
import { TurnDivider } from "./TurnDivider.js";

/** Messages loaded at first and per "Load older" click. */
const PAGE_SIZE = 40;
/** Expired server requests shown in the thread (the newest). */
const EXPIRED_REQUESTS_SHOWN = 20;

type ThreadViewProps = {
  threadId: string;
  /** The paired desktop running the thread, for the offline banner. */
  device: Device | undefined;
  /** Save and resume this browser's stream checkpoints (the page passes `streamCheckpoints`); default off. */
  checkpoints?: StreamCheckpointOptions;
};

/**
 * One thread: its items oldest first with live text, turn boundaries, what
 * each turn changed, codex's requests where they were raised (pending ones to
 * answer, expired ones saying so), the offline banner and the composer.
 */
export function ThreadView({ threadId, device, checkpoints }: ThreadViewProps) {
  const { results, status, loadMore } = useMessages(codex.listMessages, { threadId }, {
    initialNumItems: PAGE_SIZE,
    stream: true,
    fullText: codex.getMessageText,
    checkpoints,
  });
  const sends = usePendingSends(threadId, results);
  const turns = useQuery(codex.listTurns, { threadId });
  const requests = useServerRequests(codex.listServerRequests, threadId);
  const expired = useQuery(codex.listServerRequests, { threadId, status: "expired", limit: EXPIRED_REQUESTS_SHOWN });
  const answerRequest = useAnswerServerRequest(codex.answerServerRequest, codex.listServerRequests);
  const answer = useCallback(
    (request: ServerRequest, response: unknown, idempotencyKey: string) =>
      answerRequest({ threadId, requestId: request._id, response: response as never, idempotencyKey }),
    [answerRequest, threadId],
  );
  const turnById = useMemo(() => new Map((turns ?? []).map((t) => [t.turnId, t])), [turns]);
  // Pending requests, and the newest expired ones (what codex asked, that nobody can answer now), oldest first.
  const shown = [...(requests ?? []).filter((r) => r.status === "pending"), ...(expired ?? [])].sort((a, b) => a._creationTime - b._creationTime);
  const placed = placeRequests(shown, results);
  const running = (turns ?? []).some((t) => t.status === "inProgress");
  return (
    <section className="thread" data-thread-id={threadId} aria-label="Thread">
      <OfflineBanner device={device} />
      <div className="items">
        {status === "CanLoadMore" ? (
          <button type="button" className="link" onClick={() => loadMore(PAGE_SIZE)}>Load older messages</button>
        ) : null}
        {status === "LoadingFirstPage" ? <p className="muted" role="status">Loading messages…</p> : null}
        {status !== "LoadingFirstPage" && results.length === 0 && sends.pending.length === 0 ? <p className="muted">No messages yet.</p> : null}
        {results.map((message, index) => (
          <Fragment key={message._id}>
            {index === 0 || results[index - 1]!.turnId !== message.turnId ? <TurnDivider turn={turnById.get(message.turnId)} /> : null}
            <MessageItem
              threadId={threadId}
              message={message}
              requests={placed.atItem.get(message.itemId) ?? []}
              answer={answer}
            />
            {index === results.length - 1 || results[index + 1]!.turnId !== message.turnId ? (
              <>
                {placed.atTurnEnd.get(message.turnId)?.map((request) => <ServerRequestCard key={request._id} request={request} answer={answer} />)}
                <TurnChanges turn={turnById.get(message.turnId)} />
              </>
            ) : null}
          </Fragment>
        ))}
        {sends.pending.map((send) => (
          <article key={send.key} className="message userMessage pending" data-item-id={`pending:${send.key}`} data-status="pending" data-kind="userMessage">
            <p className="user-text">{send.text}</p>
          </article>
        ))}
        {placed.loose.map((request) => (
          <ServerRequestCard key={request._id} request={request} answer={answer} />
        ))}
        {running ? <p className="muted working" role="status">Codex is working…</p> : null}
      </div>
      <Composer threadId={threadId} running={running} track={sends.track} />
    </section>
  );
}
