import type { Server } from 'http';
import type { AddressInfo } from 'net';

/**
 * Starts `server` on a free port of 127.0.0.1.
 *
 * @returns its base URL, `http://127.0.0.1:<port>`
 */
export async function listenOnLoopback(server: Server): Promise<string> {
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Drops open connections and closes `server`; resolves at once when there is none. */
export async function closeServer(server: Server | undefined): Promise<void> {
	server?.closeAllConnections();
	await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
}
