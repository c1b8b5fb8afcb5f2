import { describe, expect, it } from "bun:test";
import { addAgent, changeRole, setAgentDisabled, verifyCredentials } from "../../src/domain/agents";
import { RuleError, ValidationError } from "../../src/domain/errors";
import { ignoreEvents } from "../../src/domain/events";
import { addMember, testApp } from "../support";

describe("agents", () => {
  it("generates a readable temporary password when none is given and flags it for change", async () => {
    const ctx = testApp();
    const { agent, temporaryPassword } = await addAgent(ctx.db, {
      businessId: ctx.business.id,
      email: " New@Example.COM ",
      name: "  New  ",
      role: "agent",
    });
    expect(temporaryPassword).toMatch(/^[A-Za-z0-9]{14}$/);
    expect(temporaryPassword).not.toMatch(/[0O1lI]/);
    expect(agent).toMatchObject({ email: "new@example.com", displayName: "New", mustChangePassword: true });
    expect(agent).not.toHaveProperty("passwordHash");
    expect(await verifyCredentials(ctx.db, "new@example.com", temporaryPassword!)).toMatchObject({ id: agent.id });
  });

  it("refuses a second account with the same email, whatever its case", async () => {
    const ctx = testApp();
    await addMember(ctx, "agent", "dup@example.com");
    const attempt = addAgent(ctx.db, { businessId: ctx.business.id, email: "DUP@example.com", name: "Dup", role: "agent" });
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
  });

  it("refuses an unknown role", async () => {
    const ctx = testApp();
    const attempt = addAgent(ctx.db, { businessId: ctx.business.id, email: "x@example.com", name: "X", role: "root" });
    await expect(attempt).rejects.toMatchObject({ fields: { role: { key: "error.role.invalid" } } });
  });

  it("keeps at least one active owner", async () => {
    const ctx = testApp();
    const first = await addMember(ctx, "owner", "first@example.com");
    const second = await addMember(ctx, "owner", "second@example.com");
    setAgentDisabled(ctx.db, ignoreEvents, first, second.id, true);
    expect(() => changeRole(ctx.db, first, first.id, "admin")).toThrow(RuleError);
    setAgentDisabled(ctx.db, ignoreEvents, first, second.id, false);
    expect(changeRole(ctx.db, first, first.id, "admin").role).toBe("admin");
  });

  it("never lets anyone disable themselves", async () => {
    const ctx = testApp();
    const owner = await addMember(ctx, "owner", "owner@example.com");
    expect(() => setAgentDisabled(ctx.db, ignoreEvents, owner, owner.id, true)).toThrow(RuleError);
  });

  it("does not sign in a disabled agent, even with the right password", async () => {
    const ctx = testApp();
    const owner = await addMember(ctx, "owner", "owner@example.com");
    const agent = await addMember(ctx, "agent", "agent@example.com");
    setAgentDisabled(ctx.db, ignoreEvents, owner, agent.id, true);
    expect(await verifyCredentials(ctx.db, "agent@example.com", "correct horse")).toBeNull();
  });
});
