// An engine's thread that fails as it is told (test/deploy/engineThread.test.ts): the URL it is given names how.
import { parentPort, workerData } from "node:worker_threads"

const behaviour = workerData.engineThread.databaseUrl
if (behaviour === "exit") process.exit(3)
if (behaviour === "fail") {
  parentPort.postMessage({ _tag: "failed", message: "database unreachable (fixture)" })
  setTimeout(() => process.exit(1), 50)
}
if (behaviour === "lost") {
  parentPort.postMessage({ _tag: "ready" })
  setTimeout(() => process.exit(4), 200)
}
if (behaviour === "throws") {
  parentPort.postMessage({ _tag: "ready" })
  setTimeout(() => {
    throw new Error("an actor's loop blew up (fixture)")
  }, 200)
}
