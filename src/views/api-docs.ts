// The API reference at /api/v1/docs: how to call the API (auth, scopes, paging, limits, errors)
// in the reader's language, then every endpoint as the OpenAPI document describes it, with a curl
// example made from its schemas. Server-rendered: no Swagger UI bundle.
import { apiTokenLimits } from "../domain/api-tokens";
import type { MessageKey } from "../i18n";
import { aboutKey, apiErrorStatuses, hasText, type Operation, summaryKey } from "../routes/api/openapi";
import { html, type SafeHtml } from "./html";
import { documentPage, type PageContext } from "./page";

type Schema = Record<string, unknown>;

/** A value a schema accepts, for examples: its own example when it has one. */
export function exampleOf(schema: Schema): unknown {
  const examples = schema.examples as unknown[] | undefined;
  if (examples?.length) return examples[0];
  if (schema.enum) return (schema.enum as unknown[])[0];
  if (schema.anyOf) return exampleOf((schema.anyOf as Schema[]).find((variant) => variant.type !== "null") ?? {});
  if (schema.const !== undefined) return schema.const;
  switch (schema.type) {
    case "integer":
    case "number":
      return (schema.minimum as number | undefined) ?? 1;
    case "boolean":
      return true;
    case "string":
      return "…";
    case "array":
      return [exampleOf((schema.items as Schema | undefined) ?? {})];
    case "object": {
      const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
      return Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, exampleOf(property)]));
    }
    default:
      return null;
  }
}

/** A schema's type in a few characters: `integer`, `string | null`, `open | queued | closed`. */
export function typeOf(schema: Schema): string {
  if (schema.enum) return (schema.enum as unknown[]).join(" | ");
  if (schema.anyOf) return (schema.anyOf as Schema[]).map(typeOf).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.type === "array") {
    const item = typeOf((schema.items as Schema | undefined) ?? {});
    return item.includes(" | ") ? `(${item})[]` : `${item}[]`;
  }
  if (schema.type === "object" && !schema.properties) return "object";
  return String(schema.type ?? "any");
}

/** An endpoint group's heading in the reader's language (the OpenAPI tags are English). */
const tagName = ({ t }: PageContext, tag: string) => t(`apiDocs.tag.${tag}` as MessageKey);

/** Where a group of endpoints starts on the page: other pages link to it (`#webhooks`). */
export const tagAnchor = (tag: string) => tag.toLowerCase().replace(/[^a-z0-9]+/g, "-");

const anchorOf = (operation: Operation) => `${operation.method}-${operation.path}`.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/-$/, "");

function curl(operation: Operation, origin: string): string {
  const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => String(exampleOf(operation.parameters.find((p) => p.name === name)?.schema ?? {})));
  const query = operation.parameters.filter((parameter) => parameter.in === "query" && parameter.required);
  const search = query.length ? `?${query.map((parameter) => `${parameter.name}=${encodeURIComponent(String(exampleOf(parameter.schema)))}`).join("&")}` : "";
  const lines = [`curl${operation.method === "GET" ? "" : ` -X ${operation.method}`} -H "Authorization: Bearer $KEFU_TOKEN"`];
  if (operation.body) lines.push(`  -H "Content-Type: application/json" -d '${JSON.stringify(exampleOf(operation.body))}'`);
  lines.push(`  "${origin}${path}${search}"`);
  return lines.join(" \\\n");
}

function fieldsTable(ctx: PageContext, rows: { name: string; type: string; required: boolean; description?: string }[]): SafeHtml {
  const { t } = ctx;
  return html`<div class="table-scroll"><table>
  <thead><tr><th>${t("apiDocs.name")}</th><th>${t("apiDocs.type")}</th><th>${t("apiDocs.description")}</th></tr></thead>
  <tbody>${rows.map(
    (row) => html`<tr><td><code>${row.name}</code>${row.required ? html` <span class="badge">${t("apiDocs.required")}</span>` : ""}</td><td><code>${row.type}</code></td><td>${row.description ?? ""}</td></tr>`,
  )}</tbody>
</table></div>`;
}

function bodyFields(schema: Schema) {
  const required = (schema.required as string[] | undefined) ?? [];
  return Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {}).map(([name, property]) => ({
    name,
    type: typeOf(property),
    required: required.includes(name),
    description: property.description as string | undefined,
  }));
}

function endpoint(ctx: PageContext, operation: Operation, origin: string): SafeHtml {
  const { t } = ctx;
  const answer = operation.responses["200"] ?? operation.responses["201"];
  return html`<section class="card api-endpoint" id="${anchorOf(operation)}">
  <h3><span class="api-method api-method-${operation.method.toLowerCase()}">${operation.method}</span> <code>${operation.path}</code></h3>
  <p><strong>${t(summaryKey(operation))}</strong> <span class="badge">${t(operation.scope === "write" ? "apiDocs.needsWrite" : "apiDocs.needsRead")}</span></p>
  ${hasText(aboutKey(operation)) ? html`<p>${t(aboutKey(operation))}</p>` : ""}
  ${operation.parameters.length ? html`<h4>${t("apiDocs.parameters")}</h4>${fieldsTable(ctx, operation.parameters.map((p) => ({ ...p, type: `${typeOf(p.schema)} (${p.in})` })))}` : ""}
  ${operation.body ? html`<h4>${t("apiDocs.body")}</h4>${fieldsTable(ctx, bodyFields(operation.body))}` : ""}
  <h4>${t("apiDocs.example")}</h4>
  <pre><code>${curl(operation, origin)}</code></pre>
  ${answer ? html`<h4>${t("apiDocs.answer")}</h4><pre><code>${JSON.stringify(exampleOf(answer), null, 2)}</code></pre>` : ""}
</section>`;
}

export function apiDocsPage(ctx: PageContext, operations: readonly Operation[], origin: string): SafeHtml {
  const { t } = ctx;
  const tags = [...new Set(operations.map((operation) => operation.tag))];
  const { default: byDefault, min, max } = apiTokenLimits.requestsPerMinute;
  const body = html`<main class="api-docs">
  <h1>${t("apiDocs.title")}</h1>
  <p>${t("apiDocs.intro")}</p>
  <p><a href="/api/v1/openapi.json">${t("apiDocs.openapi")}</a> · <a href="/console/profile#api-tokens">${t("apiDocs.tokens")}</a></p>
  <nav class="card api-contents" aria-label="${t("apiDocs.contents")}">
    <ul>
      <li><a href="#auth">${t("apiDocs.auth")}</a></li>
      <li><a href="#scopes">${t("apiDocs.scopes")}</a></li>
      <li><a href="#paging">${t("apiDocs.paging")}</a></li>
      <li><a href="#rate-limits">${t("apiDocs.rateLimits")}</a></li>
      <li><a href="#errors">${t("apiDocs.errors")}</a></li>
      ${tags.map(
        (tag) => html`<li>${tagName(ctx, tag)}<ul>${operations
          .filter((operation) => operation.tag === tag)
          .map((operation) => html`<li><a href="#${anchorOf(operation)}"><code>${operation.method} ${operation.path}</code></a> ${t(summaryKey(operation))}</li>`)}</ul></li>`,
      )}
    </ul>
  </nav>
  <h2 id="auth">${t("apiDocs.auth")}</h2>
  <p>${t("apiDocs.authText")}</p>
  <pre><code>export KEFU=${origin} KEFU_TOKEN=kefu_…
curl -H "Authorization: Bearer $KEFU_TOKEN" "$KEFU/api/v1/conversations"</code></pre>
  <h2 id="scopes">${t("apiDocs.scopes")}</h2>
  <p>${t("apiDocs.scopesText")}</p>
  <h2 id="paging">${t("apiDocs.paging")}</h2>
  <p>${t("apiDocs.pagingText")}</p>
  <h2 id="rate-limits">${t("apiDocs.rateLimits")}</h2>
  <p>${t("apiDocs.rateLimitsText", { min, max, default: byDefault })}</p>
  <h2 id="errors">${t("apiDocs.errors")}</h2>
  <p>${t("apiDocs.errorsText")}</p>
  <div class="table-scroll"><table>
    <thead><tr><th>${t("apiDocs.status")}</th><th>${t("apiDocs.when")}</th></tr></thead>
    <tbody>${apiErrorStatuses.map((status) => html`<tr><td><code>${status}</code></td><td>${t(`apiDocs.error${status}`)}</td></tr>`)}</tbody>
  </table></div>
  ${tags.map(
    (tag) => html`<h2 id="${tagAnchor(tag)}">${tagName(ctx, tag)}</h2>
  ${operations.filter((operation) => operation.tag === tag).map((operation) => endpoint(ctx, operation, origin))}`,
  )}
</main>`;
  return documentPage(ctx, t("apiDocs.title"), body);
}
