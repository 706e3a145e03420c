import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import type { TlsServerConfig } from "../../config/web-config.js";

/** A listening HTTP server and how to close it. */
export interface HttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * HTTPS as a web configuration file's `tls_server_config` asks, its
 * `client_auth_type` as the exporter-toolkit (Go's crypto/tls) means it:
 * Node refuses an unverified or missing certificate in the handshake where
 * both are required; the two in-between kinds are enforced as each
 * connection is set up.
 */
function httpsOptions(tls: TlsServerConfig) {
  const auth = tls.clientAuth;
  return {
    createServer: createHttpsServer,
    serverOptions: {
      cert: tls.cert,
      key: tls.key,
      ca: tls.clientCa,
      minVersion: tls.minVersion,
      maxVersion: tls.maxVersion,
      requestCert: auth !== "NoClientCert",
      rejectUnauthorized: auth === "RequireAndVerifyClientCert",
    },
  };
}

/** Ends a connection whose client certificate `client_auth_type` does not accept. */
function enforceClientAuth(tls: TlsServerConfig, socket: TLSSocket): void {
  const given = socket.getPeerCertificate()?.raw !== undefined;
  if (tls.clientAuth === "RequireAnyClientCert" && !given) socket.destroy();
  if (tls.clientAuth === "VerifyClientCertIfGiven" && given && !socket.authorized) socket.destroy();
}

/** Serves the app on host:port (port 0 picks a free one), over TLS when given, and resolves once listening. */
export async function startHttpServer(
  app: Hono,
  host: string,
  port: number,
  tls?: TlsServerConfig,
): Promise<HttpServer> {
  return await new Promise((resolve, reject) => {
    const options = { fetch: app.fetch, hostname: host, port, ...(tls ? httpsOptions(tls) : {}) };
    const server = serve(options, (info: AddressInfo) => {
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
    if (tls) server.on("secureConnection", (socket: TLSSocket) => enforceClientAuth(tls, socket));
  });
}
