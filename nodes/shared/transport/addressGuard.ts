/**
 * Which URLs a download may fetch. Video URLs arrive over the network (from the API, and in a
 * callback body before it is confirmed), so a URL that names this machine or a private network is
 * refused unless the user allows it: loopback (127.0.0.0/8, ::1, `localhost`), private ranges
 * (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10, which holds cloud
 * metadata services), carrier-grade NAT (100.64/10), unspecified (0.0.0.0, ::), and IPv4-mapped IPv6
 * forms of these. Host names are judged by name only: node code cannot resolve them; n8n's own SSRF
 * protection setting covers names that resolve to private addresses.
 */

function ipv4Parts(host: string): number[] | undefined {
	if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return undefined;
	const parts = host.split('.').map(Number);
	return parts.every((part) => part <= 255) ? parts : undefined;
}

function privateIpv4([a, b]: number[]): boolean {
	return (
		a === 0 ||
		a === 10 ||
		a === 127 ||
		(a === 100 && b >= 64 && b <= 127) ||
		(a === 169 && b === 254) ||
		(a === 172 && b >= 16 && b <= 31) ||
		(a === 192 && b === 168)
	);
}

function privateIpv6(host: string): boolean {
	const address = host.toLowerCase();
	if (address === '::' || address === '::1') return true;
	const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
	if (mapped) return privateIpv4(ipv4Parts(mapped[1]) ?? [0]);
	const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(address);
	if (mappedHex) {
		const high = parseInt(mappedHex[1], 16);
		return privateIpv4([high >> 8, high & 0xff]);
	}
	return /^f[cd][0-9a-f]{2}:/.test(address) || /^fe[89ab][0-9a-f]:/.test(address);
}

/**
 * Why a URL must not be downloaded, or undefined when it may be.
 *
 * @param url the URL to fetch (absolute)
 * @returns a sentence naming the reason (not http(s), or a local/private address)
 */
export function refusedAddress(url: string): string | undefined {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return 'it is not a valid URL';
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
		return `only http and https URLs are downloaded, not ${parsed.protocol}`;
	}
	const host = parsed.hostname
		.replace(/^\[|\]$/g, '')
		.replace(/\.$/, '')
		.toLowerCase();
	const ipv4 = ipv4Parts(host);
	const local =
		host === 'localhost' ||
		host.endsWith('.localhost') ||
		(ipv4 !== undefined && privateIpv4(ipv4)) ||
		(host.includes(':') && privateIpv6(host));
	return local ? `${parsed.hostname} is a loopback, private or link-local address` : undefined;
}
