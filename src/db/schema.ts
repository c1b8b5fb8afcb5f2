// The whole first-cut data model (DESIGN.md). Times are epoch milliseconds; JSON columns hold
// small objects only. Every row that belongs to a shop carries business_id, so every query can
// start from the business it acts for.
// A table whose rows can be deleted and whose ids leave the server (console URLs, the API, webhooks,
// exports, audit subjects) uses AUTOINCREMENT: an old link or an integration's stored id must never
// come to mean another customer's row.
import { sql } from "drizzle-orm";
import {
  type AnySQLiteColumn,
  check,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";

/** A product card from the host site: all text, the image and url already checked as http(s). */
export interface Product {
  title: string;
  image?: string;
  price?: string;
  url?: string;
  description?: string;
}

const now = sql`(CAST(unixepoch('subsec') * 1000 AS INTEGER))`;
const createdAt = () => integer("created_at").notNull().default(now);

export const businesses = sqliteTable("businesses", {
  id: integer("id").primaryKey(),
  name: text("name").notNull(),
  widgetKey: text("widget_key").notNull().unique(),
  identitySecret: text("identity_secret").notNull(),
  routingMode: text("routing_mode", { enum: ["auto", "claim"] }).notNull().default("auto"),
  maxConcurrentChats: integer("max_concurrent_chats").notNull().default(5),
  // Open conversations with no message for this long are closed; 0 turns it off. Half an hour,
  // so that a shop does not pile up conversations its visitors left long ago.
  idleCloseMinutes: integer("idle_close_minutes").notNull().default(30),
  welcomeText: text("welcome_text").notNull().default(""),
  // The leave-a-message form's text outside business hours.
  offlineText: text("offline_text").notNull().default(""),
  // What a visitor is told at once while nobody who serves them is online, in business hours.
  noAgentText: text("no_agent_text").notNull().default(""),
  timezone: text("timezone").notNull().default("UTC"),
  ratingEnabled: integer("rating_enabled", { mode: "boolean" }).notNull().default(true),
  widgetColor: text("widget_color").notNull().default("#2563eb"),
  widgetTitle: text("widget_title").notNull().default(""),
  widgetPosition: text("widget_position", { enum: ["right", "left"] }).notNull().default("right"),
  // The widget's optional bubble beside its launcher ("Questions? We're here."); empty shows none.
  widgetGreeting: text("widget_greeting").notNull().default(""),
  // A host site's visitor id is believed only with its HMAC (userHash) under the identity secret.
  identityVerification: integer("identity_verification", { mode: "boolean" }).notNull().default(false),
  // Attachments: the largest file accepted, and which kinds (see domain/attachments.ts).
  uploadMaxBytes: integer("upload_max_bytes").notNull().default(10 * 1024 * 1024),
  uploadKinds: text("upload_kinds", { mode: "json" }).$type<string[]>().notNull().default(sql`'["image","audio","pdf","document","archive","text"]'`),
  // Agents see what a visitor is typing before it is sent; the chat page then says so.
  typingPreview: integer("typing_preview", { mode: "boolean" }).notNull().default(false),
  // Push notifications on agents' phones show the visitor's name and message; off: only "New message".
  pushPreviews: integer("push_previews", { mode: "boolean" }).notNull().default(true),
  allowedOrigins: text("allowed_origins", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
  open: integer("open", { mode: "boolean" }).notNull().default(true),
  // The visitor page asks which group to talk to before the first message.
  groupPicker: integer("group_picker", { mode: "boolean" }).notNull().default(false),
  // An agent whose console has closed keeps their open conversations this long, then they are
  // queued again.
  holdMinutes: integer("hold_minutes").notNull().default(5),
  // An "online" agent with no console open for this long is set to "away"; 0 never does.
  autoAwayMinutes: integer("auto_away_minutes").notNull().default(0),
  // A visitor writing within this long after a close reopens that conversation; 0 never does.
  reopenMinutes: integer("reopen_minutes").notNull().default(0),
  // Also show the leave-a-message form, instead of the queue, when no agent is online.
  offlineWhenNoAgent: integer("offline_when_no_agent", { mode: "boolean" }).notNull().default(false),
  // Which of name, phone and email the leave-a-message form requires (the message always is).
  offlineRequired: text("offline_required", { mode: "json" }).$type<("name" | "phone" | "email")[]>().notNull().default(sql`'[]'`),
  // Issue 15, part 2: ask who the visitor is before the first message, and which of name, phone
  // and email that form requires (the question always is).
  preChatForm: integer("pre_chat_form", { mode: "boolean" }).notNull().default(false),
  preChatRequired: text("pre_chat_required", { mode: "json" }).$type<("name" | "phone" | "email")[]>().notNull().default(sql`'[]'`),
  // Issue 15, part 4: the STUN and TURN servers both ends of a voice or video call are given
  // (none: host candidates only, enough on a LAN); the username and credential are TURN's, or
  // its shared secret (coturn's use-auth-secret) that makes credentials for each call.
  callServers: text("call_servers", { mode: "json" }).$type<{ urls: string[]; username: string; credential: string; secret?: string }>().notNull().default(sql`'{"urls":[],"username":"","credential":""}'`),
  // Issue 15, part 3: at most this many triggered messages per visitor per day (the shop's day).
  triggerDailyCap: integer("trigger_daily_cap").notNull().default(1),
  // Several shops on one install (issue 14, part 6), set by a platform admin: a disabled shop
  // serves nobody; the limits (null: none) cap its team and the bytes of its uploads.
  disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
  maxAgents: integer("max_agents"),
  maxStorageBytes: integer("max_storage_bytes"),
  createdAt: createdAt(),
});

export const agents = sqliteTable(
  "agents",
  {
    id: integer("id").primaryKey(),
    businessId: integer("business_id").notNull().references(() => businesses.id),
    // Sign-in name; stored lower-case and unique across the install so sign-in needs no tenant.
    email: text("email").notNull().unique(),
    passwordHash: text("password_hash").notNull(),
    mustChangePassword: integer("must_change_password", { mode: "boolean" }).notNull().default(false),
    displayName: text("display_name").notNull(),
    avatar: text("avatar"),
    role: text("role", { enum: ["owner", "admin", "agent"] }).notNull(),
    availability: text("availability", { enum: ["online", "away", "offline"] }).notNull().default("offline"),
    maxConcurrentChats: integer("max_concurrent_chats"),
    greeting: text("greeting").notNull().default(""),
    offlineFirst: integer("offline_first", { mode: "boolean" }).notNull().default(false),
    locale: text("locale", { enum: ["zh-CN", "en"] }),
    // Notifications and the composer, as this agent likes them.
    sendKey: text("send_key", { enum: ["enter", "ctrl-enter"] }).notNull().default("enter"),
    sound: text("sound", { enum: ["chime", "bell", "pop", "none"] }).notNull().default("chime"),
    soundVolume: integer("sound_volume").notNull().default(60),
    desktopNotifications: integer("desktop_notifications", { mode: "boolean" }).notNull().default(true),
    // When they last got a conversation: among equally busy agents, the one idle longest goes first.
    lastAssignedAt: integer("last_assigned_at"),
    disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
    // Runs the install (every shop's usage, disabling, limits): apart from the shop's roles, and
    // given only from the command line (issue 14, part 6).
    platformAdmin: integer("platform_admin", { mode: "boolean" }).notNull().default(false),
    createdAt: createdAt(),
  },
  (table) => [index("agents_business_idx").on(table.businessId)],
);

export const groups = sqliteTable(
  "groups",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    businessId: integer("business_id").notNull().references(() => businesses.id),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex("groups_business_name_idx").on(table.businessId, table.name)],
);

export const agentGroups = sqliteTable(
  "agent_groups",
  {
    agentId: integer("agent_id").notNull().references(() => agents.id, { onDelete: "cascade" }),
    groupId: integer("group_id").notNull().references(() => groups.id, { onDelete: "cascade" }),
  },
  (table) => [
    primaryKey({ columns: [table.agentId, table.groupId] }),
    index("agent_groups_group_idx").on(table.groupId),
  ],
);

/**
 * A customer (客户): a visitor who told us who they are, or whom the host site named. The customers'
 * indexes are partial on this text, and a query uses them only when it says exactly the same.
 */
export const isCustomer = "(name IS NOT NULL OR email IS NOT NULL OR phone IS NOT NULL OR external_id NOT LIKE 'anon-%')";

export const visitors = sqliteTable(
  "visitors",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    businessId: integer("business_id").notNull().references(() => businesses.id),
    externalId: text("external_id").notNull(),
    // Keyed hash of the token in the visitor's cookie; null for visitors known only by external id.
    tokenHash: text("token_hash"),
    name: text("name"),
    avatar: text("avatar"),
    email: text("email"),
    phone: text("phone"),
    attributes: text("attributes", { mode: "json" }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    firstSeenAt: createdAt(),
    lastSeenAt: integer("last_seen_at").notNull().default(now),
    visitCount: integer("visit_count").notNull().default(1),
    lastIp: text("last_ip"),
    userAgent: text("user_agent"),
    currentPage: text("current_page"),
    // What the widget reports of the visitor's browser and the host page they are on.
    pageTitle: text("page_title"),
    referrer: text("referrer"),
    language: text("language"),
    timezone: text("timezone"),
    // The host site vouched for this visitor's id (userHash matched the identity secret).
    verified: integer("verified", { mode: "boolean" }).notNull().default(false),
    // The product the visitor is looking at on the host site (wolive's product card).
    product: text("product", { mode: "json" }).$type<Product>(),
    blocked: integer("blocked", { mode: "boolean" }).notNull().default(false),
    blockedReason: text("blocked_reason"),
    blockedBy: integer("blocked_by").references(() => agents.id),
    // The WeChat user who signed in through the shop's official account (openid, or unionid when
    // WeChat gives one); set only by the OAuth callback, never by the host page or the API.
    wechatId: text("wechat_id"),
    // Kept by triggers on conversations (customer-counts migration): Customers sorts by it.
    conversationCount: integer("conversation_count").notNull().default(0),
  },
  (table) => [
    uniqueIndex("visitors_business_external_idx").on(table.businessId, table.externalId),
    uniqueIndex("visitors_token_hash_idx").on(table.tokenHash),
    // A WeChat user back in a browser that lost its cookie is found again at sign-in.
    index("visitors_business_wechat_idx").on(table.businessId, table.wechatId).where(sql`wechat_id IS NOT NULL`),
    // Console → Customers, in each of its orders, reading only the visitors who are customers.
    index("visitors_customers_seen_idx").on(table.businessId, table.lastSeenAt, table.id).where(sql.raw(isCustomer)),
    index("visitors_customers_conversations_idx")
      .on(table.businessId, table.conversationCount, table.lastSeenAt, table.id)
      .where(sql.raw(isCustomer)),
  ],
);

export const conversations = sqliteTable(
  "conversations",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    businessId: integer("business_id").notNull().references(() => businesses.id),
    visitorId: integer("visitor_id").notNull().references(() => visitors.id),
    agentId: integer("agent_id").references(() => agents.id),
    groupId: integer("group_id").references(() => groups.id),
    // Came by an agent's exclusive link (专属链接) and waits for that agent only.
    requestedAgentId: integer("requested_agent_id").references(() => agents.id),
    status: text("status", { enum: ["queued", "open", "closed"] }).notNull().default("queued"),
    channel: text("channel", { enum: ["widget", "link", "wechat"] }).notNull().default("widget"),
    sourcePage: text("source_page"),
    openedAt: createdAt(),
    assignedAt: integer("assigned_at"),
    firstResponseAt: integer("first_response_at"),
    closedAt: integer("closed_at"),
    rating: integer("rating"),
    ratingComment: text("rating_comment"),
    // When an agent asked for a rating (once per conversation), and when the visitor gave it.
    ratingRequestedAt: integer("rating_requested_at"),
    ratedAt: integer("rated_at"),
    lastMessageId: integer("last_message_id").references((): AnySQLiteColumn => messages.id),
  },
  (table) => [
    index("conversations_business_status_last_idx").on(table.businessId, table.status, table.lastMessageId),
    index("conversations_business_status_id_idx").on(table.businessId, table.status, table.id),
    index("conversations_agent_status_idx").on(table.agentId, table.status),
    index("conversations_visitor_idx").on(table.visitorId, table.status),
    index("conversations_business_closed_idx").on(table.businessId, table.status, table.closedAt),
    // The conversation lists' filters (made by hand in 0007_search; here so a rebuild keeps them).
    index("conversations_agent_status_last_idx").on(table.agentId, table.status, table.lastMessageId),
    index("conversations_business_agent_closed_idx").on(table.businessId, table.status, table.agentId, table.closedAt),
    index("conversations_business_rating_closed_idx").on(table.businessId, table.status, table.rating, table.closedAt),
    // Reports read a shop's conversations by the day they started.
    index("conversations_business_opened_idx").on(table.businessId, table.openedAt),
  ],
);

export const messages = sqliteTable(
  "messages",
  {
    // Monotonic: catch-up asks for "everything after id N" (DESIGN invariant 3).
    id: integer("id").primaryKey({ autoIncrement: true }),
    conversationId: integer("conversation_id").notNull().references(() => conversations.id),
    sender: text("sender", { enum: ["visitor", "agent", "system"] }).notNull(),
    agentId: integer("agent_id").references(() => agents.id),
    kind: text("kind", { enum: ["text", "image", "file", "audio", "product", "event"] }).notNull().default("text"),
    body: text("body").notNull(),
    meta: text("meta", { mode: "json" }).$type<Record<string, unknown>>(),
    clientId: text("client_id").notNull(),
    createdAt: createdAt(),
    readAt: integer("read_at"),
  },
  (table) => [
    index("messages_conversation_id_idx").on(table.conversationId, table.id),
    uniqueIndex("messages_conversation_client_idx").on(table.conversationId, table.clientId),
  ],
);

// How far the search index has read `messages` (src/domain/search-index.ts): one row, the id of
// the last message looked at. Every message above it waits for the next batch.
export const searchIndexProgress = sqliteTable(
  "search_index_progress",
  {
    id: integer("id").primaryKey(),
    lastMessageId: integer("last_message_id").notNull(),
  },
  (table) => [check("search_index_progress_one_row", sql`${table.id} = 1`)],
);

export const attachments = sqliteTable(
  "attachments",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    businessId: integer("business_id").notNull().references(() => businesses.id),
    conversationId: integer("conversation_id").references(() => conversations.id),
    originalName: text("original_name").notNull(),
    mimeType: text("mime_type").notNull(),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    path: text("path").notNull(),
    // Who sent it: the visitor of the conversation, or an agent.
    uploadedBy: text("uploaded_by", { enum: ["visitor", "agent"] }).notNull().default("visitor"),
    createdAt: createdAt(),
  },
  (table) => [index("attachments_conversation_idx").on(table.conversationId)],
);

export const faqs = sqliteTable(
  "faqs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    businessId: integer("business_id").notNull().references(() => businesses.id),
    question: text("question").notNull(),
    answer: text("answer").notNull(),
    position: integer("position").notNull().default(0),
    createdAt: createdAt(),
  },
  (table) => [index("faqs_business_idx").on(table.businessId, table.position)],
);

export const cannedReplies = sqliteTable(
  "canned_replies",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    businessId: integer("business_id").notNull().references(() => businesses.id),
    // Null: shared by the whole business; otherwise private to this agent.
    agentId: integer("agent_id").references(() => agents.id, { onDelete: "cascade" }),
    shortcut: text("shortcut").notNull(),
    body: text("body").notNull(),
    createdAt: createdAt(),
  },
  (table) => [index("canned_replies_business_idx").on(table.businessId, table.shortcut)],
);

export const greetings = sqliteTable(
  "greetings",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    businessId: integer("business_id").notNull().references(() => businesses.id),
    groupId: integer("group_id").references(() => groups.id, { onDelete: "cascade" }),
    body: text("body").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdAt: createdAt(),
  },
  (table) => [index("greetings_business_idx").on(table.businessId)],
);

export const businessHours = sqliteTable(
  "business_hours",
  {
    id: integer("id").primaryKey(),
    businessId: integer("business_id").notNull().references(() => businesses.id),
    weekday: integer("weekday").notNull(), // 0 = Sunday, in the business's timezone
    opensAt: text("opens_at").notNull(), // "09:00"
    closesAt: text("closes_at").notNull(), // "18:00"
  },
  (table) => [index("business_hours_business_idx").on(table.businessId, table.weekday)],
);

export const closedDates = sqliteTable(
  "closed_dates",
  {
    businessId: integer("business_id").notNull().references(() => businesses.id),
    date: text("date").notNull(), // "2026-12-25", in the business's timezone
  },
  (table) => [primaryKey({ columns: [table.businessId, table.date] })],
);

export const offlineMessages = sqliteTable(
  "offline_messages",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    businessId: integer("business_id").notNull().references(() => businesses.id),
    visitorId: integer("visitor_id").references(() => visitors.id),
    name: text("name"),
    phone: text("phone"),
    email: text("email"),
    body: text("body").notNull(),
    handled: integer("handled", { mode: "boolean" }).notNull().default(false),
    handledBy: integer("handled_by").references(() => agents.id),
    handledAt: integer("handled_at"),
    createdAt: createdAt(),
  },
  (table) => [index("offline_messages_business_idx").on(table.businessId, table.handled, table.id)],
);

export const blockedIps = sqliteTable(
  "blocked_ips",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    businessId: integer("business_id").notNull().references(() => businesses.id),
    ip: text("ip").notNull(),
    reason: text("reason"),
    blockedBy: integer("blocked_by").references(() => agents.id),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex("blocked_ips_business_ip_idx").on(table.businessId, table.ip)],
);

export const visitorTabs = sqliteTable(
  "visitor_tabs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    businessId: integer("business_id").notNull().references(() => businesses.id),
    title: text("title").notNull(),
    body: text("body").notNull(),
    position: integer("position").notNull().default(0),
  },
  (table) => [index("visitor_tabs_business_idx").on(table.businessId, table.position)],
);

export const sessions = sqliteTable(
  "sessions",
  {
    id: integer("id").primaryKey(),
    agentId: integer("agent_id").notNull().references(() => agents.id, { onDelete: "cascade" }),
    // HMAC of the cookie token: a leaked database does not yield usable sessions.
    tokenHash: text("token_hash").notNull(),
    createdAt: createdAt(),
    lastSeenAt: integer("last_seen_at").notNull().default(now),
    expiresAt: integer("expires_at").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (table) => [
    uniqueIndex("sessions_token_hash_idx").on(table.tokenHash),
    index("sessions_agent_idx").on(table.agentId),
  ],
);

export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    agentId: integer("agent_id").notNull().references(() => agents.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    // read: GET only; write: everything (tokens made before scopes existed were write tokens).
    scope: text("scope", { enum: ["read", "write"] }).notNull().default("write"),
    requestsPerMinute: integer("requests_per_minute").notNull().default(1200),
    createdAt: createdAt(),
    lastUsedAt: integer("last_used_at"),
  },
  (table) => [
    uniqueIndex("api_tokens_token_hash_idx").on(table.tokenHash),
    index("api_tokens_agent_idx").on(table.agentId),
  ],
);

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey(),
    businessId: integer("business_id").notNull().references(() => businesses.id),
    agentId: integer("agent_id").references(() => agents.id),
    action: text("action").notNull(),
    subject: text("subject").notNull(),
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (table) => [index("audit_log_business_idx").on(table.businessId, table.id)],
);

export const visitorNotes = sqliteTable(
  "visitor_notes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    businessId: integer("business_id").notNull().references(() => businesses.id),
    visitorId: integer("visitor_id").notNull().references(() => visitors.id),
    // Private to the team: never shown to the visitor.
    agentId: integer("agent_id").references(() => agents.id),
    body: text("body").notNull(),
    createdAt: createdAt(),
  },
  (table) => [index("visitor_notes_visitor_idx").on(table.visitorId, table.id)],
);

export const visitorTags = sqliteTable(
  "visitor_tags",
  {
    businessId: integer("business_id").notNull().references(() => businesses.id),
    visitorId: integer("visitor_id").notNull().references(() => visitors.id),
    tag: text("tag").notNull(),
  },
  (table) => [primaryKey({ columns: [table.visitorId, table.tag] }), index("visitor_tags_business_tag_idx").on(table.businessId, table.tag)],
);

// Issue 14, email and webhooks: what Kefu sends out, and where to.

/** An https URL the shop's integration listens on, and which events it wants (domain/webhooks.ts). */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    businessId: integer("business_id").notNull().references(() => businesses.id),
    url: text("url").notNull(),
    events: text("events", { mode: "json" }).$type<string[]>().notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    // For LAN setups: http and private addresses allowed (otherwise refused, against SSRF).
    allowPrivate: integer("allow_private", { mode: "boolean" }).notNull().default(false),
    // Signs every delivery (HMAC-SHA256); shown to owners and admins so the receiver can check it.
    secret: text("secret").notNull(),
    createdAt: createdAt(),
  },
  (table) => [index("webhook_endpoints_business_idx").on(table.businessId)],
);

/** One webhook call or one email, tried again with backoff until it goes through or gives up (domain/deliveries.ts). */
export const deliveries = sqliteTable(
  "deliveries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    businessId: integer("business_id").notNull().references(() => businesses.id),
    channel: text("channel", { enum: ["webhook", "email", "push"] }).notNull(),
    endpointId: integer("endpoint_id").references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    event: text("event").notNull(),
    // The webhook's JSON body, the email's recipient, subject and parts, or the push's device and notification, as JSON.
    payload: text("payload").notNull(),
    recipient: text("recipient"),
    status: text("status", { enum: ["pending", "delivered", "failed"] }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at"),
    // The claim of the runner sending it now (a fresh token each take): only that claim records the
    // outcome, so a send that outlived its lease cannot overwrite what a later try recorded.
    claimedBy: text("claimed_by"),
    // The last answer: an HTTP status or SMTP reply code, and a short excerpt of what came back.
    lastCode: integer("last_code"),
    lastResponse: text("last_response"),
    createdAt: createdAt(),
  },
  (table) => [
    index("deliveries_due_idx").on(table.status, table.nextAttemptAt),
    index("deliveries_endpoint_idx").on(table.endpointId, table.id),
    index("deliveries_business_channel_idx").on(table.businessId, table.channel, table.id),
    index("deliveries_created_idx").on(table.createdAt),
  ],
);

/** The shop's SMTP server; the password is stored for sending and never shown back. */
export const emailSettings = sqliteTable("email_settings", {
  businessId: integer("business_id").primaryKey().references(() => businesses.id),
  host: text("host").notNull(),
  port: integer("port").notNull(),
  security: text("security", { enum: ["none", "starttls", "tls"] }).notNull(),
  username: text("username").notNull().default(""),
  password: text("password").notNull().default(""),
  fromName: text("from_name").notNull().default(""),
  fromAddress: text("from_address").notNull(),
  // Visitors who left an email get the conversation's transcript when it closes.
  transcripts: integer("transcripts", { mode: "boolean" }).notNull().default(false),
});

/** Each agent's digest of missed chats and offline messages: off, or when they last got one. */
export const emailDigests = sqliteTable("email_digests", {
  agentId: integer("agent_id").primaryKey().references(() => agents.id, { onDelete: "cascade" }),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  lastSentAt: integer("last_sent_at"),
});

// Reports (issue 14): what each conversation's messages add up to, kept off the send path by a
// batch job (src/domain/conversation-tallies.ts) that reads the messages after report_progress.
// No foreign key: deleting a conversation must not have to know about its tally.
export const conversationTallies = sqliteTable("conversation_tallies", {
  conversationId: integer("conversation_id").primaryKey(),
  visitorMessages: integer("visitor_messages").notNull().default(0),
  agentMessages: integer("agent_messages").notNull().default(0),
  // The first time an agent joined: a transfer later moves assigned_at, not this.
  firstJoinedAt: integer("first_joined_at"),
  // Automatic answers (issue 15 part 1): answers the shop gave by itself, and 1 when the visitor asked for a person.
  automaticAnswers: integer("automatic_answers").notNull().default(0),
  personRequested: integer("person_requested").notNull().default(0),
});

export const tallyProgress = sqliteTable(
  "tally_progress",
  {
    id: integer("id").primaryKey(),
    lastMessageId: integer("last_message_id").notNull(),
  },
  () => [check("tally_progress_one_row", sql`id = 1`)],
);

// WeChat sign-in (issue 15, part 5): the shop's official account, through which a visitor arriving
// by its menu link signs in (snsapi_userinfo). The secret is kept for the exchange, never shown back.
export const wechatAccounts = sqliteTable("wechat_accounts", {
  businessId: integer("business_id").primaryKey().references(() => businesses.id),
  appId: text("app_id").notNull(),
  appSecret: text("app_secret").notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
});

// Triggers (issue 15, part 3): a shop's proactive messages, shown to a visitor with no
// conversation after some seconds on a matching page (src/domain/triggers.ts).
export const triggers = sqliteTable(
  "triggers",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    businessId: integer("business_id").notNull().references(() => businesses.id),
    name: text("name").notNull(),
    // The page's URL contains this text, or matches it as a wildcard when it has a "*".
    pagePattern: text("page_pattern").notNull(),
    delaySeconds: integer("delay_seconds").notNull(),
    message: text("message").notNull(),
    // Whose words they are: one agent's, or (null) the shop's.
    agentId: integer("agent_id").references(() => agents.id, { onDelete: "set null" }),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdAt: createdAt(),
  },
  (table) => [index("triggers_business").on(table.businessId)],
);

/** Each time a trigger's message was shown to a visitor: the daily cap counts these, and an answer links its conversation. */
export const triggerShowings = sqliteTable(
  "trigger_showings",
  {
    id: integer("id").primaryKey(),
    triggerId: integer("trigger_id").notNull().references(() => triggers.id, { onDelete: "cascade" }),
    visitorId: integer("visitor_id").notNull().references(() => visitors.id, { onDelete: "cascade" }),
    // The shop's local date it was shown on (YYYY-MM-DD): the cap is per visitor per shop's day.
    day: text("day").notNull(),
    shownAt: integer("shown_at").notNull().default(now),
    dismissedAt: integer("dismissed_at"),
    conversationId: integer("conversation_id").references(() => conversations.id, { onDelete: "set null" }),
  },
  (table) => [index("trigger_showings_visitor").on(table.visitorId, table.day)],
);

/** Per trigger and shop's day, how often it was shown and how many conversations it started: what Reports read. */
export const triggerTallies = sqliteTable(
  "trigger_tallies",
  {
    triggerId: integer("trigger_id").notNull().references(() => triggers.id, { onDelete: "cascade" }),
    day: text("day").notNull(),
    shown: integer("shown").notNull().default(0),
    started: integer("started").notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.triggerId, table.day] })],
);

// Automatic answers and banned words (issue 15 part 1): a shop's rules of keywords with an answer,
// and one row of settings for when its bot answers and which words visitors may not write.
export const answerRules = sqliteTable(
  "answer_rules",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    businessId: integer("business_id").notNull().references(() => businesses.id),
    // One keyword or phrase a line, as the owner typed them.
    keywords: text("keywords").notNull(),
    answer: text("answer").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdAt: createdAt(),
  },
  (table) => [index("answer_rules_business_idx").on(table.businessId, table.id)],
);

export const answerSettings = sqliteTable("answer_settings", {
  businessId: integer("business_id").primaryKey().references(() => businesses.id),
  // off, until an agent has replied in the conversation, or only while nobody who serves it is online.
  answerWhen: text("answer_when", { enum: ["off", "untilAgent", "noAgentOnline"] }).notNull().default("off"),
  useFaqs: integer("use_faqs", { mode: "boolean" }).notNull().default(false),
  // One word a line; empty: nothing is screened.
  bannedWords: text("banned_words").notNull().default(""),
  bannedMode: text("banned_mode", { enum: ["mask", "refuse"] }).notNull().default("mask"),
});
// Agents on their phones (issue 15 part 6): the server's VAPID key pair (RFC 8292), made on first
// run, and each device an agent asked to be notified on (a Web Push subscription, RFC 8030).
export const vapidKeys = sqliteTable(
  "vapid_keys",
  {
    id: integer("id").primaryKey(),
    // P-256, base64url: the uncompressed public point (65 bytes) and the private scalar (32 bytes).
    publicKey: text("public_key").notNull(),
    privateKey: text("private_key").notNull(),
  },
  () => [check("vapid_keys_one_row", sql`id = 1`)],
);

export const pushSubscriptions = sqliteTable(
  "push_subscriptions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    businessId: integer("business_id").notNull().references(() => businesses.id),
    agentId: integer("agent_id").notNull().references(() => agents.id, { onDelete: "cascade" }),
    // The session it was turned on in: signing out (or any end of that session) stops the pushes to
    // that browser, which may be a shared computer; the console sends it again at the next sign-in.
    sessionId: integer("session_id").notNull().references(() => sessions.id, { onDelete: "cascade" }),
    endpoint: text("endpoint").notNull(),
    // The browser's ECDH public key (65 bytes) and auth secret (16 bytes), base64url (RFC 8291).
    p256dh: text("p256dh").notNull(),
    auth: text("auth").notNull(),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex("push_subscriptions_endpoint_idx").on(table.endpoint), index("push_subscriptions_agent_idx").on(table.agentId)],
);
