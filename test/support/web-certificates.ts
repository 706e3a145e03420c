import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "./run-command.js";

/** Files of a throw-away PKI made with Debian's openssl: a CA, a server and clients. */
export interface WebCertificates {
  readonly dir: string;
  readonly caFile: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** A client certificate the CA signed. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** A client certificate another CA signed. */
  readonly strangerCert: string;
  readonly strangerKey: string;
}

/** Makes a self-signed CA `<name>.pem` / `<name>.key` in `dir`. */
export async function makeCa(dir: string, name: string, subject = `/CN=${name}`): Promise<void> {
  const file = (f: string) => join(dir, f);
  await runCommand("openssl", [
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes"],
    ...["-keyout", file(`${name}.key`), "-out", file(`${name}.pem`), "-days", "2", "-subj", subject],
  ]);
}

/** Makes `<name>.pem` / `<name>.key` in `dir`, signed by the CA `by`, with the given extensions. */
export async function signCertificate(
  dir: string,
  name: string,
  by: string,
  extensions: string,
): Promise<void> {
  const file = (f: string) => join(dir, f);
  await runCommand("openssl", [
    ...["req", "-newkey", "rsa:2048", "-nodes", "-keyout", file(`${name}.key`)],
    ...["-out", file(`${name}.csr`), "-subj", `/CN=${name}`],
  ]);
  await writeFile(file(`${name}.ext`), extensions);
  await runCommand("openssl", [
    ...["x509", "-req", "-in", file(`${name}.csr`), "-CA", file(`${by}.pem`), "-CAkey", file(`${by}.key`)],
    ...["-CAcreateserial", "-out", file(`${name}.pem`), "-days", "2", "-extfile", file(`${name}.ext`)],
  ]);
}

export async function webCertificates(): Promise<WebCertificates> {
  const dir = await mkdtemp(join(tmpdir(), "web-config-"));
  const file = (name: string) => join(dir, name);
  await makeCa(dir, "ca");
  await makeCa(dir, "other-ca");
  await signCertificate(
    dir,
    "server",
    "ca",
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  await signCertificate(dir, "prometheus", "ca", "extendedKeyUsage=clientAuth\n");
  await signCertificate(dir, "stranger", "other-ca", "extendedKeyUsage=clientAuth\n");
  return {
    dir,
    caFile: file("ca.pem"),
    serverCert: file("server.pem"),
    serverKey: file("server.key"),
    clientCert: file("prometheus.pem"),
    clientKey: file("prometheus.key"),
    strangerCert: file("stranger.pem"),
    strangerKey: file("stranger.key"),
  };
}
