import type { ServerRequest, UIMessage } from "../../../src/react/index.js";
import { AgentMessage } from "./AgentMessage.js";
import { CommandItem } from "./CommandItem.js";
import { FileChange } from "./FileChange.js";
import { Reasoning } from "./Reasoning.js";
import { type Answer, ServerRequestCard } from "./ServerRequestCard.js";
import { StatusBadge } from "./StatusBadge.js";

type Props = { threadId: string; message: UIMessage; requests: ServerRequest[]; answer: Answer };

/** One thread item, rendered by kind, with the server requests it raised right below it. */
export function MessageItem({ threadId, message, requests, answer }: Props) {
  return (
    <article className={`message ${message.kind}`} data-item-id={message.itemId} data-status={message.status} data-kind={message.kind}>
      <ItemBody threadId={threadId} message={message} />
      {message.error ? <p className="error-text">{message.error}</p> : null}
      {requests.map((request) => (
        <ServerRequestCard key={request._id} request={request} answer={answer} />
      ))}
    </article>
  );
}

function ItemBody({ threadId, message }: { threadId: string; message: UIMessage }) {
  switch (message.kind) {
    case "userMessage":
      return <p className="user-text">{message.text}</p>;
    case "agentMessage":
      return <AgentMessage message={message} />;
    case "reasoning":
      return <Reasoning message={message} />;
    case "commandExecution":
      return <CommandItem threadId={threadId} message={message} />;
    case "fileChange":
      return <FileChange message={message} />;
    default:
      return (
        <div>
          <div className="command-line">
            <span className="kind">{message.toolName ?? message.kind}</span>
            <StatusBadge status={message.status} streaming={message.streaming} />
          </div>
          {message.text ? <pre className="output">{message.text}</pre> : null}
        </div>
      );
  }
}
