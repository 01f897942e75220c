/** Connections (sources and access systems), secrets, per-person re-sync and delivery state. Owned by the adapters work. */
export const connectionsCalls = {};
