/**
 * What a worker process (ROLE=worker) serves: no GraphQL, only `/healthz`, so that a supervisor or
 * an orchestrator can tell it is alive and which runs it works on.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** Shaped like the GraphQL server's handle (url is the health check's, wsUrl empty), so the app holds either. */
export interface HealthServer {
  url: string;
  wsUrl: string;
  port: number;
  httpServer: http.Server;
  close(): Promise<void>;
}

export async function startHealthServer(options: { port: number; host: string; runIds: () => number[] }): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const found = req.url === "/healthz";
    res.writeHead(found ? 200 : 404, { "content-type": "application/json" });
    res.end(
      JSON.stringify(
        found ? { ok: true, role: "worker", runs: options.runIds() } : { error: "not found: a worker serves /healthz only" },
      ),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}/healthz`,
    wsUrl: "",
    port,
    httpServer: server,
    close: () => (closing ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}
