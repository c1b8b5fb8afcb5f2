// Everything Kefu sends out, built once per app: the webhook subscriptions, the listeners that
// turn announcements into deliveries, and the runner that sends them (started by server.ts).
import type { Database } from "../db/client";
import { TranscriptShops } from "../domain/email-settings";
import { WebhookSubscriptions } from "../domain/webhooks";
import type { Log } from "../log";
import { otherProcesses } from "../realtime/cluster-effects";
import type { Hub } from "../realtime/hub";
import { DeliveryRunner } from "./delivery-runner";
import { EmailAnnouncer } from "./email-announcer";
import { PushDevices } from "../domain/push-subscriptions";
import { PushAnnouncer } from "./push-announcer";
import { pushSender } from "./push-sender";
import { emailSender } from "./email-sender";
import { WebhookAnnouncer } from "./webhook-announcer";
import { webhookSender } from "./webhook-sender";

export function createOutbound(db: Database, hub: Hub, log: Log, push: { allowPrivate: boolean; publicUrl: string | null }) {
  // Each kept in every process's memory, and changed in any: see domain/other-processes.ts.
  const subscriptions = new WebhookSubscriptions(db, otherProcesses(hub.cluster, "webhooks"));
  const devices = new PushDevices(db, otherProcesses(hub.cluster, "devices"));
  const transcripts = new TranscriptShops(db, otherProcesses(hub.cluster, "transcripts"));
  const runner = new DeliveryRunner(db, { webhook: webhookSender(db), email: emailSender(db), push: pushSender(db, devices, push) }, log);
  const queued = () => runner.wake();
  const email = new EmailAnnouncer(db, hub.visitors, transcripts, queued, log, otherProcesses(hub.cluster, "offline-answers"));
  hub.listen(new WebhookAnnouncer(db, subscriptions, queued, log));
  hub.listen(email);
  hub.listen(new PushAnnouncer(db, devices, hub.agents, queued, log, hub.cluster));
  return { subscriptions, devices, runner, transcripts };
}

export type Outbound = ReturnType<typeof createOutbound>;
