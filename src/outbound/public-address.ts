// Server-side request forgery: a webhook URL is typed by a shop's admin, and our server calls it.
// Without these checks it could reach the machine's own services, the LAN or a cloud metadata
// endpoint. A URL's host is resolved when it is called and every address it names must be public.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

/** IPv4 ranges that are not the public internet: this host, private, CGNAT, link-local, test, multicast, reserved. */
const privateV4: [string, number][] = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
];

function v4Number(address: string): number {
  return address.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

function isPublicV4(address: string): boolean {
  const n = v4Number(address);
  return !privateV4.some(([base, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(v4Number(base) / 2 ** (32 - bits)));
}

/** The eight 16-bit groups of an IPv6 address (with any dotted IPv4 tail folded in). */
function v6Groups(address: string): number[] {
  let text = address.toLowerCase().split("%")[0]!;
  const dotted = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const n = v4Number(dotted[1]!);
    text = text.slice(0, -dotted[1]!.length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const parse = (part: string) => (part ? part.split(":").map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
}

/**
 * Only global unicast (2000::/3) counts, less documentation, 6to4, Teredo and ORCHID space. That
 * also refuses ::, ::1, IPv4-mapped and NAT64 addresses (which reach IPv4 hosts), ULA, link-local
 * and multicast.
 */
function isPublicV6(address: string): boolean {
  const [a = 0, b = 0] = v6Groups(address);
  if (a >> 13 !== 1) return false;
  if (a === 0x2001 && (b === 0x0db8 || b === 0 || (b & 0xfff0) === 0x0010 || (b & 0xfff0) === 0x0020)) return false;
  return a !== 0x2002;
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return isPublicV4(address);
  if (family === 6) return isPublicV6(address);
  return false;
}

export type UrlProblem = "invalid" | "scheme" | "credentials" | "private";

/** What is wrong with a webhook URL as written, before any lookup; null when nothing is. */
export function checkWebhookUrl(text: string, allowPrivate: boolean): UrlProblem | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "invalid";
  }
  if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) return "scheme";
  if (url.username || url.password) return "credentials";
  if (!url.hostname) return "invalid";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!allowPrivate && (isIP(host) ? !isPublicAddress(host) : host === "localhost" || host.endsWith(".localhost"))) return "private";
  return null;
}

export type Resolved = { refused: string } | { pinned: string | null };

/**
 * Resolves the URL's host now: refused when any address is not public; otherwise the address to
 * call, so that the call goes where was checked (a second lookup could answer a private address:
 * DNS rebinding). With private addresses allowed nothing is checked, and nothing pinned.
 */
export async function resolveForCall(url: URL, allowPrivate: boolean): Promise<Resolved> {
  if (allowPrivate) return { pinned: null };
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((found) => found.address);
  const refused = addresses.find((address) => !isPublicAddress(address));
  return refused ? { refused } : { pinned: addresses[0] ?? null };
}

/** The same request sent to `address`: the name stays in the Host header and in TLS (SNI and the certificate check). */
export function pinnedTo(url: URL, address: string): { url: URL; host: string; serverName: string | undefined } {
  const pinned = new URL(url);
  pinned.hostname = isIP(address) === 6 ? `[${address}]` : address;
  const name = url.hostname.replace(/^\[|\]$/g, "");
  return { url: pinned, host: url.host, serverName: isIP(name) ? undefined : name };
}
