import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";

/** A listening HTTP server and how to close it. */
export interface HttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves the app on host:port (port 0 picks a free one) and resolves once listening. */
export async function startHttpServer(app: Hono, host: string, port: number): Promise<HttpServer> {
  return await new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      resolve({
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Keep-alive scrapers would hold close() open until their sockets time out.
            if ("closeAllConnections" in server) server.closeAllConnections();
          }),
      });
    });
    server.once("error", reject);
  });
}
