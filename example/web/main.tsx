import { ConvexProvider } from "convex/react";
import "highlight.js/styles/github.css";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import { createClient } from "./client.js";

const root = createRoot(document.getElementById("root")!);
try {
  const { client, description } = createClient(window.location);
  root.render(
    <ConvexProvider client={client}>
      <App source={description} />
    </ConvexProvider>,
  );
} catch (error) {
  root.render(<p className="error">{(error as Error).message}</p>);
}
