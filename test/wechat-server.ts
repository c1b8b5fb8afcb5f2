// A stand-in for WeChat's web sign-in, speaking its protocol: the authorize page (which, like
// WeChat after the user agrees, sends the browser straight back with a code), the code exchange,
// userinfo, and the user's picture. Failures answer as WeChat does: status 200, `{ errcode, errmsg }`.
import { deflateSync } from "node:zlib";

export interface WeChatUserFixture {
  openid: string;
  nickname: string;
  unionid?: string;
}

/** A small solid-colour PNG with a lighter circle: enough to see that the picture is the user's. */
export function avatarPng(size = 64, rgb: [number, number, number] = [7, 193, 96]): Uint8Array<ArrayBuffer> {
  const rows: number[] = [];
  for (let y = 0; y < size; y++) {
    rows.push(0);
    for (let x = 0; x < size; x++) {
      const inside = (x - size / 2) ** 2 + (y - size / 2.6) ** 2 < (size / 5) ** 2 || (x - size / 2) ** 2 + (y - size) ** 2 < (size / 2.4) ** 2;
      rows.push(...(inside ? [255, 255, 255] : rgb));
    }
  }
  const chunk = (type: string, data: Uint8Array) => {
    const body = new Uint8Array([...new TextEncoder().encode(type), ...data]);
    const out = new DataView(new ArrayBuffer(12 + data.length));
    out.setUint32(0, data.length);
    new Uint8Array(out.buffer).set(body, 4);
    out.setUint32(8 + data.length, Bun.hash.crc32(body));
    return new Uint8Array(out.buffer);
  };
  const header = new DataView(new ArrayBuffer(13));
  header.setUint32(0, size);
  header.setUint32(4, size);
  header.setUint8(8, 8);
  header.setUint8(9, 2);
  return new Uint8Array([
    ...[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    ...chunk("IHDR", new Uint8Array(header.buffer)),
    ...chunk("IDAT", new Uint8Array(deflateSync(new Uint8Array(rows)))),
    ...chunk("IEND", new Uint8Array()),
  ]);
}

export interface FakeWeChat {
  url: string;
  appId: string;
  appSecret: string;
  user: WeChatUserFixture;
  /** What the picture URL answers, and with which content type. */
  avatar: { body: Uint8Array<ArrayBuffer> | string; type: string };
  /** The next answer of this endpoint is this errcode instead. */
  failNext: { path: "/sns/oauth2/access_token" | "/sns/userinfo"; errcode: number; errmsg: string } | null;
  /** The user refuses on the authorize page: back with the state and no code. */
  refuses: boolean;
  /** Every request's path and query, in order. */
  requests: URL[];
  /** A code as the authorize page would give, for tests that skip the browser. */
  issueCode(): string;
  stop(): void;
}

export function startFakeWeChat(options: { appId: string; appSecret: string; user: WeChatUserFixture }): FakeWeChat {
  const codes = new Set<string>();
  const tokens = new Map<string, string>();
  const error = (errcode: number, errmsg: string) => Response.json({ errcode, errmsg });
  const fake: FakeWeChat = {
    url: "",
    appId: options.appId,
    appSecret: options.appSecret,
    user: options.user,
    avatar: { body: avatarPng(), type: "image/png" },
    failNext: null,
    refuses: false,
    requests: [],
    issueCode() {
      const code = crypto.randomUUID().replaceAll("-", "");
      codes.add(code);
      return code;
    },
    stop: () => server.stop(true),
  };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const url = new URL(request.url);
      fake.requests.push(url);
      const query = url.searchParams;
      if (fake.failNext?.path === url.pathname) {
        const { errcode, errmsg } = fake.failNext;
        fake.failNext = null;
        return error(errcode, errmsg);
      }
      switch (url.pathname) {
        case "/connect/oauth2/authorize": {
          if (query.get("appid") !== fake.appId || query.get("scope") !== "snsapi_userinfo" || query.get("response_type") !== "code") {
            return new Response("参数错误", { status: 400 });
          }
          const back = new URL(query.get("redirect_uri")!);
          if (!fake.refuses) back.searchParams.set("code", fake.issueCode());
          back.searchParams.set("state", query.get("state") ?? "");
          return Response.redirect(back.toString(), 302);
        }
        case "/sns/oauth2/access_token": {
          if (query.get("appid") !== fake.appId || query.get("secret") !== fake.appSecret) return error(40125, "invalid appsecret");
          const code = query.get("code") ?? "";
          if (query.get("grant_type") !== "authorization_code" || !codes.delete(code)) return error(40029, "invalid code");
          const accessToken = crypto.randomUUID();
          tokens.set(accessToken, fake.user.openid);
          return Response.json({ access_token: accessToken, expires_in: 7200, refresh_token: crypto.randomUUID(), openid: fake.user.openid, scope: "snsapi_userinfo" });
        }
        case "/sns/userinfo": {
          if (tokens.get(query.get("access_token") ?? "") !== query.get("openid")) return error(40001, "invalid credential, access_token is invalid or not latest");
          return Response.json({
            openid: fake.user.openid,
            nickname: fake.user.nickname,
            sex: 0,
            province: "",
            city: "",
            country: "",
            headimgurl: `${fake.url}/mmopen/vi_32/avatar/132`,
            privilege: [],
            ...(fake.user.unionid ? { unionid: fake.user.unionid } : {}),
          });
        }
        case "/mmopen/vi_32/avatar/132":
          return new Response(fake.avatar.body, { headers: { "content-type": fake.avatar.type } });
        default:
          return new Response("not found", { status: 404 });
      }
    },
  });
  fake.url = `http://127.0.0.1:${server.port}`;
  return fake;
}
