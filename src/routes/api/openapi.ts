// The OpenAPI 3.1 document of /api/v1, made from the routes themselves: their paths, methods and
// the TypeBox schemas they validate with, so an endpoint cannot exist undocumented or differ from
// its description. The readable reference (views/api-docs.ts) is rendered from it too.
import { apiTokenLimits } from "../../domain/api-tokens";
import type { ApiScope } from "../../domain/api-tokens";
import { type MessageKey, translator } from "../../i18n";
import { en } from "../../i18n/en";

type Schema = Record<string, unknown>;

/** What Elysia keeps of a route: enough to describe it. */
export interface DescribedRoute {
  method: string;
  path: string;
  hooks?: { params?: unknown; query?: unknown; body?: unknown; response?: unknown; detail?: { operationId?: string; tags?: string[] } };
}

export interface Operation {
  /** Also names its summary and description in the dictionaries: apiDocs.op.<id> and apiDocs.op.<id>.about. */
  id: string;
  method: string;
  path: string;
  tag: string;
  scope: ApiScope;
  parameters: { name: string; in: "path" | "query"; required: boolean; description?: string; schema: Schema }[];
  body?: Schema;
  responses: Record<string, Schema>;
}

/**
 * A schema as JSON Schema for readers: TypeBox's symbols and Kefu's `error` texts dropped, and the
 * string-or-number unions Elysia makes to coerce path and query values shown as the number.
 */
export function plainSchema(schema: unknown): Schema {
  const clean = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(clean);
    if (value === null || typeof value !== "object") return value;
    const object = value as Schema;
    const variants = object.anyOf as Schema[] | undefined;
    if (variants?.length === 2 && variants.some((variant) => variant.type === "string" && typeof variant.format === "string")) {
      const typed = variants.find((variant) => variant.type !== "string");
      if (typed) return clean({ ...typed, ...Object.fromEntries(Object.entries(object).filter(([key]) => key !== "anyOf")) });
    }
    return Object.fromEntries(Object.entries(object).filter(([key]) => key !== "error").map(([key, inner]) => [key, clean(inner)]));
  };
  return clean(JSON.parse(JSON.stringify(schema ?? {}))) as Schema;
}

/** The GET endpoints need a read token; the others change something and need write. */
export const scopeOf = (method: string): ApiScope => (method === "GET" ? "read" : "write");

export function describeRoutes(routes: readonly DescribedRoute[]): Operation[] {
  return routes.map((route) => {
    const { params, query, body, response, detail } = route.hooks ?? {};
    const parameters = (where: "path" | "query", schema: unknown) => {
      const plain = plainSchema(schema);
      const required = (plain.required as string[] | undefined) ?? [];
      return Object.entries((plain.properties as Record<string, Schema> | undefined) ?? {}).map(([name, property]) => {
        const { description, ...rest } = property;
        return { name, in: where, required: where === "path" || required.includes(name), description: description as string | undefined, schema: rest };
      });
    };
    const plainResponse = response ? plainSchema(response) : undefined;
    // A route's `response` is one schema (200) or one per status.
    const responses = !plainResponse ? {} : "type" in plainResponse ? { "200": plainResponse } : (plainResponse as Record<string, Schema>);
    return {
      method: route.method,
      path: route.path.replace(/:(\w+)/g, "{$1}"),
      id: detail?.operationId ?? `${route.method} ${route.path}`,
      tag: detail?.tags?.[0] ?? "Other",
      scope: scopeOf(route.method),
      parameters: [...parameters("path", params), ...parameters("query", query)],
      body: body ? plainSchema(body) : undefined,
      responses,
    };
  });
}

export const summaryKey = (operation: Operation) => `apiDocs.op.${operation.id}` as MessageKey;
export const aboutKey = (operation: Operation) => `apiDocs.op.${operation.id}.about` as MessageKey;
// Some endpoints need no more words than their summary.
export const hasText = (key: MessageKey) => key in en;

/** The statuses any call may answer with; why, in words, is the reference's (apiDocs.error<status>). */
export const apiErrorStatuses = [400, 401, 403, 404, 409, 422, 429] as const;

const errorSchema = {
  type: "object",
  required: ["error"],
  properties: { error: { type: "string", description: "what went wrong and what to do, in the language of Accept-Language" }, field: { type: "string" } },
};

export function openApiDocument(operations: readonly Operation[]) {
  // OpenAPI documents are read in English; the reference page speaks the reader's language.
  const t = translator("en");
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    const errors = apiErrorStatuses.filter((status) => status !== 403 || operation.scope === "write");
    paths[operation.path] ??= {};
    paths[operation.path]![operation.method.toLowerCase()] = {
      operationId: operation.id,
      tags: [operation.tag],
      summary: t(summaryKey(operation)),
      ...(hasText(aboutKey(operation)) ? { description: t(aboutKey(operation)) } : {}),
      security: [{ token: [operation.scope] }],
      "x-scope": operation.scope,
      parameters: operation.parameters,
      ...(operation.body ? { requestBody: { required: true, content: { "application/json": { schema: operation.body } } } } : {}),
      responses: {
        ...Object.fromEntries(
          Object.entries(operation.responses).map(([status, schema]) => [status, { description: status === "201" ? "Created" : "OK", content: { "application/json": { schema } } }]),
        ),
        ...Object.fromEntries(
          errors.map((status) => [String(status), { description: t(`apiDocs.error${status}`), content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } }]),
        ),
      },
    };
  }
  const { default: byDefault, min, max } = apiTokenLimits.requestsPerMinute;
  return {
    openapi: "3.1.0",
    info: {
      title: "Kefu API",
      version: "1",
      description:
        `Acts as the agent who owns the token, in that agent's shop only. Ids are integers that only grow; times are milliseconds since the Unix epoch (UTC). ` +
        `Each token has its own requests per minute (${min} to ${max}, ${byDefault} by default), told in RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset.`,
    },
    paths,
    components: {
      securitySchemes: {
        token: { type: "http", scheme: "bearer", description: "An API token (kefu_…) made on the Profile page; its scope is read or write (write implies read)." },
      },
      schemas: { Error: errorSchema },
    },
  };
}
