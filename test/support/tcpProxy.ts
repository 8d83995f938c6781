/**
 * A TCP proxy on 127.0.0.1 in front of the test database, to take it away and bring it back:
 * `down()` cuts every open connection and refuses new ones (a database restart or a network
 * partition, as the app sees it), `up()` lets connections through again.
 */
import { createServer, type Socket, connect } from "node:net"
import { Effect } from "effect"

export interface TcpProxy {
  readonly port: number
  readonly down: () => void
  readonly up: () => void
}

export const startTcpProxy = (target: { readonly host: string; readonly port: number }) =>
  Effect.acquireRelease(
    Effect.callback<{ proxy: TcpProxy; close: () => Promise<void> }>((resume) => {
      let open = true
      const sockets = new Set<Socket>()
      const server = createServer((client) => {
        if (!open) return client.destroy()
        const upstream = connect(target.port, target.host)
        for (const s of [client, upstream]) {
          sockets.add(s)
          s.on("close", () => sockets.delete(s))
          s.on("error", () => s.destroy())
        }
        client.pipe(upstream).pipe(client)
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({
          proxy: {
            port,
            down: () => {
              open = false
              for (const s of sockets) s.destroy()
            },
            up: () => void (open = true)
          },
          close: () => new Promise<void>((r) => {
            for (const s of sockets) s.destroy()
            server.close(() => r())
          })
        }))
      })
    }),
    ({ close }) => Effect.promise(close)
  ).pipe(Effect.map(({ proxy }) => proxy))
