// Each open visitor socket, by visitor: to close a visitor's pages when their record is deleted.
export interface VisitorSocketHandle {
  close(code: number, reason: string): void;
}

export class VisitorSockets {
  private readonly byVisitor = new Map<number, Set<VisitorSocketHandle>>();

  add(visitorId: number, socket: VisitorSocketHandle): void {
    let sockets = this.byVisitor.get(visitorId);
    if (!sockets) this.byVisitor.set(visitorId, (sockets = new Set()));
    sockets.add(socket);
  }

  delete(visitorId: number, socket: VisitorSocketHandle): void {
    const sockets = this.byVisitor.get(visitorId);
    sockets?.delete(socket);
    if (sockets?.size === 0) this.byVisitor.delete(visitorId);
  }

  close(visitorId: number, code: number, reason: string): void {
    for (const socket of [...(this.byVisitor.get(visitorId) ?? [])]) socket.close(code, reason);
  }
}
