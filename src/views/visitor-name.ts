import type { Translate } from "../i18n";

/** How a visitor is named everywhere: the name they have, or "Visitor #12". */
export function visitorName(t: Translate, visitor: { id: number; name: string | null }): string {
  return visitor.name || t("chat.visitor", { id: visitor.id });
}
