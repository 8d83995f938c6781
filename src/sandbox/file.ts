/** `${DATA_DIR}/sandbox.json`: what `npm run chat` needs to play a lead against a dev server. */
import { join } from "node:path"
import { Schema } from "effect"

export const SandboxFile = Schema.Struct({
  organizationId: Schema.String,
  /** The sandbox channel: its webhook route is `/webhooks/whatsapp/{channelId}`. */
  channelId: Schema.String,
  phoneNumberId: Schema.String,
  appSecret: Schema.String,
  email: Schema.String,
  password: Schema.String
})
export type SandboxFile = typeof SandboxFile.Type

export const SandboxFileJson = Schema.fromJsonString(SandboxFile)

export const sandboxFilePath = (dataDir: string) => join(dataDir, "sandbox.json")
