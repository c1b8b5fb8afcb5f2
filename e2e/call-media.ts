// What a page's call connection has received, read from its RTCPeerConnection's stats: the call
// tests' proof that sound and pictures arrive, not just that the windows look connected.
import type { Frame, Page } from "playwright-core";

/** What the page's call connection has received so far: video frames decoded, audio packets. */
export async function mediaReceived(page: Page | Frame): Promise<{ framesDecoded: number; audioPackets: number }> {
  return page.evaluate(async () => {
    const connection = (window as unknown as { KefuCall?: { connection(): RTCPeerConnection | null } }).KefuCall?.connection();
    const received = { framesDecoded: 0, audioPackets: 0 };
    if (!connection) return received;
    (await connection.getStats()).forEach((report: { type: string; kind?: string; framesDecoded?: number; packetsReceived?: number }) => {
      if (report.type !== "inbound-rtp") return;
      if (report.kind === "video") received.framesDecoded += report.framesDecoded ?? 0;
      if (report.kind === "audio") received.audioPackets += report.packetsReceived ?? 0;
    });
    return received;
  });
}

/** Resolves once video frames and audio packets have both arrived on the page. */
export async function mediaFlowing(page: Page | Frame): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const received = await mediaReceived(page);
    if (received.framesDecoded > 0 && received.audioPackets > 0) return;
    if (Date.now() > deadline) throw new Error(`no media arrived: ${JSON.stringify(received)}`);
    await Bun.sleep(250);
  }
}
