// A small SMTP client for the few verbs Kefu needs (EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA):
// plain, STARTTLS or implicit TLS, over node:net and node:tls, which Bun provides in the compiled
// binary too. Each reply is checked; a refusal throws SmtpError with the server's own words.
import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls, type TLSSocket } from "node:tls";

export type SmtpSecurity = "none" | "starttls" | "tls";

export interface SmtpServer {
  host: string;
  port: number;
  security: SmtpSecurity;
  username: string;
  password: string;
}

export class SmtpError extends Error {
  constructor(
    readonly code: number | null,
    message: string,
  ) {
    super(message);
  }
}

interface Reply {
  code: number;
  text: string;
}

const timeoutMs = 30_000;

/** Reads whole replies (the last line of a multi-line reply has a space after its code). */
class ReplyReader {
  private buffer = "";
  private lines: string[] = [];
  private waiting: { resolve(reply: Reply): void; reject(error: Error): void } | null = null;
  private failure: Error | null = null;

  attach(socket: Socket | TLSSocket): void {
    socket.setTimeout(timeoutMs, () => socket.destroy(new SmtpError(null, `no answer within ${timeoutMs / 1000} s`)));
    socket.on("data", (chunk: Buffer) => {
      this.buffer += chunk.toString("utf8");
      let end: number;
      while ((end = this.buffer.indexOf("\n")) >= 0) {
        this.lines.push(this.buffer.slice(0, end).replace(/\r$/, ""));
        this.buffer = this.buffer.slice(end + 1);
      }
      this.deliver();
    });
    socket.on("error", (error) => this.fail(error));
    socket.on("close", () => this.fail(new SmtpError(null, "the server closed the connection")));
  }

  next(): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.deliver();
    });
  }

  private deliver(): void {
    if (!this.waiting) return;
    const last = this.lines.findIndex((line) => !/^\d{3}-/.test(line));
    if (last < 0) {
      if (this.failure) this.settle().reject(this.failure);
      return;
    }
    const lines = this.lines.splice(0, last + 1);
    this.settle().resolve({ code: Number(lines.at(-1)!.slice(0, 3)) || 0, text: lines.map((line) => line.slice(4)).join("\n") });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.deliver();
  }

  private settle() {
    const waiting = this.waiting!;
    this.waiting = null;
    return waiting;
  }
}

function opened<T extends Socket>(socket: T, event: "connect" | "secureConnect"): Promise<T> {
  return new Promise((resolve, reject) => {
    socket.once(event, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Sends one message to one recipient and answers the server's final reply ("250 queued as ..."). */
export async function sendMail(server: SmtpServer, envelope: { from: string; to: string; data: string }): Promise<Reply> {
  const reader = new ReplyReader();
  let socket: Socket = await (server.security === "tls"
    ? opened(connectTls({ host: server.host, port: server.port, servername: server.host }), "secureConnect")
    : opened(connectTcp({ host: server.host, port: server.port }), "connect"));
  reader.attach(socket);
  const command = async (line: string | null, expected: number[]): Promise<Reply> => {
    if (line !== null) socket.write(`${line}\r\n`);
    const reply = await reader.next();
    if (!expected.includes(reply.code)) throw new SmtpError(reply.code, `${reply.code} ${reply.text}`);
    return reply;
  };
  try {
    await command(null, [220]);
    await command("EHLO kefu", [250]);
    if (server.security === "starttls") {
      await command("STARTTLS", [220]);
      socket.removeAllListeners("data");
      socket.removeAllListeners("close");
      socket = await opened(connectTls({ socket, servername: server.host }), "secureConnect");
      reader.attach(socket);
      await command("EHLO kefu", [250]);
    }
    if (server.username) {
      await command(`AUTH PLAIN ${Buffer.from(`\0${server.username}\0${server.password}`).toString("base64")}`, [235]);
    }
    await command(`MAIL FROM:<${envelope.from}>`, [250]);
    await command(`RCPT TO:<${envelope.to}>`, [250, 251]);
    await command("DATA", [354]);
    // A line that starts with a dot gets another (RFC 5321 4.5.2); the lone dot ends the message.
    const final = await command(`${envelope.data.replace(/^\./gm, "..")}\r\n.`, [250]);
    socket.write("QUIT\r\n");
    return final;
  } finally {
    socket.end();
  }
}
