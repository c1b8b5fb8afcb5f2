// Each open visitor socket, by visitor and their shop: to close a visitor's pages when their record
// is deleted, and a shop's when it is disabled.
export interface VisitorSocketHandle {
  close(code: number, reason: string): void;
}

export class VisitorSockets {
  private readonly byVisitor = new Map<number, { businessId: number; sockets: Set<VisitorSocketHandle> }>();

  add(visitor: { id: number; businessId: number }, socket: VisitorSocketHandle): void {
    let entry = this.byVisitor.get(visitor.id);
    if (!entry) this.byVisitor.set(visitor.id, (entry = { businessId: visitor.businessId, sockets: new Set() }));
    entry.sockets.add(socket);
  }

  delete(visitorId: number, socket: VisitorSocketHandle): void {
    const entry = this.byVisitor.get(visitorId);
    entry?.sockets.delete(socket);
    if (entry?.sockets.size === 0) this.byVisitor.delete(visitorId);
  }

  close(visitorId: number, code: number, reason: string): void {
    for (const socket of [...(this.byVisitor.get(visitorId)?.sockets ?? [])]) socket.close(code, reason);
  }

  closeShop(businessId: number, code: number, reason: string): void {
    for (const [visitorId, entry] of [...this.byVisitor]) if (entry.businessId === businessId) this.close(visitorId, code, reason);
  }
}
