import type { UIMessage } from "../../../src/react/index.js";

/** A reasoning summary, collapsed to one line; open while it streams. */
export function Reasoning({ message }: { message: UIMessage }) {
  const text = message.text ?? message.streams.map((s) => s.text).join("\n\n");
  return (
    <details className="reasoning" open={message.streaming}>
      <summary>Thinking{message.streaming ? "…" : ""}</summary>
      <p className="reasoning-text">{text}</p>
    </details>
  );
}
