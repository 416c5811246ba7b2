import net from 'node:net';
import { TRUST_PROXY_NAMES, type Config } from '@arkive/shared';

/**
 * Express's `trust proxy` as a function: the address `i` hops from the API (0 = the socket peer)
 * is a trusted proxy when it is one of `trustProxy` and `i < trustProxyHops`. So with the
 * defaults (loopback, 1 hop) the web server's X-Forwarded-For entry is believed and nothing
 * a client wrote before it: a client on loopback cannot pick its own address by sending
 * X-Forwarded-For, which the old `'loopback'` setting (every loopback hop) allowed.
 */
export function proxyTrust(config: Pick<Config, 'trustProxy' | 'trustProxyHops'>) {
  const list = new net.BlockList();
  for (const entry of config.trustProxy.flatMap((e) => TRUST_PROXY_NAMES[e] ?? [e])) {
    const [addr, bits] = entry.split('/');
    const type = net.isIPv6(addr) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return (addr: string, hop: number): boolean => {
    if (hop >= config.trustProxyHops || !addr) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
    if (mapped) return list.check(mapped[1], 'ipv4');
    return list.check(addr, net.isIPv6(addr) ? 'ipv6' : 'ipv4');
  };
}
