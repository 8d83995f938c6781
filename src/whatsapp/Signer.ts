/**
 * Who vouched for a delivery, kept with it in the inbox (`signedBy`, a plain string so the
 * Postgres column, the SQS attribute and the internal RPC carry it unchanged):
 *
 * - `<fingerprint>`: the bare route, verified with the deployment's secret (WHATSAPP_APP_SECRET).
 *   It may speak only for numbers of the quick-setup organization without a secret of their own.
 * - `<fingerprint>@<channel id>`: a channel's route, verified with that channel's secret (its
 *   own, else the deployment's). It may speak only for that channel's number.
 *
 * Rows written before routes existed hold a bare fingerprint of whichever secret matched;
 * one that is not the deployment's is honoured for a channel whose own secret it is.
 */
import { ChannelId } from "../domain/ids.ts"

export type Signer =
  | { readonly _tag: "Deployment"; readonly fingerprint: string }
  | { readonly _tag: "Channel"; readonly fingerprint: string; readonly channelId: ChannelId }

const CHANNEL = /^([0-9a-f]{16})@([0-9a-f-]{36})$/i

export const encodeSigner = (signer: Signer): string =>
  signer._tag === "Deployment" ? signer.fingerprint : `${signer.fingerprint}@${signer.channelId}`

export const decodeSigner = (signedBy: string): Signer => {
  const m = CHANNEL.exec(signedBy)
  return m === null || m[1] === undefined || m[2] === undefined
    ? { _tag: "Deployment", fingerprint: signedBy }
    : { _tag: "Channel", fingerprint: m[1], channelId: ChannelId.make(m[2]) }
}
