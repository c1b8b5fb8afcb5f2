// Named limits in one place; every rejection of an input cites one of these.
export const limits = {
  nameLength: 80,
  emailLength: 254,
  passwordMinLength: 8,
  // Argon2 input stays bounded so a huge password cannot be used to burn CPU.
  passwordMaxLength: 200,
  businessNameLength: 120,
  avatarBytes: 512 * 1024,
  loginFailuresPerWindow: 10,
  loginWindowMs: 5 * 60 * 1000,
  sessionLifetimeMs: 30 * 24 * 60 * 60 * 1000,
  formBodyBytes: 1024 * 1024,
} as const;
