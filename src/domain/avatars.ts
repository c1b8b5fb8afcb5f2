// Agent avatars are stored on local disk under uploads/avatars with a random name. The type is
// decided by the file's first bytes, never by its name or the browser's claim, so an "image"
// that is really HTML or SVG (script) is refused.
import { mkdirSync } from "node:fs";
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
