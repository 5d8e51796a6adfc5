import { HttpErrorCode, HttpListenError } from './errors.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `http.listen`: `host:port`, IPv6 in brackets (`[::1]:8080`). Port 0 asks the OS
 * for a free port (tests); the bound one is logged and exposed by the service.
 */
export function parseListen(listen: string): HostPort {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(listen);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    throw new HttpListenError(
      HttpErrorCode.ListenInvalid,
      `http.listen: got ${JSON.stringify(listen)}; expected "host:port" with a port 0..65535, like 127.0.0.1:8080`,
      { listen },
    );
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** `host:port` for URLs and logs, IPv6 bracketed again. */
export function formatHostPort({ host, port }: HostPort): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
