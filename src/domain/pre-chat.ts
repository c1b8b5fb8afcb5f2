// The pre-chat form (咨询前表单): a shop may ask who a visitor is before their first message. The
// details go onto the visitor (as the leave-a-message form's do) and the question is that first message.
import type { Database } from "../db/client";
import type { Pool } from "./assignment";
import type { Business } from "./businesses";
import type { Channel } from "./conversations";
import { ValidationError } from "./errors";
import type { DomainEvents } from "./events";
import { checkRequiredText, problems } from "./fields";
import { messageLimits } from "./limits";
import { checkDraft, type SendResult, sendVisitorMessage } from "./messages";
import { checkContact, fillContact, type OfflineField, offlineFields } from "./offline-messages";
import type { Visitor } from "./visitors";

/** What the visitor typed; `clientId` makes a second submit of the same form the same message. */
export interface PreChatInput {
  name: string;
  phone: string;
  email: string;
  question: string;
  clientId: string;
}

/**
 * Whether the page asks first: the shop wants it, the visitor has never written, and what the
 * shop requires of them (or, requiring nothing, any way to reach them) is not known yet.
 */
export function asksWhoFirst(business: Pick<Business, "preChatForm" | "preChatRequired">, visitor: Pick<Visitor, OfflineField> | null, hasWritten: boolean): boolean {
  if (!business.preChatForm || hasWritten) return false;
  if (!visitor) return true;
  const known = (field: OfflineField) => Boolean(visitor[field]);
  return business.preChatRequired.length ? !business.preChatRequired.every(known) : !offlineFields.some(known);
}

/** Checks the form by the shop's rules, keeps the details the visitor lacks, and sends the question. */
export function submitPreChat(
  db: Database,
  events: DomainEvents,
  business: Pick<Business, "id" | "preChatRequired">,
  visitor: Visitor,
  input: PreChatInput,
  onlineAgentIds: readonly number[],
  pool: Pool,
  channel: Channel,
): SendResult {
  const question = checkRequiredText(input.question, messageLimits.bodyLength, "preChat.questionEmpty", "message.tooLong");
  const found = problems({ ...checkContact(business.preChatRequired, input), question: question.problem });
  if (found) throw new ValidationError(found);
  const draft = { clientId: input.clientId, body: question.trimmed };
  checkDraft(draft);
  const filled = db.transaction((tx) => fillContact(tx, business.id, visitor.id, input), { behavior: "immediate" });
  filled?.announce(events);
  return sendVisitorMessage(db, events, visitor, draft, onlineAgentIds, pool, channel);
}
