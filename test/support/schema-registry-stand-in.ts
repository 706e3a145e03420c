import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * A stand-in for a Confluent Schema Registry, used because no real one can
 * run on the CI machines (no container registry; Apicurio's artifacts on
 * Maven Central do not resolve: see README). It serves exactly the endpoints
 * `@kafkajs/confluent-schema-registry` calls, with Confluent's status codes,
 * error codes and bodies:
 *
 * - `GET /schemas/ids/{id}` → `{schema, schemaType?}` or 404 `{error_code: 40403}`
 * - `POST /subjects/{subject}/versions` → `{id}`; the same schema text and
 *   type get the same id under any subject, as in Confluent
 * - `POST /subjects/{subject}` (lookup), `GET /subjects/{subject}/versions/{v|latest}`, `GET /subjects`
 * - `GET /config/{subject}` → `{compatibilityLevel}` or 404 `{error_code: 40408}`; `PUT /config/{subject}`
 *
 * It does not check compatibility between versions (the schema-evolution
 * unit test checks it with avsc itself). Tests can stop it (connections
 * refused), make it answer 503, and count the schema lookups it served.
 */
export class SchemaRegistryStandIn {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly schemas: { schema: string; schemaType: string }[] = [];
  private readonly subjects = new Map<string, number[]>();
  private readonly configs = new Map<string, string>();
  private failure: number | undefined;
  /** `GET /schemas/ids/{id}` requests answered, by id. */
  readonly lookups = new Map<number, number>();
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens on loopback: a free port the first time, the same port after a stop. */
  async start(): Promise<this> {
    const server = createServer((req, res) => {
      void this.handle(req, res);
    });
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", resolve);
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Closes the port and every open connection: clients see connection refused. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answers every request with this status (e.g. 503) until called with `undefined`. */
  failWith(status: number | undefined): void {
    this.failure = status;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/vnd.schemaregistry.v1+json" });
      res.end(JSON.stringify(value));
    };
    if (this.failure !== undefined) {
      send(this.failure, { error_code: this.failure * 100, message: "stand-in failure" });
      return;
    }
    const path = decodeURI((req.url ?? "/").split("?")[0] as string);
    const method = req.method ?? "GET";
    for (const [routeMethod, pattern, answer] of this.routes()) {
      const match = routeMethod === method ? pattern.exec(path) : null;
      if (match) {
        const [status, value] = answer(match.slice(1) as string[], body);
        return send(status, value);
      }
    }
    send(404, { error_code: 404, message: `HTTP 404 Not Found: ${method} ${path}` });
  }

  private routes(): [string, RegExp, (params: string[], body: string) => [number, unknown]][] {
    return [
      ["GET", /^\/schemas\/ids\/(\d+)$/, ([id]) => this.schemaById(Number(id))],
      ["GET", /^\/subjects$/, () => [200, [...this.subjects.keys()]]],
      ["GET", /^\/config\/(.+)$/, ([subject]) => this.configOf(subject as string)],
      [
        "PUT",
        /^\/config\/(.+)$/,
        ([subject], body) => {
          const { compatibility } = JSON.parse(body) as { compatibility: string };
          this.configs.set(subject as string, compatibility);
          return [200, { compatibility }];
        },
      ],
      ["POST", /^\/subjects\/(.+)\/versions$/, ([subject], body) => this.register(subject as string, body)],
      [
        "GET",
        /^\/subjects\/([^/]+)\/versions\/(latest|\d+)$/,
        ([subject, version]) => this.version(subject as string, version as string),
      ],
      ["POST", /^\/subjects\/([^/]+)$/, ([subject], body) => this.lookup(subject as string, body)],
    ];
  }

  private schemaById(id: number): [number, unknown] {
    this.lookups.set(id, (this.lookups.get(id) ?? 0) + 1);
    const found = this.schemas[id - 1];
    return found ? [200, withType(found)] : [404, { error_code: 40403, message: `Schema ${id} not found` }];
  }

  private configOf(subject: string): [number, unknown] {
    const level = this.configs.get(subject);
    return level === undefined
      ? [
          404,
          {
            error_code: 40408,
            message: `Subject '${subject}' does not have subject-level compatibility configured`,
          },
        ]
      : [200, { compatibilityLevel: level }];
  }

  private register(subject: string, body: string): [number, unknown] {
    const request = JSON.parse(body) as { schema: string; schemaType?: string };
    const schemaType = request.schemaType ?? "AVRO";
    let index = this.schemas.findIndex((s) => s.schema === request.schema && s.schemaType === schemaType);
    if (index < 0) index = this.schemas.push({ schema: request.schema, schemaType }) - 1;
    const id = index + 1;
    const versions = this.subjects.get(subject) ?? [];
    if (!versions.includes(id)) versions.push(id);
    this.subjects.set(subject, versions);
    return [200, { id }];
  }

  private version(subject: string, version: string): [number, unknown] {
    const versions = this.subjects.get(subject);
    if (!versions) return [404, { error_code: 40401, message: `Subject '${subject}' not found.` }];
    const number = version === "latest" ? versions.length : Number(version);
    const id = versions[number - 1];
    if (id === undefined) return [404, { error_code: 40402, message: `Version ${version} not found.` }];
    const entry = this.schemas[id - 1] as { schema: string; schemaType: string };
    return [200, { subject, version: number, id, ...withType(entry) }];
  }

  private lookup(subject: string, body: string): [number, unknown] {
    const request = JSON.parse(body) as { schema: string };
    const versions = this.subjects.get(subject) ?? [];
    const index = versions.findIndex((id) => this.schemas[id - 1]?.schema === request.schema);
    if (index < 0) return [404, { error_code: 40403, message: "Schema not found" }];
    return [200, { subject, version: index + 1, id: versions[index], schema: request.schema }];
  }
}

/** Confluent omits `schemaType` for Avro, its default. */
function withType(entry: { schema: string; schemaType: string }) {
  return entry.schemaType === "AVRO" ? { schema: entry.schema } : entry;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
