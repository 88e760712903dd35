import type { UIMessage } from "../../../src/react/index.js";
import { Markdown } from "./Markdown.js";
import { useSmoothText } from "./useSmoothText.js";

/** Codex's answer as markdown, revealed smoothly while it streams. */
export function AgentMessage({ message }: { message: UIMessage }) {
  const text = useSmoothText(message.text ?? "", message.streaming || message.status === "inProgress");
  return (
    <div className="agent-text" aria-busy={message.streaming}>
      <Markdown text={text} />
      {message.textComplete ? null : <p className="muted">Loading the rest of this message…</p>}
    </div>
  );
}
