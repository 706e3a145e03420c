import { dirname, resolve } from "node:path";
import { createSecureContext } from "node:tls";
import { parse } from "yaml";
import { ConfigError } from "./config-error.js";
import { SETTINGS } from "./settings.js";

/**
 * The web configuration file of the Prometheus exporter-toolkit
 * (node_exporter's `--web.config.file`, statsd_exporter's …), the fields
 * this service serves: TLS with optional client certificates, basic-auth
 * users with bcrypt hashes, extra response headers. Paths inside it are
 * relative to the file, as in the toolkit. Read once, at start.
 */
export interface WebConfig {
  readonly file: string;
  readonly tls: TlsServerConfig | undefined;
  /** User name → bcrypt hash. */
  readonly users: ReadonlyMap<string, string>;
  /** Response headers added to every answer. */
  readonly headers: Readonly<Record<string, string>>;
}

/** What the toolkit calls `client_auth_type`. */
export const CLIENT_AUTH_TYPES = [
  "NoClientCert",
  "RequestClientCert",
  "RequireAnyClientCert",
  "VerifyClientCertIfGiven",
  "RequireAndVerifyClientCert",
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

export interface TlsServerConfig {
  readonly cert: string;
  readonly key: string;
  readonly clientCa: string | undefined;
  readonly clientAuth: ClientAuthType;
  readonly minVersion: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";
  readonly maxVersion: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3" | undefined;
}

const VERSIONS = { TLS10: "TLSv1", TLS11: "TLSv1.1", TLS12: "TLSv1.2", TLS13: "TLSv1.3" } as const;
/** The headers the toolkit lets a web configuration set. */
const HEADERS = [
  "Strict-Transport-Security",
  "X-Content-Type-Options",
  "X-Frame-Options",
  "X-XSS-Protection",
  "Content-Security-Policy",
];
const TLS_KEYS = [
  "cert_file",
  "key_file",
  "client_auth_type",
  "client_ca_file",
  "min_version",
  "max_version",
];
const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

/** A problem with the file, as the one line a wrong setting gets (exit code 2). */
function problem(file: string, expected: string, detail?: string): ConfigError {
  const spec = SETTINGS.webConfigFile;
  return new ConfigError([
    {
      env: spec.env,
      flag: spec.flag,
      expected: `a web configuration file (the exporter-toolkit format) where ${expected}`,
      got: file,
      cause: detail,
    },
  ]);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One way to authenticate scrapers: the file's users, or the token or password settings. */
export function checkWebConfigAgainst(
  config: { metricsBearerToken?: string | undefined; metricsUsername?: string | undefined },
  web: WebConfig | undefined,
): void {
  if (web === undefined || web.users.size === 0) return;
  const other =
    config.metricsBearerToken !== undefined
      ? SETTINGS.metricsBearerToken
      : config.metricsUsername !== undefined
        ? SETTINGS.metricsUsername
        : undefined;
  if (other !== undefined)
    throw problem(
      web.file,
      `basic_auth_users is the only way scrapers authenticate (${other.env} is set too: choose one)`,
    );
}

/** Reads and checks the file `WEB_CONFIG_FILE` names; `undefined` without one. */
export function loadWebConfig(
  file: string | undefined,
  readFile: (path: string) => string,
): WebConfig | undefined {
  if (file === undefined) return undefined;
  let document: unknown;
  try {
    document = parse(readFile(file)) ?? {};
  } catch (error) {
    throw problem(file, "the file is readable YAML", (error as Error).message.split("\n")[0]);
  }
  if (!isObject(document)) throw problem(file, "the top level is a mapping");
  for (const key of Object.keys(document)) {
    if (!["tls_server_config", "http_server_config", "basic_auth_users"].includes(key))
      throw problem(
        file,
        "the top-level keys are tls_server_config, http_server_config and basic_auth_users",
        `it has ${key}`,
      );
  }
  const at = (path: string) => resolve(dirname(file), path);
  return {
    file,
    tls: tlsConfig(file, document.tls_server_config, at, readFile),
    users: users(file, document.basic_auth_users),
    headers: headers(file, document.http_server_config),
  };
}

function tlsConfig(
  file: string,
  section: unknown,
  at: (path: string) => string,
  readFile: (path: string) => string,
): TlsServerConfig | undefined {
  if (section === undefined || section === null) return undefined;
  if (!isObject(section)) throw problem(file, "tls_server_config is a mapping");
  for (const key of Object.keys(section)) {
    if (!TLS_KEYS.includes(key))
      throw problem(
        file,
        `tls_server_config has only ${TLS_KEYS.join(", ")} (this service serves those)`,
        `it has ${key}`,
      );
  }
  const text = (key: string): string | undefined => {
    const value = section[key];
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value !== "string")
      throw problem(file, `tls_server_config.${key} is a string`, `it is ${JSON.stringify(value)}`);
    return value;
  };
  const read = (key: string, path: string) => {
    try {
      return readFile(at(path));
    } catch (error) {
      throw problem(
        file,
        `tls_server_config.${key} names a readable file`,
        `${at(path)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  };
  const certFile = text("cert_file");
  const keyFile = text("key_file");
  if (certFile === undefined || keyFile === undefined)
    throw problem(file, "tls_server_config has both cert_file and key_file");
  const clientAuth = (text("client_auth_type") ?? "NoClientCert") as ClientAuthType;
  if (!CLIENT_AUTH_TYPES.includes(clientAuth))
    throw problem(
      file,
      `tls_server_config.client_auth_type is one of ${CLIENT_AUTH_TYPES.join(", ")}`,
      `it is ${JSON.stringify(clientAuth)}`,
    );
  const caFile = text("client_ca_file");
  if (
    caFile === undefined &&
    (clientAuth === "VerifyClientCertIfGiven" || clientAuth === "RequireAndVerifyClientCert")
  )
    throw problem(
      file,
      `tls_server_config.client_ca_file names the CA that signs client certificates (client_auth_type is ${clientAuth})`,
    );
  const version = (key: string, fallback?: keyof typeof VERSIONS) => {
    const name = text(key) ?? fallback;
    if (name === undefined) return undefined;
    if (!(name in VERSIONS))
      throw problem(
        file,
        `tls_server_config.${key} is one of ${Object.keys(VERSIONS).join(", ")}`,
        `it is ${JSON.stringify(name)}`,
      );
    return VERSIONS[name as keyof typeof VERSIONS];
  };
  const tls: TlsServerConfig = {
    cert: read("cert_file", certFile),
    key: read("key_file", keyFile),
    clientCa: caFile === undefined ? undefined : read("client_ca_file", caFile),
    clientAuth,
    // The toolkit's default: TLS 1.2 at least.
    minVersion: version("min_version", "TLS12") as TlsServerConfig["minVersion"],
    maxVersion: version("max_version"),
  };
  try {
    createSecureContext({ cert: tls.cert, key: tls.key, ca: tls.clientCa });
  } catch (error) {
    throw problem(
      file,
      "cert_file and key_file hold a PEM certificate and its private key (client_ca_file PEM certificates)",
      (error as Error).message,
    );
  }
  return tls;
}

function users(file: string, section: unknown): ReadonlyMap<string, string> {
  if (section === undefined || section === null) return new Map();
  if (!isObject(section)) throw problem(file, "basic_auth_users maps user names to bcrypt hashes");
  const out = new Map<string, string>();
  for (const [user, hash] of Object.entries(section)) {
    if (typeof hash !== "string" || !BCRYPT.test(hash))
      // The hash itself is not shown: it is a secret's digest.
      throw problem(
        file,
        `basic_auth_users.${user} is a bcrypt hash ($2a$, $2b$ or $2y$, as htpasswd -B makes)`,
      );
    out.set(user, hash);
  }
  return out;
}

function headers(file: string, section: unknown): Readonly<Record<string, string>> {
  if (section === undefined || section === null) return {};
  if (!isObject(section)) throw problem(file, "http_server_config is a mapping");
  for (const key of Object.keys(section)) {
    if (key !== "headers" && key !== "http2")
      throw problem(file, "http_server_config has only headers and http2", `it has ${key}`);
  }
  // Accepted for a fleet's shared file; this service answers HTTP/1.1 (what Prometheus scrapes with) either way.
  if (section.http2 !== undefined && typeof section.http2 !== "boolean")
    throw problem(
      file,
      "http_server_config.http2 is true or false",
      `it is ${JSON.stringify(section.http2)}`,
    );
  const given = section.headers ?? {};
  if (!isObject(given)) throw problem(file, "http_server_config.headers maps header names to values");
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    const known = HEADERS.find((h) => h.toLowerCase() === name.toLowerCase());
    if (known === undefined)
      throw problem(file, `http_server_config.headers names only ${HEADERS.join(", ")}`, `it has ${name}`);
    if (typeof value !== "string") throw problem(file, `http_server_config.headers.${name} is a string`);
    out[known] = value;
  }
  return out;
}
