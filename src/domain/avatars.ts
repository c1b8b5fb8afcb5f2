// Agent avatars are stored on local disk under uploads/avatars with a random name. The type is
// decided by the file's first bytes, never by its name or the browser's claim, so an "image"
// that is really HTML or SVG (script) is refused.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ValidationError } from "./errors";
import { limits } from "./limits";
import { randomToken } from "./tokens";

const signatures: { ext: string; matches: (b: Uint8Array) => boolean }[] = [
  { ext: "png", matches: (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 },
  { ext: "jpg", matches: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { ext: "gif", matches: (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38 },
  {
    ext: "webp",
    matches: (b) => b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45,
  },
];

export const avatarFileName = /^[A-Za-z0-9_-]{22}\.(png|jpg|gif|webp)$/;

/** The URL path of an avatar Kefu keeps on its disk; any other value is someone else's URL. */
export function isKeptAvatar(path: string | null): path is string {
  return path !== null && path.startsWith("/uploads/avatars/") && avatarFileName.test(path.slice("/uploads/avatars/".length));
}

/** Deletes a kept avatar's file (a deleted customer's WeChat picture); another URL is left alone. */
export function removeKeptAvatar(uploadsDir: string, path: string | null): void {
  if (isKeptAvatar(path)) rmSync(join(uploadsDir, "avatars", path.slice("/uploads/avatars/".length)), { force: true });
}

/** Saves an uploaded avatar; returns the URL path it is served under. */
export async function storeAvatar(uploadsDir: string, file: Blob): Promise<string> {
  if (file.size > limits.avatarBytes) {
    throw new ValidationError({ avatar: { key: "error.avatar.tooLarge", params: { max: limits.avatarBytes / 1024 } } });
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const kind = signatures.find((signature) => signature.matches(bytes));
  if (!kind) throw new ValidationError({ avatar: { key: "error.avatar.type" } });
  const dir = join(uploadsDir, "avatars");
  mkdirSync(dir, { recursive: true });
  const name = `${randomToken(16)}.${kind.ext}`;
  await Bun.write(join(dir, name), bytes);
  return `/uploads/avatars/${name}`;
}

/**
 * Fetches a picture from another server (a WeChat user's) and keeps it like an upload, so the
 * console shows it without loading a third-party image. Reads at most the avatar limit: a
 * server that sends more, or lies about its length, gets refused, not buffered.
 */
export async function storeRemoteAvatar(uploadsDir: string, url: string, timeoutMs = 5000): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
  if (!response.ok || !response.body) throw new ValidationError({ avatar: { key: "error.avatar.type" } });
  const tooLarge = () => new ValidationError({ avatar: { key: "error.avatar.tooLarge", params: { max: limits.avatarBytes / 1024 } } });
  if (Number(response.headers.get("content-length") ?? 0) > limits.avatarBytes) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > limits.avatarBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return storeAvatar(uploadsDir, new Blob([Bun.concatArrayBuffers(chunks)]));
}
