// Sign-in throttling and cross-site request refusal, over plain HTTP against the binary.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { type Kefu, postForm, sessionCookie, startKefu } from "./support";

setDefaultTimeout(30_000);

const owner = { name: "Mei", email: "mei@example.com", password: "a long password" };

/** A server with its owner created through /setup; returns the owner's session cookie. */
async function serverWithOwner(): Promise<{ kefu: Kefu; cookie: string }> {
  const kefu = await startKefu();
  const response = await postForm(kefu, "/setup", owner);
  expect(response.status).toBe(303);
  return { kefu, cookie: sessionCookie(response) };
}

function shopName(page: string): string | undefined {
  return page.match(/<input id="field-name" name="name" type="text" value="([^"]*)"/)?.[1];
}

describe("cross-site request refusal", () => {
  let kefu: Kefu;
  let cookie: string;

  beforeAll(async () => {
    ({ kefu, cookie } = await serverWithOwner());
  });

  afterAll(async () => {
    await kefu?.stop();
  });

  const settings = async () => {
    const response = await fetch(`${kefu.url}/console/settings`, { headers: { cookie, "accept-language": "en" }, redirect: "manual" });
    expect(response.status).toBe(200);
    return shopName(await response.text());
  };

  it("saves the shop name from a same-origin form", async () => {
    const response = await postForm(kefu, "/console/settings", { name: "Tea House" }, { cookie });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Saved: Shop.");
    expect(await settings()).toBe("Tea House");
  });

  it("refuses a signed-in POST that carries neither Origin nor Sec-Fetch-Site and changes nothing", async () => {
    const response = await fetch(`${kefu.url}/console/settings`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded", "accept-language": "en" },
      body: new URLSearchParams({ name: "Hijacked Shop" }).toString(),
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toBe("This request did not come from a Kefu page. Reload the page and try again.");
    expect(await settings()).toBe("Tea House");
  });

  it("refuses a signed-in POST from another site", async () => {
    const crossSite = await postForm(kefu, "/console/settings", { name: "Hijacked Shop" }, { cookie, "sec-fetch-site": "cross-site" });
    expect(crossSite.status).toBe(403);
    const otherOrigin = await postForm(kefu, "/console/settings", { name: "Hijacked Shop" }, { cookie, origin: "http://evil.example" });
    expect(otherOrigin.status).toBe(403);
    expect(await settings()).toBe("Tea House");
  });
});

describe("sign-in throttling", () => {
  let kefu: Kefu;

  beforeAll(async () => {
    ({ kefu } = await serverWithOwner());
  });

  afterAll(async () => {
    await kefu?.stop();
  });

  it("answers the 11th wrong password in a row with 429, Retry-After and when to retry", async () => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const response = await postForm(kefu, "/login", { email: owner.email, password: `wrong guess ${attempt}` });
      expect(response.status).toBe(401);
      expect(await response.text()).toContain("Wrong email or password.");
    }
    const eleventh = await postForm(kefu, "/login", { email: owner.email, password: "wrong guess 11" });
    expect(eleventh.status).toBe(429);
    const retryAfter = Number(eleventh.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(5 * 60);
    expect(await eleventh.text()).toContain("Too many failed sign-ins. Try again in 5 min.");
  });

  it("refuses even the right password while the account is throttled", async () => {
    const response = await postForm(kefu, "/login", { email: owner.email, password: owner.password });
    expect(response.status).toBe(429);
    expect(response.headers.get("set-cookie")).toBeNull();
  });
});
