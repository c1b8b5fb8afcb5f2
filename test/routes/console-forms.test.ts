// Every form of the console, posted as a browser posts it when each box is left unticked: an
// unticked box sends nothing, and a form of only unticked boxes sends an empty body. None of them
// may answer 400 ("Expected object"): off is a value, and an empty list is a list.
import { describe, expect, it } from "bun:test";

import { createApiToken } from "../../src/domain/api-tokens";
import { blockIp } from "../../src/domain/blocked-ips";
import { addCannedReply } from "../../src/domain/canned-replies";
import { ignoreEvents } from "../../src/domain/events";
import { addFaq } from "../../src/domain/faqs";
import { createGroup } from "../../src/domain/groups";
import { addInfoTab } from "../../src/domain/info-tabs";
import { sendVisitorMessage } from "../../src/domain/messages";
import { leaveMessage } from "../../src/domain/offline-messages";
import { addVisitorTag } from "../../src/domain/visitor-profile";
import { addMember, openChat, signedIn, testApp } from "../support";

interface Control {
  name: string;
  type: string;
  value: string;
  checked: boolean;
}

interface PostedForm {
  page: string;
  action: string;
  controls: Control[];
}

const entities: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };
const decode = (text: string) => text.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => entities[entity]!);

/** The forms of a page that post, with their named controls as the browser would read them. */
async function postingForms(page: string, markup: string): Promise<PostedForm[]> {
  const forms: PostedForm[] = [];
  let form: PostedForm | null = null;
  let select: Control | null = null;
  let textarea: Control | null = null;
  await new HTMLRewriter()
    .on("form", {
      element(element) {
        const action = element.getAttribute("hx-post") ?? (element.getAttribute("method") === "post" ? element.getAttribute("action") : null);
        form = action ? { page, action: decode(action).replace(/#.*$/, ""), controls: [] } : null;
        if (form) forms.push(form);
        element.onEndTag(() => {
          form = null;
        });
      },
    })
    .on("form input[name]", {
      element(element) {
        form?.controls.push({
          name: decode(element.getAttribute("name")!),
          type: element.getAttribute("type") ?? "text",
          value: decode(element.getAttribute("value") ?? ""),
          checked: element.hasAttribute("checked"),
        });
      },
    })
    .on("form button[name]", {
      element(element) {
        form?.controls.push({ name: decode(element.getAttribute("name")!), type: "submitter", value: decode(element.getAttribute("value") ?? ""), checked: false });
      },
    })
    .on("form select[name]", {
      element(element) {
        select = { name: decode(element.getAttribute("name")!), type: "select", value: "", checked: false };
        form?.controls.push(select);
      },
    })
    .on("form select option", {
      element(element) {
        // The selected option, or the first when none is.
        if (select && (element.hasAttribute("selected") || select.checked === false)) {
          select.value = decode(element.getAttribute("value") ?? "");
          select.checked = element.hasAttribute("selected");
        }
      },
    })
    .on("form textarea[name]", {
      element(element) {
        textarea = { name: decode(element.getAttribute("name")!), type: "textarea", value: "", checked: false };
        form?.controls.push(textarea);
      },
      text(chunk) {
        if (textarea) textarea.value += decode(chunk.text);
      },
    })
    .transform(new Response(markup))
    .text();
  return forms;
}

/** What the browser sends with every checkbox unticked, everything else left as shown, and the first button pressed. */
function untickedBody(form: PostedForm): Record<string, string> {
  const body = new URLSearchParams();
  const submitter = form.controls.find((control) => control.type === "submitter");
  for (const control of form.controls) {
    if (["checkbox", "file", "submit", "button"].includes(control.type)) continue;
    if (control.type === "submitter" && control !== submitter) continue;
    if (control.type === "radio" && !control.checked) continue;
    body.append(control.name, control.value);
  }
  return Object.fromEntries(body);
}

describe("the console's forms", () => {
  it("each save with every box unticked, and those of only boxes save with an empty body", async () => {
    const ctx = testApp();
    const { agent: owner, client } = await signedIn(ctx, "owner");
    await addMember(ctx, "agent", "li@example.com");
    createGroup(ctx.db, owner, "Sales");
    addCannedReply(ctx.db, owner, "shared", { shortcut: "hi", body: "Hello!" });
    addFaq(ctx.db, owner, { question: "Delivery?", answer: "Two days." });
    addInfoTab(ctx.db, owner, { title: "Returns", body: "Thirty days." });
    createApiToken(ctx.db, "0".repeat(64), owner.id, "Shop sync");
    blockIp(ctx.db, ignoreEvents, owner, "203.0.113.9", "spam");
    const { visitor } = await openChat(ctx);
    const { conversation } = sendVisitorMessage(ctx.db, ignoreEvents, visitor, { clientId: crypto.randomUUID(), body: "hi" }, [owner.id]);
    addVisitorTag(ctx.db, owner, visitor.id, "vip");
    leaveMessage(ctx.db, ignoreEvents, ctx.business, null, { name: "Ann", phone: "", email: "ann@example.com", message: "Call me" });

    const pages = [
      "/console",
      `/console/conversations/${conversation.id}`,
      "/console/settings",
      "/console/team",
      "/console/groups",
      "/console/deploy",
      "/console/hours",
      "/console/preferences",
      "/console/profile",
      "/console/visitor-window",
      "/console/canned-replies",
      "/console/blocked",
      "/console/inbox",
    ];
    const forms: PostedForm[] = [];
    for (const page of pages) {
      const response = await client.get(page);
      expect(`${page} ${response.status}`).toBe(`${page} 200`);
      forms.push(...(await postingForms(page, await response.text())));
    }
    // Signing out has no fields, and would end the session the other forms need.
    const posted = forms.filter((form) => form.action !== "/logout");
    const onlyBoxes = posted.filter((form) => form.controls.length > 0 && form.controls.every((control) => control.type === "checkbox"));
    expect(onlyBoxes.map((form) => form.action)).toEqual(
      expect.arrayContaining(["/console/groups/picker", "/console/deploy/identity", expect.stringMatching(/^\/console\/groups\/\d+\/members$/)]),
    );

    const refused: string[] = [];
    for (const form of posted) {
      const response = await client.post(form.action, untickedBody(form), { "hx-request": "true" });
      if (response.status === 400 || response.status >= 500) refused.push(`${form.page} → ${form.action}: ${response.status} ${await response.text()}`);
    }
    expect(refused).toEqual([]);
  });
});
