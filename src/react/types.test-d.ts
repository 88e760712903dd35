import type { FunctionReference, PaginationOptions } from "convex/server";
import { describe, expectTypeOf, test } from "vitest";
import { api } from "../../example/convex/_generated/api.js";
import type { MessagesPage, StreamArgs } from "../shared/validators.js";
import type { MessagesQuery, ThreadQueryArgs } from "./types.js";
import type { UIMessage } from "./mergeStreams.js";
import type { MessageTextQuery } from "./useMessageText.js";
import { useMessages, type UseMessagesOptions } from "./useMessages.js";
import type { ListCheckpointsQuery, SaveCheckpointsMutation, StreamCheckpointOptions } from "./useStreamCheckpoints.js";

type HostArgs = {
  threadId: string;
  paginationOpts: PaginationOptions;
  order?: "asc" | "desc";
  streamArgs?: StreamArgs;
};

describe("MessagesQuery", () => {
  test("the host's listMessages fits, and callers pass only threadId", () => {
    expectTypeOf(api.codex.listMessages).toExtend<MessagesQuery>();
    expectTypeOf<ThreadQueryArgs<typeof api.codex.listMessages>>().toEqualTypeOf<{ threadId: string }>();
  });

  test("a host query with arguments of its own keeps them required", () => {
    type WithSession = FunctionReference<"query", "public", HostArgs & { sessionToken: string }, MessagesPage>;
    expectTypeOf<WithSession>().toExtend<MessagesQuery>();
    expectTypeOf<ThreadQueryArgs<WithSession>>().toEqualTypeOf<{ threadId: string; sessionToken: string }>();
    expectTypeOf(useMessages<WithSession>).parameter(1).toEqualTypeOf<{ threadId: string; sessionToken: string } | "skip">();
  });

  test("queries of other shapes do not fit", () => {
    type NoThread = FunctionReference<"query", "public", { paginationOpts: PaginationOptions }, MessagesPage>;
    expectTypeOf<NoThread>().not.toExtend<MessagesQuery>();
    type OtherResult = FunctionReference<"query", "public", HostArgs, { page: string[] }>;
    expectTypeOf<OtherResult>().not.toExtend<MessagesQuery>();
  });
});

describe("UIMessage", () => {
  test("carries the outputIncomplete mark of a command whose streamed and reported output differ", () => {
    expectTypeOf<UIMessage["outputIncomplete"]>().toEqualTypeOf<{ streamedBytes: number; reportedBytes: number } | undefined>();
    expectTypeOf<UIMessage["itemOmitsText"]>().toEqualTypeOf<boolean | undefined>();
  });
});

describe("MessageTextQuery", () => {
  test("the host's getMessageText fits useMessages({ fullText }) and useMessageText", () => {
    expectTypeOf(api.codex.getMessageText).toExtend<MessageTextQuery>();
  });
});

describe("StreamCheckpointOptions", () => {
  test("the host's saveCheckpoints and listCheckpoints fit; other functions do not", () => {
    expectTypeOf(api.codex.saveCheckpoints).toExtend<SaveCheckpointsMutation>();
    expectTypeOf(api.codex.listCheckpoints).toExtend<ListCheckpointsQuery>();
    expectTypeOf(api.codex.listCheckpoints).not.toExtend<SaveCheckpointsMutation>();
    expectTypeOf(api.codex.listMessages).not.toExtend<ListCheckpointsQuery>();
    expectTypeOf<UseMessagesOptions["checkpoints"]>().toEqualTypeOf<StreamCheckpointOptions | undefined>();
  });
});
