// Migrations are imported, not read from disk, so the compiled binary carries them (DESIGN
// invariant 7). After `npm run db:generate`, add the new file's import to `sqlByTag`; a test
// fails while the journal names a migration that is missing here.
import journal from "../../migrations/meta/_journal.json";
import init from "../../migrations/0000_init.sql" with { type: "text" };
import idleClose from "../../migrations/0002_idle_close.sql" with { type: "text" };
import autoAway from "../../migrations/0004_auto_away.sql" with { type: "text" };
import routing from "../../migrations/0003_routing.sql" with { type: "text" };
import widget from "../../migrations/0005_widget.sql" with { type: "text" };
import agentWorkspace from "../../migrations/0006_agent_workspace.sql" with { type: "text" };
import search from "../../migrations/0007_search.sql" with { type: "text" };
import nobodyOnline from "../../migrations/0008_nobody_online.sql" with { type: "text" };
import searchIndexBatches from "../../migrations/0009_search_index_batches.sql" with { type: "text" };
import severalShops from "../../migrations/0010_several_shops.sql" with { type: "text" };
import customers from "../../migrations/0011_customers.sql" with { type: "text" };
import customerConversationCounts from "../../migrations/0012_customer_conversation_counts.sql" with { type: "text" };
import outbound from "../../migrations/0013_outbound.sql" with { type: "text" };
import reports from "../../migrations/0014_reports.sql" with { type: "text" };
import conversationTalliesFollowDeletes from "../../migrations/0015_conversation_tallies_follow_deletes.sql" with { type: "text" };
import apiTokenScopes from "../../migrations/0016_api_token_scopes.sql" with { type: "text" };
import idsNeverReused from "../../migrations/0017_ids_never_reused.sql" with { type: "text" };
import idsNeverReusedTriggers from "../../migrations/0018_ids_never_reused_triggers.sql" with { type: "text" };
import preChatForm from "../../migrations/0019_pre_chat_form.sql" with { type: "text" };
import wechatSignIn from "../../migrations/0020_wechat_sign_in.sql" with { type: "text" };
import callServers from "../../migrations/0021_call_servers.sql" with { type: "text" };
import triggers from "../../migrations/0022_triggers.sql" with { type: "text" };
import automaticAnswers from "../../migrations/0023_automatic_answers.sql" with { type: "text" };
import webPush from "../../migrations/0024_web_push.sql" with { type: "text" };
import deliveryClaims from "../../migrations/0025_delivery_claims.sql" with { type: "text" };
import visitorTokens from "../../migrations/0001_visitor_tokens_and_api_tokens.sql" with { type: "text" };

const sqlByTag: Record<string, string> = {
  "0000_init": init,
  "0001_visitor_tokens_and_api_tokens": visitorTokens,
  "0002_idle_close": idleClose,
  "0003_routing": routing,
  "0004_auto_away": autoAway,
  "0005_widget": widget,
  "0006_agent_workspace": agentWorkspace,
  "0007_search": search,
  "0008_nobody_online": nobodyOnline,
  "0009_search_index_batches": searchIndexBatches,
  "0010_several_shops": severalShops,
  "0011_customers": customers,
  "0012_customer_conversation_counts": customerConversationCounts,
  "0013_outbound": outbound,
  "0014_reports": reports,
  "0015_conversation_tallies_follow_deletes": conversationTalliesFollowDeletes,
  "0016_api_token_scopes": apiTokenScopes,
  "0017_ids_never_reused": idsNeverReused,
  "0018_ids_never_reused_triggers": idsNeverReusedTriggers,
  "0019_pre_chat_form": preChatForm,
  "0020_wechat_sign_in": wechatSignIn,
  "0021_call_servers": callServers,
  "0022_triggers": triggers,
  "0023_automatic_answers": automaticAnswers,
  "0024_web_push": webPush,
  "0025_delivery_claims": deliveryClaims,
};

export interface Migration {
  tag: string;
  sql: string[];
  folderMillis: number;
  hash: string;
  bps: boolean;
}

export function embeddedMigrations(): Migration[] {
  return journal.entries.map((entry) => {
    const text = sqlByTag[entry.tag];
    if (text === undefined) throw new Error(`migration ${entry.tag} is in the journal but not embedded`);
    return {
      tag: entry.tag,
      sql: text.split("--> statement-breakpoint"),
      folderMillis: entry.when,
      hash: new Bun.CryptoHasher("sha256").update(text).digest("hex"),
      bps: entry.breakpoints,
    };
  });
}
