import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrokerExtras, freePort } from "../../scripts/kafka-harness/kafka-container.js";
import { makeCa, signCertificate } from "./web-certificates.js";

/** The user every SASL mechanism of the secured broker accepts. */
export const SASL_USER = { username: "alice", password: "alice-s3cret-pw" } as const;

/** A secured broker's set-up: its extra listeners and settings, and the CA clients must trust. */
export interface SecuredBrokerSetup {
  readonly extras: BrokerExtras;
  readonly saslPlaintextPort: number;
  readonly saslSslPort: number;
  /** PEM of the CA that signed the broker's certificate (for 127.0.0.1 and localhost). */
  readonly caPem: string;
  /** The CA written to a file, as `KAFKA_TLS_CA_FILE` takes it. */
  readonly caFile: string;
  cleanUp(): Promise<void>;
}

/**
 * A broker with SASL_PLAINTEXT and SASL_SSL listeners beside the plain one
 * (kept for test set-up): PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 for one
 * user, and a certificate from a throw-away CA made with Debian's openssl.
 */
export async function securedBrokerSetup(): Promise<SecuredBrokerSetup> {
  const dir = await mkdtemp(join(tmpdir(), "kafka-tls-"));
  const file = (name: string) => join(dir, name);
  await makeCa(dir, "ca", "/CN=metrics-aggregator test CA");
  await signCertificate(dir, "broker", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  const keystore = `${await readFile(file("broker.key"), "utf8")}${await readFile(file("broker.pem"), "utf8")}`;
  const caPem = await readFile(file("ca.pem"), "utf8");

  const saslPlaintextPort = await freePort();
  const saslSslPort = await freePort();
  const plain = `org.apache.kafka.common.security.plain.PlainLoginModule required user_${SASL_USER.username}="${SASL_USER.password}";`;
  const scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;";
  const listenerJaas = (listener: string) => [
    `listener.name.${listener}.plain.sasl.jaas.config=${plain}`,
    `listener.name.${listener}.scram-sha-256.sasl.jaas.config=${scram}`,
    `listener.name.${listener}.scram-sha-512.sasl.jaas.config=${scram}`,
  ];
  const credentials = `name=${SASL_USER.username},password=${SASL_USER.password}`;
  return {
    extras: {
      listeners: { SASL_PLAINTEXT: saslPlaintextPort, SASL_SSL: saslSslPort },
      properties: [
        "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
        ...listenerJaas("sasl_plaintext"),
        ...listenerJaas("sasl_ssl"),
        "ssl.keystore.type=PEM",
        "ssl.keystore.location=/tmp/broker-keystore.pem",
      ],
      formatArgs: [
        "--add-scram",
        `SCRAM-SHA-256=[${credentials}]`,
        "--add-scram",
        `SCRAM-SHA-512=[${credentials}]`,
      ],
      files: [{ content: keystore, target: "/tmp/broker-keystore.pem" }],
    },
    saslPlaintextPort,
    saslSslPort,
    caPem,
    caFile: file("ca.pem"),
    cleanUp: () => rm(dir, { recursive: true, force: true }),
  };
}
