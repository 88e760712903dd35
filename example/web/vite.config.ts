import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/** The example page: React without a plugin (esbuild's automatic JSX runtime). */
export default defineConfig({
  root: path.dirname(fileURLToPath(import.meta.url)),
  esbuild: { jsx: "automatic" },
  server: { host: "127.0.0.1" },
  logLevel: "warn",
});
