/** Shapes the page's components take, from the host functions' return types. */
import type { FunctionReturnType } from "convex/server";
import { codex } from "../api.js";

export type Turn = FunctionReturnType<typeof codex.listTurns>[number];
export type Thread = FunctionReturnType<typeof codex.listThreads>["page"][number];
