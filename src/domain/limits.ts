// Named limits in one place; every rejection of an input cites one of these.
export const limits = {
  nameLength: 80,
  emailLength: 254,
  passwordMinLength: 8,
  // Argon2 input stays bounded so a huge password cannot be used to burn CPU.
  passwordMaxLength: 200,
  businessNameLength: 120,
  // The most a platform admin may allow one shop: members, and bytes of uploads (1 TiB).
  shopMaxAgents: 10_000,
  shopMaxStorageBytes: 1024 ** 4,
  // Group names are shown to visitors in the group picker: short enough for one line on a phone.
  groupNameLength: 40,
  groupsPerBusiness: 50,
  maxConcurrentChats: 100,
  blockReasonLength: 200,
  // The longest text form of an IP address: 0000:0000:0000:0000:0000:ffff:255.255.255.255.
  ipLength: 45,
  greetingLength: 1000,
  idleCloseMinutes: 1440,
  holdMinutes: 1440,
  autoAwayMinutes: 1440,
  reopenMinutes: 1440,
  transferNoteLength: 500,
  avatarBytes: 512 * 1024,
  loginFailuresPerWindow: 10,
  loginWindowMs: 5 * 60 * 1000,
  // Sign-in password checks running at once (one per core), and how many may wait for one.
  passwordChecksAtOnce: 2,
  // Visitors one address may bring a minute (offices and mobile carriers share addresses), and
  // messages from all the visitors of one address per visitorBurstWindowMs.
  newVisitorsPerIpMinute: 120,
  messagesPerIpWindow: 60,
  passwordChecksWaiting: 16,
  sessionLifetimeMs: 30 * 24 * 60 * 60 * 1000,
  formBodyBytes: 1024 * 1024,
  socketFrameBytes: 64 * 1024,
  // Bun pings idle sockets; one that does not answer within this many seconds is closed.
  socketIdleSeconds: 30,
  /** How long a stopping server lets the requests in flight finish before it ends them. */
  shutdownDrainMs: 10_000,
  offlineTextLength: 1000,
  closedDates: 100,
  phoneLength: 32,
  // Leave-a-message form: per visitor, and per IP since a visitor can drop their cookie.
  offlineMessagesPerVisitorHour: 5,
  offlineMessagesPerIpHour: 20,
  inboxPage: 20,
  // What the host site tells the widget about its visitor, its page and its product.
  urlLength: 1000,
  pageTitleLength: 300,
  identityIdLength: 128,
  attributeKeyLength: 40,
  attributeValueLength: 500,
  attributesPerVisitor: 30,
  productTitleLength: 200,
  productPriceLength: 40,
  productDescriptionLength: 500,
  // The same product's card goes into a visitor's thread at most once in this many hours.
  productRepeatHours: 24,
  // Page changes a visitor's widget may report (a single-page shop reports every route change).
  contextUpdatesPerMinute: 30,
  // The visitor window: FAQ questions are buttons, and tab titles share one row on a phone.
  faqQuestionLength: 200,
  faqAnswerLength: 2000,
  faqsPerBusiness: 50,
  // Automatic answers: rules a shop may have, keywords per rule and their length; banned words.
  answerRulesPerBusiness: 100,
  keywordsPerRule: 20,
  keywordLength: 50,
  bannedWords: 500,
  bannedWordLength: 30,
  infoTabTitleLength: 30,
  infoTabBodyLength: 5000,
  infoTabsPerBusiness: 5,
  // The widget's header and its bubble beside the launcher: short enough for a phone screen.
  widgetTitleLength: 40,
  widgetGreetingLength: 200,
  // Triggers (proactive messages): a short line on a phone, a delay within a visit, a few rules.
  triggerNameLength: 80,
  triggerPatternLength: 500,
  triggerDelaySeconds: 600,
  triggerMessageLength: 500,
  triggersPerBusiness: 20,
  triggerDailyCap: 10,
  // A shown message the visitor answers within this long starts their conversation above the answer.
  triggerAnswerMinutes: 30,
  // Requests for a triggered message, per visitor and per address: a page may have several rules.
  triggerRequestsPerVisitorHour: 30,
  triggerRequestsPerIpHour: 300,
  // Sites allowed to embed the widget; each embedding page is checked against the whole list.
  allowedOrigins: 20,
  // Search: what an agent types, and how much one page of results may cost. Words under 3
  // characters cannot use the trigram index, so they are looked for in a window of this many
  // messages (or visitors) at a time, newest first.
  searchQueryLength: 200,
  searchTerms: 10,
  searchPage: 50,
  searchVisitorsShown: 10,
  shortSearchWindow: 20_000,
  // The conversation lists (history): one page, newest first.
  conversationListPage: 30,
  // Ratings: the visitor's optional comment; the typing preview's draft (agents see its end).
  ratingCommentLength: 500,
  typingDraftLength: 500,
  // Canned replies (快捷回复): typed after `/` in the composer, so shortcuts stay short.
  cannedShortcutLength: 30,
  cannedBodyLength: 2000,
  cannedRepliesShared: 200,
  cannedRepliesPerAgent: 100,
  // The visitor panel: the team's private notes and tags on a visitor, and their past chats.
  visitorNoteLength: 2000,
  visitorNotesShown: 50,
  visitorTagLength: 30,
  visitorTagsPerVisitor: 20,
  visitorTagSuggestions: 200,
  earlierConversationsShown: 10,
  // Customers (客户): one page of the list, and of a customer's conversations.
  customerPage: 50,
  customerConversationsPage: 20,
  // Live visitors: rows rendered per 5-second refresh, however many are online.
  liveVisitorsShown: 200,
} as const;

export const messageLimits = {
  bodyLength: 5000,
  clientIdPattern: /^[A-Za-z0-9_-]{8,64}$/,
  historyPage: 20,
  // Past this many missed messages a reconnecting page reloads instead of replaying them.
  replayCap: 200,
  visitorBurst: 20,
  visitorBurstWindowMs: 10_000,
  // An agent in one conversation, across all their pages and sockets: faster than anyone types or
  // picks replies.
  agentBurst: 20,
  agentBurstWindowMs: 10_000,
  // An agent across all their conversations: one socket may carry them all (an agent client
  // answering many chats at once), but not a flood.
  agentTotalBurst: 150,
} as const;

// Attachments (domain/attachments.ts). A business picks its own maximum between these bounds.
export const attachmentLimits = {
  minMegabytes: 1,
  maxMegabytes: 50,
  // A multipart body carries its boundaries and part headers around the file: a Content-Length
  // up to this much over the limit may still hold a file within it.
  multipartOverheadBytes: 16 * 1024,
  nameLength: 200,
  // Stored uploads per visitor and per address; each one may be megabytes of disk.
  visitorUploadsPerMinute: 10,
  ipUploadsPerMinute: 30,
  // The longest voice message the page records before it stops by itself.
  voiceSeconds: 300,
} as const;

// Voice and video calls (domain/calls.ts, realtime/calls.ts). Chromium's offer for audio and
// video is about 6 KB of SDP; a candidate line is under 300 characters.
export const callLimits = {
  sdpLength: 20_000,
  candidateLength: 1000,
  // An invitation nobody answers in this long is a missed call.
  ringMs: 30_000,
  // Invitations one agent may send per minute: a few retries, not a visitor rung over and over.
  invitesPerMinute: 6,
  // STUN and TURN servers a shop may list, and each URL's and the TURN credentials' lengths.
  servers: 10,
  serverUrlLength: 300,
  credentialLength: 200,
} as const;
