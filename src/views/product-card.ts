// The product a visitor looks at on the host site, as a card: in the agent's visitor panel and,
// as a message, in both sides' threads.
import type { Product } from "../db/schema";
import { html, type SafeHtml } from "./html";
import { webUrl } from "../domain/fields";
import { outLink } from "./links";

export function productCard(product: Product): SafeHtml {
  // Images only over https: a plain-http one would be mixed content on an https page.
  const image = webUrl(product.image, ["https:"]);
  const href = webUrl(product.url);
  return html`<section class="product-card">
  ${image ? html`<img src="${image}" alt="" width="64" height="64" referrerpolicy="no-referrer" loading="lazy">` : ""}
  <div>
    <strong class="product-title">${href ? outLink(href, product.title) : product.title}</strong>
    ${product.price ? html`<span class="price">${product.price}</span>` : ""}
    ${product.description ? html`<p>${product.description}</p>` : ""}
  </div>
</section>`;
}
