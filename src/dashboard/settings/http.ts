/** HTTP handlers of the settings group (admin checks live in Settings). */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { Api } from "../../domain/Api.ts"
import { CurrentUser } from "../../domain/dashboard/auth.ts"
import { Settings } from "./Settings.ts"

export const SettingsHttpLive = HttpApiBuilder.group(Api, "settings", Effect.fn(function*(handlers) {
  const settings = yield* Settings
  return handlers
    .handle("createChannel", ({ payload }) => Effect.flatMap(CurrentUser, (caller) => settings.createChannel(caller, payload)))
    .handle("listChannels", () => Effect.flatMap(CurrentUser, settings.listChannels))
    .handle("getProfile", () => Effect.flatMap(CurrentUser, settings.getProfile))
    .handle("putProfile", ({ payload }) => Effect.flatMap(CurrentUser, (caller) => settings.putProfile(caller, payload)))
    .handle("getInvite", () => Effect.flatMap(CurrentUser, settings.getInvite))
    .handle("rotateInvite", () => Effect.flatMap(CurrentUser, settings.rotateInvite))
}))
