// Renders what an audience sees and publishes it: once per language that has listeners on the
// topic, skipped when nobody listens. HTML fragments swap themselves in (htmx); small JSON events
// drive chat.js.
import { type Locale, locales } from "../i18n";
import type { SafeHtml } from "../views/html";
import type { Broker } from "./broker";
import type { CallEvent } from "./calls";

export type ClientEvent =
  | { type: "typing"; draft?: string }
  | { type: "seen"; upTo: number }
  | { type: "remove"; id: string }
  | { type: "conversation"; id: number }
  | { type: "error"; message: string; clientId?: string; call?: true }
  | CallEvent
  | { type: "reload" };

export class Publisher {
  constructor(private readonly broker: Broker) {}

  send(topic: (locale: Locale) => string, render: (locale: Locale) => SafeHtml | ClientEvent): void {
    for (const locale of locales) {
      const name = topic(locale);
      if (!this.broker.hasSubscribers(name)) continue;
      const rendered = render(locale);
      this.broker.publish(name, rendered instanceof Object && "type" in rendered ? JSON.stringify(rendered) : String(rendered));
    }
  }
}
