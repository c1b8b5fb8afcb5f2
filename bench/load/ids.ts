// The client ids the load generator sends carry what the receiving side needs to time and check
// them with no shared table: who sent them, and when (µs since the run's epoch, base 36).
//   W<visitor>_<n>_<sent>              a visitor's first message (opens the conversation)
//   V<visitor>_<n>_<sent>              a visitor's later message (its agent answers it)
//   R<agent>_<sent>_<visitor>_<n>_<t>  an agent's answer to the visitor message after the first "_"
// Kefu's client ids are [A-Za-z0-9_-]{8,64}; these stay under 45 characters.
export type MessageKind = "W" | "V" | "R";

export interface MessageId {
  kind: MessageKind;
  visitor: number;
  /** The answering agent, for R. */
  agent: number;
  sentUs: number;
}

const time = (us: number) => Math.round(us).toString(36).padStart(7, "0");

export function visitorMessageId(kind: "W" | "V", visitor: number, n: number, sentUs: number): string {
  return `${kind}${visitor}_${n.toString(36)}_${time(sentUs)}`;
}

export function answerId(agent: number, sentUs: number, visitorMessage: string): string {
  return `R${agent}_${time(sentUs)}_${visitorMessage.slice(1)}`;
}

/** The parts of one of our ids, or null for anyone else's (Kefu's system messages). */
export function parseMessageId(id: string): MessageId | null {
  const kind = id[0];
  const parts = id.slice(1).split("_");
  if ((kind === "W" || kind === "V") && parts.length === 3) {
    return { kind, visitor: Number(parts[0]), agent: -1, sentUs: parseInt(parts[2]!, 36) };
  }
  if (kind === "R" && parts.length === 5) return { kind, visitor: Number(parts[2]), agent: Number(parts[0]), sentUs: parseInt(parts[1]!, 36) };
  return null;
}
