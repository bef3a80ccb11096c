/**
 * What the fake's request handlers share: the server's state, JSON replies in the API's error
 * format, request bodies with a size limit, and socket resets for the network faults.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

import type { CallbackDelivery } from './callbacks';
import type { FaultSet } from './faults';
import type { FakeKirinLedger, LedgerEntry } from './ledger';
import type { Scheduler } from './scheduler';
import type { TaskStore } from './tasks';

/** The state of one running fake server that its request handlers read and change. */
export interface ServerContext {
	/** The one valid API key. */
	apiKey: string;
	/** Keys answered with 403. */
	forbiddenKeys: ReadonlySet<string>;
	/** Keys answered with 402 on create. */
	brokeKeys: ReadonlySet<string>;
	/** Largest request body accepted, in bytes. */
	maxBodyBytes: number;
	ledger: FakeKirinLedger;
	store: TaskStore;
	faults: FaultSet;
	callbacks: CallbackDelivery;
	scheduler: Scheduler;
	log?: (line: string) => void;
}

/** A JSON answer: status, body (serialised with `JSON.stringify`) and extra headers. */
export interface Reply {
	status: number;
	body: unknown;
	headers?: Record<string, string>;
}

/** The API's error body `{"error": {code, message, ...extra}}`. */
export function errorBody(code: string, message: string, extra?: Record<string, unknown>): unknown {
	return { error: { code, message, ...extra } };
}

/** Resets a socket (TCP RST where Node supports it, else a plain destroy); nothing if already gone. */
export function resetSocket(socket: Socket | null): void {
	if (!socket || socket.destroyed) return;
	const withReset = socket as Socket & { resetAndDestroy?: () => void };
	if (typeof withReset.resetAndDestroy === 'function') withReset.resetAndDestroy();
	else socket.destroy();
}

/**
 * Sends `reply` as JSON and records its status on the ledger entry; with `truncate`, only the first
 * half of the body (for the `malformedJson` fault). Does nothing once the server closed or the
 * response is gone.
 */
export function send(
	ctx: ServerContext,
	entry: LedgerEntry,
	res: ServerResponse,
	reply: Reply,
	truncate = false,
): void {
	if (ctx.scheduler.closed || res.destroyed) return;
	let text = JSON.stringify(reply.body);
	if (truncate) text = text.slice(0, Math.floor(text.length / 2));
	entry.status = reply.status;
	res.writeHead(reply.status, {
		'content-type': 'application/json; charset=utf-8',
		'content-length': String(Buffer.byteLength(text)),
		...reply.headers,
	});
	res.end(text);
	ctx.log?.(
		`${entry.method} ${entry.path}${entry.query.external_task_id ? '?external_task_id=…' : ''} → ${reply.status}${entry.fault ? ` (fault ${entry.fault})` : ''}`,
	);
}

/**
 * Reads a request body up to `maxBodyBytes` bytes; `tooLarge` says that more came (and was
 * dropped, though read to the end so the connection stays usable).
 */
export async function readBody(
	req: IncomingMessage,
	maxBodyBytes: number,
): Promise<{ raw: Buffer; tooLarge: boolean }> {
	const chunks: Buffer[] = [];
	let length = 0;
	let tooLarge = false;
	for await (const chunk of req) {
		length += (chunk as Buffer).length;
		if (length > maxBodyBytes) tooLarge = true;
		else chunks.push(chunk as Buffer);
	}
	return { raw: Buffer.concat(chunks), tooLarge };
}
