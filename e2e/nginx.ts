// Debian's nginx in front of several Kefu processes, configured with the README's own block
// ("Running several processes"): only its listen lines (a free port, no TLS), its certificate lines
// and its upstream's ports are the test's. It runs as the current user from a temp dir that holds
// its config, pid, logs and temp files. A missing nginx fails the test, never skips it.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const binary = "/usr/sbin/nginx";
const readme = resolve(import.meta.dir, "../README.md");

/** The first nginx block of the README's "Running several processes" section, as written there. */
export function readmeNginxBlock(): string {
  const text = readFileSync(readme, "utf8");
  const at = text.indexOf("\n## Running several processes\n");
  const block = at < 0 ? undefined : text.slice(at).match(/```nginx\n([\s\S]*?)```/)?.[1];
  if (!block) throw new Error(`no nginx block under "Running several processes" in ${readme}`);
  return block;
}

/** The README's block served on `port` over plain HTTP, its upstream made of `upstreamPorts`. */
export function testSite(block: string, port: number, upstreamPorts: number[]): string {
  const lines: string[] = [];
  let listened = false;
  let upstreamed = false;
  for (const line of block.split("\n")) {
    if (/^\s*ssl_certificate(_key)?\s/.test(line)) continue;
    if (/^\s*listen\s/.test(line)) {
      if (!listened) lines.push(`    listen 127.0.0.1:${port};`);
      listened = true;
      continue;
    }
    const server = line.match(/^\s*server\s+127\.0\.0\.1:\d+(.*)$/);
    if (server) {
      if (!upstreamed) for (const upstream of upstreamPorts) lines.push(`    server 127.0.0.1:${upstream}${server[1]}`);
      upstreamed = true;
      continue;
    }
    lines.push(line);
  }
  if (!listened || !upstreamed) throw new Error("the README's nginx block has no listen line or no upstream server lines");
  return lines.join("\n");
}

export interface Nginx {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Its access log so far: one line per finished request, with the process it reached (upstream=). */
  accessLog(): string;
  errorLog(): string;
  stop(): Promise<void>;
}

/** nginx on `port` (Kefu's --public-url names it before nginx starts) in front of running processes. */
export async function startNginx(port: number, upstreamPorts: number[]): Promise<Nginx> {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: apt-get install -y nginx-light (README, "what the tests need")`);
  const dir = mkdtempSync(join(tmpdir(), "kefu-nginx-"));
  // The map the README's "Running behind nginx" block starts with, then the several-processes block.
  // As root, nginx's workers would drop to nobody, who cannot enter the 0700 temp dir.
  const config = `${process.getuid?.() === 0 ? "user root;" : ""}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice;
events { worker_connections 1024; }
http {
    log_format upstream '$request_method $uri $status upstream=$upstream_addr';
    access_log ${dir}/access.log upstream;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;

    map $http_upgrade $connection_upgrade {
        default upgrade;
        ''      close;
    }

${testSite(readmeNginxBlock(), port, upstreamPorts)}
}
`;
  writeFileSync(join(dir, "nginx.conf"), config);
  const proc = Bun.spawn([binary, "-p", dir, "-e", join(dir, "error.log"), "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], {
    stdout: "ignore",
    stderr: "pipe",
  });
  const errors = () => (existsSync(join(dir, "error.log")) ? readFileSync(join(dir, "error.log"), "utf8") : "");
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await fetch(`${url}/healthz`).then((response) => response.status === 200, () => false))) {
    if (proc.exitCode !== null) throw new Error(`nginx exited with ${proc.exitCode}:\n${await new Response(proc.stderr).text()}${errors()}\n${config}`);
    if (Date.now() > deadline) throw new Error(`nginx did not answer /healthz through ${url} within 10 s:\n${errors()}`);
    await Bun.sleep(20);
  }
  return {
    url,
    accessLog: () => readFileSync(join(dir, "access.log"), "utf8"),
    errorLog: errors,
    async stop() {
      // A fast stop: a graceful one (SIGQUIT) would wait for the pages' sockets to close.
      proc.kill("SIGTERM");
      const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(3000).then(() => false)]);
      if (!exited) {
        proc.kill("SIGKILL");
        await proc.exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
