import { describe, expect, it } from "bun:test";
import { checkWebhookUrl, isPublicAddress, pinnedTo, resolveForCall } from "../../src/outbound/public-address";

describe("which addresses a webhook may call", () => {
  it("refuses loopback, private, link-local, CGNAT, multicast, unspecified and reserved IPv4", () => {
    for (const address of ["127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "100.127.255.254", "0.0.0.0", "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1", "192.0.2.1", "198.18.0.1"]) {
      expect([address, isPublicAddress(address)]).toEqual([address, false]);
    }
  });

  it("refuses loopback, unspecified, IPv4-mapped, NAT64, unique-local, link-local and multicast IPv6", () => {
    for (const address of ["::1", "::", "::ffff:127.0.0.1", "::ffff:8.8.8.8", "::ffff:7f00:1", "64:ff9b::a00:1", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1", "2001:db8::1", "2002:7f00:1::1"]) {
      expect([address, isPublicAddress(address)]).toEqual([address, false]);
    }
  });

  it("allows public addresses", () => {
    for (const address of ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "2a00:1450:4001::200e"]) {
      expect([address, isPublicAddress(address)]).toEqual([address, true]);
    }
  });

  it("checks a URL as written: https only, no credentials, no private literal unless allowed", () => {
    expect(checkWebhookUrl("https://hooks.example.com/kefu", false)).toBeNull();
    expect(checkWebhookUrl("not a url", false)).toBe("invalid");
    expect(checkWebhookUrl("http://hooks.example.com/kefu", false)).toBe("scheme");
    expect(checkWebhookUrl("ftp://hooks.example.com/kefu", true)).toBe("scheme");
    expect(checkWebhookUrl("https://user:pw@hooks.example.com/", false)).toBe("credentials");
    expect(checkWebhookUrl("https://127.0.0.1/kefu", false)).toBe("private");
    expect(checkWebhookUrl("https://[::1]/kefu", false)).toBe("private");
    expect(checkWebhookUrl("https://[::ffff:10.0.0.1]/kefu", false)).toBe("private");
    expect(checkWebhookUrl("https://localhost/kefu", false)).toBe("private");
    expect(checkWebhookUrl("http://127.0.0.1:8080/kefu", true)).toBeNull();
  });

  it("resolves the host when called and refuses a name that points at a private address", async () => {
    expect(await resolveForCall(new URL("https://localhost/kefu"), false)).toMatchObject({ refused: expect.any(String) });
    expect(await resolveForCall(new URL("https://127.0.0.1/kefu"), false)).toEqual({ refused: "127.0.0.1" });
    expect(await resolveForCall(new URL("https://8.8.8.8/kefu"), false)).toEqual({ pinned: "8.8.8.8" });
    expect(await resolveForCall(new URL("https://localhost/kefu"), true)).toEqual({ pinned: null });
  });

  it("calls the address it checked, keeping the name for the Host header and TLS", () => {
    const pinned = pinnedTo(new URL("https://hooks.example.com:8443/kefu?x=1"), "93.184.216.34");
    expect(String(pinned.url)).toBe("https://93.184.216.34:8443/kefu?x=1");
    expect(pinned).toMatchObject({ host: "hooks.example.com:8443", serverName: "hooks.example.com" });
    expect(String(pinnedTo(new URL("https://hooks.example.com/kefu"), "2606:4700::1").url)).toBe("https://[2606:4700::1]/kefu");
  });
});
