import { describe, expect, it } from "bun:test";
import type { Conversation } from "../../src/domain/conversations";
import { conversationEvents } from "../../src/domain/webhooks";

const base: Conversation = {
  id: 1,
  businessId: 1,
  visitorId: 1,
  agentId: null,
  groupId: null,
  requestedAgentId: null,
  status: "queued",
  channel: "widget",
  sourcePage: null,
  openedAt: 0,
  assignedAt: null,
  firstResponseAt: null,
  closedAt: null,
  rating: null,
  ratingComment: null,
  ratingRequestedAt: null,
  ratedAt: null,
  lastMessageId: null,
};

describe("the webhook events of a conversation's change", () => {
  it("name a new conversation started, and assigned too when it came with an agent", () => {
    expect(conversationEvents(base, null)).toEqual(["conversation.started"]);
    expect(conversationEvents({ ...base, agentId: 7, status: "open" }, null)).toEqual(["conversation.started", "conversation.assigned"]);
  });

  it("tell an assignment from a transfer", () => {
    expect(conversationEvents({ ...base, agentId: 7, status: "open" }, base)).toEqual(["conversation.assigned"]);
    const open = { ...base, agentId: 7, status: "open" as const };
    expect(conversationEvents({ ...open, agentId: 8 }, open)).toEqual(["conversation.transferred"]);
  });

  it("name a close once, and a rating when one is given", () => {
    const open = { ...base, agentId: 7, status: "open" as const };
    const closed = { ...open, status: "closed" as const, closedAt: 5 };
    expect(conversationEvents(closed, open)).toEqual(["conversation.closed"]);
    expect(conversationEvents({ ...closed, rating: 5 }, closed)).toEqual(["rating.given"]);
    expect(conversationEvents({ ...closed, ratingRequestedAt: 9 }, closed)).toEqual([]);
  });
});
