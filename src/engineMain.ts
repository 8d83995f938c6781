/** The engine's thread starts here (src/lifecycle/engineThread.ts; bundled as dist/engineMain.mjs). */
import { parentPort, workerData } from "node:worker_threads"
import { EngineThreadMain } from "./engine.ts"
import { isEngineThreadData, runEngineThread } from "./lifecycle/engineThread.ts"

if (!isEngineThreadData(workerData) || parentPort === null) throw new Error("src/engineMain.ts runs only as the engine's thread (ENGINE_THREAD)")
runEngineThread(parentPort, EngineThreadMain(workerData.engineThread.databaseUrl))
