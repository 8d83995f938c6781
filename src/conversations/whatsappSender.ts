/** The engine's `OutboundSender` over the WhatsApp service (cloud or sandbox per channel). */
import { Effect, Layer } from "effect"
import { waitingOn } from "../observability/remoteWaits.ts"
import { WhatsApp } from "../whatsapp/WhatsApp.ts"
import { OutboundSender, SendFailed, type SendTarget } from "./sender.ts"

const failure = (e: { readonly _tag: string; readonly message?: string } & Partial<{ code: number; details: string; reason: string }>) =>
  new SendFailed({
    code: e.code ?? null,
    title: e._tag,
    details: e.details ?? e.reason ?? "",
    windowClosed: e._tag === "WindowClosed",
    unknown: e._tag === "SendOutcomeUnknown"
  })

/** Where a message goes: the number, else the business-scoped user id. */
const recipient = (target: SendTarget) => target.waId ?? target.userId ?? ""

export const OutboundSenderLive = Layer.effect(
  OutboundSender,
  Effect.gen(function*() {
    const whatsapp = yield* WhatsApp
    return OutboundSender.of({
      send: (target, body, reference) =>
        whatsapp.channel(target.channelId).pipe(
          Effect.flatMap((channel) =>
            waitingOn("send")(whatsapp.send(channel, recipient(target), body, reference))
          ),
          Effect.mapError(failure)
        ),
      markRead: (target, wamid) =>
        whatsapp.channel(target.channelId).pipe(
          Effect.flatMap((channel) => waitingOn("send")(whatsapp.markRead(channel, wamid))),
          Effect.catchCause((cause) => Effect.logWarning("mark-as-read failed", cause))
        )
    })
  })
)
