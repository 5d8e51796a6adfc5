/**
 * Who may register: the config file's `registrar.users` merged with the storage's users
 * (config wins on a clash, so an operator can pin a password in the file). Also the
 * digest secret source for DigestServer.
 */
import type { SipUser, UserStore } from '@rvoip/contracts';
import type { DigestSecret } from '@rvoip/sip';

export class UserDirectory {
  private readonly configured = new Map<string, string>();

  constructor(
    users: readonly SipUser[],
    private readonly domain: string,
    private readonly store?: UserStore,
  ) {
    for (const u of users) this.configured.set(u.username, u.password);
  }

  async exists(username: string): Promise<boolean> {
    if (this.configured.has(username)) return true;
    const user = await this.store?.get(username, this.domain);
    return user !== undefined && user.enabled;
  }

  /** The password, or the stored MD5 HA1 (usable for MD5 challenges only). */
  async secret(username: string): Promise<DigestSecret | undefined> {
    const password = this.configured.get(username);
    if (password !== undefined) return password;
    const user = await this.store?.get(username, this.domain);
    if (user === undefined || !user.enabled) return undefined;
    if (user.password !== undefined) return user.password;
    return user.ha1 === undefined ? undefined : { ha1: { MD5: user.ha1 } };
  }
}
