/**
 * Counts the revocations this process has made (a token revoked, a sign-in ended). The
 * authenticator reuses what the shared cache said of a token for a moment; a revocation here
 * moves the epoch on, and every answer kept from an earlier epoch is asked again, so a token
 * revoked through this process is refused by it at once. Revocations are rare, so dropping
 * every kept answer on each one costs nothing worth counting.
 */
export class RevocationEpoch {
  private count = 0;

  /** The number of revocations so far. */
  get current(): number {
    return this.count;
  }

  /** Records a revocation. */
  advance(): void {
    this.count += 1;
  }
}
