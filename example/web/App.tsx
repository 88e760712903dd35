import { useQuery } from "convex/react";
import { useState } from "react";
import { useDevices } from "../../src/react/index.js";
import { codex, deviceFunctions, streamCheckpoints } from "./api.js";
import { NewThread } from "./components/NewThread.js";
import { Pairing } from "./components/Pairing.js";
import { ThreadList } from "./components/ThreadList.js";
import { ErrorBoundary } from "./components/ErrorBoundary.js";
import { ThreadView } from "./components/ThreadView.js";
import { useThreadDevice } from "./useThreadDevice.js";

/** Threads listed per page in the sidebar. */
const THREADS_SHOWN = 50;

type Screen = { kind: "thread"; threadId: string | null } | { kind: "new" } | { kind: "devices" };

/**
 * The page: the sidebar (threads, new thread, devices) and the chosen screen,
 * one column on a phone. What the deployment refuses (signed out, a thread
 * not found) is said in place of the page or of the screen.
 */
export function App({ source }: { source: string }) {
  return (
    <ErrorBoundary what="the page">
      <Layout source={source} />
    </ErrorBoundary>
  );
}

function Layout({ source }: { source: string }) {
  const threads = useQuery(codex.listThreads, { paginationOpts: { numItems: THREADS_SHOWN, cursor: null } });
  const { devices } = useDevices(deviceFunctions);
  const [screen, setScreen] = useState<Screen>({ kind: "thread", threadId: null });
  const threadId = screen.kind === "thread" ? (screen.threadId ?? threads?.page[0]?.threadId ?? null) : null;
  const thread = useQuery(codex.getThread, threadId === null ? "skip" : { threadId });
  const device = useThreadDevice(devices, threadId, thread?.threadId === threadId ? thread.deviceId : undefined);
  return (
    <div className={`layout ${screen.kind === "thread" && screen.threadId ? "has-selection" : ""}`}>
      <aside>
        <h1>codex-convex</h1>
        <p className="source">{source}</p>
        <nav className="actions">
          <button type="button" className="primary" onClick={() => setScreen({ kind: "new" })}>New thread</button>
          <button type="button" className="secondary" onClick={() => setScreen({ kind: "devices" })}>Devices</button>
        </nav>
        <ThreadList threads={threads?.page} devices={devices} selected={threadId} onSelect={(id) => setScreen({ kind: "thread", threadId: id })} />
      </aside>
      <main>
        {screen.kind === "thread" && screen.threadId ? (
          <button type="button" className="link back" onClick={() => setScreen({ kind: "thread", threadId: null })}>← Threads</button>
        ) : null}
        <ErrorBoundary key={screen.kind === "thread" ? `thread:${threadId}` : screen.kind} what={screen.kind === "thread" ? "this thread" : "this screen"}>
          {screen.kind === "devices" ? <Pairing /> : null}
          {screen.kind === "new" ? <NewThread devices={devices} onStarted={(id) => setScreen({ kind: "thread", threadId: id })} /> : null}
          {screen.kind === "thread" && threadId ? <ThreadView key={threadId} threadId={threadId} device={device} checkpoints={streamCheckpoints} /> : null}
        </ErrorBoundary>
      </main>
    </div>
  );
}
