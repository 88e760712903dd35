import { describe, expectTypeOf, test } from "vitest";
import { api } from "../../example/convex/_generated/api.js";
import type {
  AnswerMutation,
  CreatePairingCodeMutation,
  GetCommandQuery,
  InterruptMutation,
  ListDevicesQuery,
  RenameDeviceMutation,
  RevokeDeviceMutation,
  SendMessageMutation,
  ServerRequestsQuery,
  StartThreadMutation,
} from "./steerTypes.js";

describe("steering hooks' function shapes", () => {
  test("the host's functions fit the hooks", () => {
    expectTypeOf(api.codex.sendMessage).toExtend<SendMessageMutation>();
    expectTypeOf(api.codex.interruptTurn).toExtend<InterruptMutation>();
    expectTypeOf(api.codex.startThread).toExtend<StartThreadMutation>();
    expectTypeOf(api.codex.listServerRequests).toExtend<ServerRequestsQuery>();
    expectTypeOf(api.codex.answerServerRequest).toExtend<AnswerMutation>();
    expectTypeOf(api.codex.listDevices).toExtend<ListDevicesQuery>();
    expectTypeOf(api.codex.createPairingCode).toExtend<CreatePairingCodeMutation>();
    expectTypeOf(api.codex.renameDevice).toExtend<RenameDeviceMutation>();
    expectTypeOf(api.codex.revokeDevice).toExtend<RevokeDeviceMutation>();
    expectTypeOf(api.codex.getCommand).toExtend<GetCommandQuery>();
  });

  test("a mutation of another shape does not fit", () => {
    expectTypeOf(api.codex.interruptTurn).not.toExtend<SendMessageMutation>();
    expectTypeOf(api.codex.revokeDevice).not.toExtend<RenameDeviceMutation>();
  });
});
