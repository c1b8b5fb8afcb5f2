// What the request benches share: the owner signed in through /login, a GET as their browser
// sends it (through app.handle: session lookup to rendered HTML, no gzip), and timed runs.
import type { createApp } from "../src/app";

const origin = "http://kefu.bench";

export type Get = (path: string) => Promise<{ status: number; text: string }>;

/** Signs the bench's owner in (owner@bench.test, "correct horse") and returns their GET. */
export async function ownerRequests(app: ReturnType<typeof createApp>): Promise<Get> {
  const login = await app.handle(
    new Request(`${origin}/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" },
      body: "email=owner%40bench.test&password=correct+horse",
    }),
  );
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  return async (path) => {
    const response = await app.handle(new Request(origin + path, { headers: { cookie, "accept-language": "en" } }));
    return { status: response.status, text: await response.text() };
  };
}

/** The median and p90 of `runs` timings of `work`, after 3 warm-ups. */
export async function timeRuns(work: () => unknown, runs: number): Promise<{ median: number; p90: number }> {
  for (let i = 0; i < 3; i++) await work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const began = performance.now();
    await work();
    times.push(performance.now() - began);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, p90: times[Math.floor(times.length * 0.9)]! };
}
