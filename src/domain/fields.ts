// Validation of the fields people type, shared by the CLI, setup, the team page and the profile.
import type { MessageKey } from "../i18n";
import type { FieldProblem } from "./errors";
import { limits } from "./limits";

export const roles = ["owner", "admin", "agent"] as const;
export type Role = (typeof roles)[number];

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function checkName(name: string, max: number = limits.nameLength): FieldProblem | null {
  const trimmed = name.trim();
  if (!trimmed) return { key: "error.name.required" };
  if (Array.from(trimmed).length > max) return { key: "error.name.tooLong", params: { max } };
  return null;
}

export function checkEmail(email: string): FieldProblem | null {
  const normalized = normalizeEmail(email);
  if (normalized.length > limits.emailLength || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(normalized)) {
    return { key: "error.email.invalid" };
  }
  return null;
}

/** A phone number as people write it: digits, spaces, ( ) . - and a leading +; at least 5 digits. */
export function checkPhone(phone: string): FieldProblem | null {
  const digits = phone.replace(/\D/g, "").length;
  if (phone.length > limits.phoneLength || !/^\+?[\d\s().-]+$/.test(phone) || digits < 5) return { key: "error.phone.invalid" };
  return null;
}

export function checkPassword(password: string): FieldProblem | null {
  if (password.length < limits.passwordMinLength) {
    return { key: "error.password.tooShort", params: { min: limits.passwordMinLength } };
  }
  if (password.length > limits.passwordMaxLength) {
    return { key: "error.password.tooLong", params: { max: limits.passwordMaxLength } };
  }
  return null;
}

export function checkRole(role: string): FieldProblem | null {
  return (roles as readonly string[]).includes(role) ? null : { key: "error.role.invalid" };
}

export function isRole(role: string): role is Role {
  return checkRole(role) === null;
}

/** Collects the problems of several fields; returns null when all are fine. */
export function problems(
  checks: Record<string, FieldProblem | null>,
): Record<string, FieldProblem> | null {
  const found = Object.entries(checks).filter((entry): entry is [string, FieldProblem] => entry[1] !== null);
  return found.length ? Object.fromEntries(found) : null;
}

/** The text trimmed, or why it cannot be used: it is required, and at most `max` characters. */
export function checkRequiredText(text: string, max: number, required: MessageKey, tooLong: MessageKey): { trimmed: string; problem: FieldProblem | null } {
  const trimmed = text.trim();
  if (!trimmed) return { trimmed, problem: { key: required } };
  if (Array.from(trimmed).length > max) return { trimmed, problem: { key: tooLong, params: { max } } };
  return { trimmed, problem: null };
}


/**
 * An address from a visitor's browser or a host site, if it is a web address (http(s), or only
 * the schemes given) of at most limits.urlLength characters; else null. Only these ever become
 * links or images: a `javascript:` or `data:` URL stays inert text.
 */
export function webUrl(value: string | null | undefined, schemes: readonly string[] = ["http:", "https:"]): string | null {
  if (!value || value.length > limits.urlLength) return null;
  try {
    return schemes.includes(new URL(value).protocol) ? value : null;
  } catch {
    return null;
  }
}

/** Optional text from a host site, trimmed (undefined when empty), or why it is too long. */
export function optionalText(value: string | undefined, max: number): { text: string | undefined; problem: FieldProblem | null } {
  const text = value?.trim() || undefined;
  return { text, problem: text && Array.from(text).length > max ? { key: "identity.tooLong", params: { max } } : null };
}
