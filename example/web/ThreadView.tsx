import { api } from "../convex/_generated/api.js";
import { useMessages, type UIMessage } from "../../src/react/index.js";

function MessageView({ message }: { message: UIMessage }) {
  const isOutput = message.kind === "commandExecution" || message.kind === "fileChange";
  return (
    <article className={`message ${message.kind}`} data-item-id={message.itemId} data-status={message.status}>
      <header>
        <span className="kind">{message.kind}</span>
        <span className={`status ${message.status}`}>{message.streaming ? "streaming…" : message.status}</span>
      </header>
      {message.outputIncomplete ? (
        <p className="warning" role="status">
          Output incomplete: codex streamed {message.outputIncomplete.streamedBytes.toLocaleString()} bytes but reported{" "}
          {message.outputIncomplete.reportedBytes.toLocaleString()}; both are kept (the streamed output via getMessageText).
        </p>
      ) : null}
      {message.text ? isOutput ? <pre>{message.text}</pre> : <p className="text">{message.text}</p> : null}
      {message.textComplete ? null : <p className="loading">Loading the rest of this message…</p>}
    </article>
  );
}

/** One thread, oldest message first, live text merged in while items stream. */
export function ThreadView({ threadId }: { threadId: string }) {
  const { results, status, loadMore } = useMessages(api.codex.listMessages, { threadId }, {
    initialNumItems: 50,
    stream: true,
    // Pages carry the first 8 Ki characters of a long text; load the rest of each once.
    fullText: api.codex.getMessageText,
  });
  return (
    <section className="thread" data-thread-id={threadId}>
      {status === "CanLoadMore" ? <button onClick={() => loadMore(50)}>Load older messages</button> : null}
      {status === "LoadingFirstPage" ? <p>Loading…</p> : null}
      {results.map((message) => (
        <MessageView key={message._id} message={message} />
      ))}
    </section>
  );
}
