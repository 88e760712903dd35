import { useQuery } from "convex/react";
import { useState } from "react";
import { api } from "../convex/_generated/api.js";
import { ThreadView } from "./ThreadView.js";

/** Thread list on the left, the selected (or newest) thread on the right. */
export function App({ source }: { source: string }) {
  const threads = useQuery(api.codex.listThreads, { paginationOpts: { numItems: 20, cursor: null } });
  const [selected, setSelected] = useState<string | null>(null);
  const threadId = selected ?? threads?.page[0]?.threadId ?? null;
  return (
    <div className="layout">
      <aside>
        <h1>codex-convex</h1>
        <p className="source">{source}</p>
        {threads === undefined ? <p>Loading threads…</p> : null}
        <ul>
          {threads?.page.map((thread) => (
            <li key={thread.threadId}>
              <button
                className={thread.threadId === threadId ? "active" : ""}
                onClick={() => setSelected(thread.threadId)}
              >
                <span className="preview">{thread.preview ?? "(no preview)"}</span>
                <span className="meta">{thread.cwd}</span>
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <main>{threadId ? <ThreadView threadId={threadId} /> : <p>No threads yet: run the bridge.</p>}</main>
    </div>
  );
}
