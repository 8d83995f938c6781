/** Where the API serves its internal RPC to workers (src/internal/), and the header it checks first. */
export const INTERNAL_RPC_PATH = "/internal/rpc"
export const INTERNAL_SECRET_HEADER = "x-internal-secret"
