// A real SMTP server for tests: Debian's aiosmtpd (python3-aiosmtpd, installed by .ci/run), which
// stores every message it accepts in a maildir. Mails are read back decoded.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port";

export interface ReceivedMail {
  from: string;
  to: string;
  subject: string;
  headers: string;
  text: string;
  html: string;
}

const decodeWords = (value: string) => value.replace(/=\?UTF-8\?B\?([^?]*)\?=/g, (_, b64: string) => Buffer.from(b64, "base64").toString("utf8"));

function parse(raw: string): ReceivedMail {
  const [head = "", ...rest] = raw.split(/\r?\n\r?\n/);
  const header = (name: string) => decodeWords(head.match(new RegExp(`^${name}: (.*)$`, "mi"))?.[1]?.trim() ?? "");
  const body = rest.join("\n\n");
  const part = (type: string) => {
    const found = body.split(/--kefu-[\w-]+/).find((chunk) => chunk.includes(`Content-Type: ${type}`));
    const encoded = found?.split(/\r?\n\r?\n/)[1] ?? "";
    return Buffer.from(encoded.replace(/\s+/g, ""), "base64").toString("utf8");
  };
  return { from: header("From"), to: header("To"), subject: header("Subject"), headers: head, text: part("text/plain"), html: part("text/html") };
}

/** `starttls` and `tls` serve STARTTLS or implicit TLS with this certificate and key (PEM files). */
export async function startSmtpServer(security: { starttls?: { cert: string; key: string }; tls?: { cert: string; key: string } } = {}) {
  // aiosmtpd makes the maildir itself (with its tmp/, new/ and cur/); it must not exist yet.
  const maildir = join(mkdtempSync(join(tmpdir(), "kefu-smtp-")), "maildir");
  const port = freePort();
  const tlsArgs = [
    ...(security.starttls ? ["--tlscert", security.starttls.cert, "--tlskey", security.starttls.key] : []),
    ...(security.tls ? ["--smtpscert", security.tls.cert, "--smtpskey", security.tls.key] : []),
  ];
  const process = Bun.spawn(["/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", `127.0.0.1:${port}`, ...tlsArgs, "-c", "aiosmtpd.handlers.Mailbox", maildir], {
    stdout: "ignore",
    stderr: "pipe",
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      socket.end();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error("aiosmtpd did not start (is python3-aiosmtpd installed?)");
      await Bun.sleep(50);
    }
  }
  const received = () => {
    const dir = join(maildir, "new");
    let files: string[] = [];
    try {
      files = readdirSync(dir).sort();
    } catch {
      return [];
    }
    return files.map((file) => parse(readFileSync(join(dir, file), "utf8")));
  };
  return {
    port,
    received,
    /** Waits until `count` mails arrived (they may come in any order). */
    async waitFor(count: number, ms = 5000): Promise<ReceivedMail[]> {
      const until = Date.now() + ms;
      while (received().length < count) {
        if (Date.now() > until) throw new Error(`the SMTP server got ${received().length} mails, expected ${count}`);
        await Bun.sleep(50);
      }
      return received();
    },
    stop: () => process.kill(),
  };
}
