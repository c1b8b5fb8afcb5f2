// STARTTLS and implicit TLS against a real server with a certificate made here. The client checks
// certificates against the system's CAs; the sends run in a child process told of this one by
// NODE_EXTRA_CA_CERTS, which Bun reads only at start.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startSmtpServer } from "../smtp-server";

const dir = mkdtempSync(join(tmpdir(), "kefu-smtp-tls-"));
const cert = join(dir, "cert.pem");
const key = join(dir, "key.pem");
let servers: Awaited<ReturnType<typeof startSmtpServer>>[] = [];

beforeAll(async () => {
  const made = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]);
  if (made.exitCode !== 0) throw new Error(`openssl failed: ${made.stderr}`);
  servers = [await startSmtpServer({ starttls: { cert, key } }), await startSmtpServer({ tls: { cert, key } })];
});
afterAll(() => {
  for (const server of servers) server.stop();
});

/** Sends one mail from a child process; answers what it printed (the reply, or the error). */
function send(security: "starttls" | "tls", port: number, trusted: boolean): string {
  const script = join(dir, "send.ts");
  writeFileSync(
    script,
    `import { sendMail } from ${JSON.stringify(resolve(import.meta.dir, "../../src/outbound/smtp"))};
import { mimeMessage } from ${JSON.stringify(resolve(import.meta.dir, "../../src/outbound/mime-message"))};
const to = "${security}@example.com";
try {
  const reply = await sendMail({ host: "localhost", port: ${port}, security: "${security}", username: "", password: "" },
    { from: "shop@example.com", to, data: mimeMessage({ name: "Shop", address: "shop@example.com" }, { to, subject: "over ${security}", text: "t", html: "h" }) });
  console.log("sent", reply.code);
} catch (error) { console.log("failed", String(error)); }`,
  );
  const env = { ...process.env, ...(trusted ? { NODE_EXTRA_CA_CERTS: cert } : { NODE_EXTRA_CA_CERTS: "" }) };
  return Bun.spawnSync([process.execPath, script], { env }).stdout.toString().trim();
}

describe("SMTP over TLS", () => {
  it("sends over STARTTLS and over implicit TLS to a server whose certificate is trusted", async () => {
    expect(send("starttls", servers[0]!.port, true)).toBe("sent 250");
    expect(send("tls", servers[1]!.port, true)).toBe("sent 250");
    expect((await servers[0]!.waitFor(1))[0]!.subject).toBe("over starttls");
    expect((await servers[1]!.waitFor(1))[0]!.subject).toBe("over tls");
  });

  it("refuses a server whose certificate it cannot trust", () => {
    expect(send("starttls", servers[0]!.port, false)).toContain("failed");
    expect(send("tls", servers[1]!.port, false)).toContain("failed");
  });
});
