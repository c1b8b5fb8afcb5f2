import { describe, expect, it } from "bun:test";
import { callDuration, callText, checkCallServers } from "../../src/domain/calls";
import { ValidationError } from "../../src/domain/errors";
import { translator } from "../../src/i18n";

describe("a call's line in the thread", () => {
  it("says how the call ended, with its duration, in both languages", () => {
    const en = translator("en");
    const zh = translator("zh-CN");
    expect(callText(en, { media: "video", outcome: "ended", seconds: 192 })).toBe("Video call, 3:12");
    expect(callText(zh, { media: "video", outcome: "ended", seconds: 192 })).toBe("视频通话，时长 3:12");
    expect(callText(en, { media: "voice", outcome: "missed", seconds: 0 })).toBe("Missed voice call");
    expect(callText(zh, { media: "voice", outcome: "refused", seconds: 0 })).toBe("语音通话已拒绝");
  });

  it("counts hours past the first", () => {
    expect(callDuration(0)).toBe("0:00");
    expect(callDuration(59.6)).toBe("0:59");
    expect(callDuration(3723)).toBe("1:02:03");
  });
});

describe("the shop's call servers", () => {
  it("takes none, or stun:, turn: and turns: URLs, once each", () => {
    // As the column's default: the empty form posted as shown changes nothing.
    expect(checkCallServers({ urls: "  ", username: "", credential: "", secret: "" })).toEqual({ urls: [], username: "", credential: "" });
    expect(checkCallServers({ urls: "stun:a.example:3478 stun:a.example:3478", username: "", credential: "", secret: "" }).urls).toEqual(["stun:a.example:3478"]);
    // A TURN server with its shared secret needs no fixed credentials.
    expect(checkCallServers({ urls: "turn:t.example:3478", username: "", credential: "", secret: "s" }).secret).toBe("s");
    // Never shown back: left empty it stays while a TURN URL does.
    expect(checkCallServers({ urls: "turn:t.example:3478", username: "", credential: "", secret: "" }, "kept").secret).toBe("kept");
    expect(checkCallServers({ urls: "stun:s.example", username: "", credential: "", secret: "" }, "kept").secret).toBeUndefined();
  });

  it("refuses other schemes, paths, too many servers and TURN without its credentials", () => {
    const refused = (urls: string, username = "u", credential = "c") => {
      try {
        checkCallServers({ urls, username, credential, secret: "" });
      } catch (error) {
        if (error instanceof ValidationError) return Object.values(error.fields)[0]!.key;
      }
      return null;
    };
    expect(refused("http://turn.example")).toBe("call.serverUrlInvalid");
    expect(refused("turn:turn.example/path")).toBe("call.serverUrlInvalid");
    expect(refused("javascript:alert(1)")).toBe("call.serverUrlInvalid");
    expect(refused(Array.from({ length: 11 }, (_, i) => `stun:s${i}.example`).join("\n"))).toBe("call.serversTooMany");
    expect(refused("turns:turn.example:5349", "", "")).toBe("call.turnNeedsCredentials");
  });
});
