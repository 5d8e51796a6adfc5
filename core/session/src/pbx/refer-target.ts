/**
 * A REFER from a phone names a user of ours (`sip:1003@<domain>`); the session layer calls
 * that target itself. Pointing it at our own listening address sends the new call back
 * through the PBX, so it is routed like any call (forking, 480/404) and the outcome the
 * transferor hears in NOTIFY is the real one. Other targets are left as they are.
 */
export function referTargetFor(domain: string, listen: { readonly host: string; readonly port: number } | undefined): (target: string) => string {
  return (target) => {
    const m = /^(sips?):([^@]+)@([^;?>]+)(.*)$/i.exec(target);
    if (!m || !listen) return target;
    const host = m[3]!.replace(/:\d+$/, '').toLowerCase();
    if (host !== domain.toLowerCase()) return target;
    const addr = listen.host === '0.0.0.0' || listen.host === '::' ? '127.0.0.1' : listen.host;
    const hostPart = addr.includes(':') ? `[${addr}]` : addr;
    return `${m[1]}:${m[2]}@${hostPart}:${listen.port}${m[4]}`;
  };
}
