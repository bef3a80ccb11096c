/**
 * A fake Kirin video API on 127.0.0.1 over real HTTP, for the package's tests, benchmarks and demo.
 *
 * It speaks the API's protocol (paths, the task envelope, callbacks, HTTP errors) and checks every
 * create request against its own copy of the provider's model pages (`./models.ts`), so the node
 * under test is checked independently of its own catalog. It records every request and callback in
 * a ledger and can inject faults for the reliability tests.
 *
 * This file starts the server and wires its parts together: `routes.ts` (HTTP handling),
 * `files.ts` (video downloads), `tasks.ts` (task store and lifecycle), `callbacks.ts` (callback
 * delivery), `faults.ts`, `ledger.ts`, `magic.ts` (prompt markers such as `[fail:095]`, `[never]`,
 * `[videos:3]`, `[size:50MB]`, `[ms:2000]`), `videos.ts` (file bytes) and `models.ts` (model rules).
 *
 * Example: `const fake = await startFakeKirin({ generationMs: 50 }); ... await fake.close();`
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';

import { CallbackDelivery, type CallbackOptions } from './callbacks';
import { FaultSet, type FakeKirinFaults } from './faults';
import { FakeKirinLedger } from './ledger';
import { FAKE_MODELS, type FakeModelId } from './models';
import { errorBody, type ServerContext } from './replies';
import { handleRequest } from './routes';
import { Scheduler } from './scheduler';
import { TaskStore, type FakeTaskRecord, type KirinTask } from './tasks';
import { seededRandom } from './videos';

export type { CallbackOptions } from './callbacks';
export type {
	FakeKirinFaults,
	FaultEffect,
	FaultKind,
	FaultTarget,
	RequestKind,
	ScheduledFault,
} from './faults';
export { FakeKirinLedger, type CallbackAttempt, type LedgerEntry } from './ledger';
export { parseByteSize, parsePromptMagic, type PromptMagic } from './magic';
export type { FakeTaskRecord, KirinTask, TaskStatus } from './tasks';
export { expectedVideoSha256, videoChunks, videoFileName } from './videos';

/**
 * Options of {@link startFakeKirin}. Durations in ms, sizes in bytes.
 */
export interface FakeKirinOptions {
	/** Port to listen on; 0 (default) picks a free one. */
	port?: number;
	/** Interface to listen on; default `127.0.0.1`. */
	host?: string;
	/** The one valid API key (`Authorization: Bearer <apiKey>`); default `test-key`. */
	apiKey?: string;
	/** Keys answered with 403 `forbidden`. */
	forbiddenKeys?: string[];
	/** Keys answered with 402 `insufficient_balance` on create (look-ups still work). */
	brokeKeys?: string[];
	/** Time from create to final status for new tasks; default 1000, may be 0. */
	generationMs?: number;
	/** Default size of each video file; default 65536 (64 KiB). */
	videoBytes?: number;
	/** Deliver every callback twice (the second copy after the first, retries included). */
	duplicateCallbacks?: boolean;
	/** Delay each callback delivery by a random 0..N ms and stop serialising a task's callbacks, so they can arrive out of order. 0 = off. */
	shuffleCallbacks?: number;
	/** Hold a task's callbacks until it finishes, then deliver them newest first (deterministic out-of-order; `[never]` tasks then send none). */
	reverseCallbacks?: boolean;
	/** Waits before each retry of a callback that got a non-2xx answer or a network error; its length is the retry count. Default [50, 100, 200]. */
	callbackRetryDelaysMs?: number[];
	/** Share of tasks (0 to 1) whose final callback is never delivered (a lost callback). Default 0. */
	loseFinalCallbacks?: number;
	/** Per-attempt timeout of a callback delivery; default 5000. */
	callbackTimeoutMs?: number;
	/** Base URL put into video URLs instead of `fake.url` (e.g. when n8n reaches the fake through another host name). */
	publicUrl?: string;
	/** Largest request body accepted; larger gets 413. Default 32 MiB (a < 10 MB image is ~13.4 MB as base64). */
	maxBodyBytes?: number;
	/** Faults active from the start (same as calling `setFaults`). */
	faults?: FakeKirinFaults;
	/** Seed of the PRNG that draws shuffle delays; default 1. */
	seed?: number;
	/** Receives one human-readable line per answered request and per callback attempt (the CLI prints them). */
	log?: (line: string) => void;
}

/** A running fake server. Close it with `close()` so that jest can exit. */
export interface FakeKirin {
	/** Base URL, e.g. `http://127.0.0.1:40123` (no trailing slash). */
	readonly url: string;
	readonly port: number;
	/** The valid API key. */
	readonly apiKey: string;
	readonly ledger: FakeKirinLedger;
	/** All tasks by `task_id`. */
	readonly tasks: Map<string, FakeTaskRecord>;
	/** The Task JSON of a task as a GET would return it now, or undefined. */
	taskJson(taskId: string): KirinTask | undefined;
	/** Adds or replaces faults (keys not given stay as they are). */
	setFaults(faults: FakeKirinFaults): void;
	/** Removes every fault. */
	clearFaults(): void;
	/** Faults still armed, with their remaining counts. */
	activeFaults(): FakeKirinFaults;
	/** Generation time in ms for tasks created from now on (existing tasks keep theirs). */
	setGenerationMs(ms: number): void;
	/** Changes callback behaviour for deliveries scheduled from now on. */
	setCallbackOptions(
		options: Pick<
			FakeKirinOptions,
			| 'duplicateCallbacks'
			| 'shuffleCallbacks'
			| 'reverseCallbacks'
			| 'callbackRetryDelaysMs'
			| 'loseFinalCallbacks'
		>,
	): void;
	/** The tasks whose final callback was lost on purpose (`loseFinalCallbacks`). */
	lostFinalCallbacks(): string[];
	/** Stops the server, all timers and pending callbacks, and destroys open sockets. */
	close(): Promise<void>;
}

/** Listens on `port` and `host`; resolves with the base URL and port, rejects if it cannot bind. */
async function listen(
	server: http.Server,
	port: number,
	host: string,
): Promise<{ url: string; port: number }> {
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const address = server.address();
	if (address === null || typeof address === 'string')
		throw new Error('fake Kirin: server has no TCP address');
	const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
	return { url: `http://${shown}:${address.port}`, port: address.port };
}

/**
 * Starts a fake Kirin API on `options.host` (default 127.0.0.1) and `options.port` (default: a free
 * port) and resolves once it listens. Routes: `POST /v1/videos/generations`,
 * `GET /v1/tasks/{task_id}`, `GET /v1/tasks?external_task_id=`, and unauthenticated
 * `GET|HEAD /files/<task_id>[_<n>].mp4`. Errors are JSON `{"error": {"code", "message"}}` with 400
 * `invalid_parameter` / `invalid_json`, 401 `unauthorized`, 402 `insufficient_balance`, 403
 * `forbidden`, 404 `not_found`, 405 `method_not_allowed`, 409 `conflict` (+ `task_id`), 413
 * `payload_too_large`, 429 `rate_limited`, 5xx `server_error`. Rejects if the port cannot be bound.
 */
export async function startFakeKirin(options: FakeKirinOptions = {}): Promise<FakeKirin> {
	let baseUrl = '';
	const scheduler = new Scheduler();
	const ledger = new FakeKirinLedger();
	const store = new TaskStore(() => (options.publicUrl ?? baseUrl).replace(/\/+$/, ''), {
		generationMs: options.generationMs ?? 1000,
		videoBytes: options.videoBytes ?? 64 * 1024,
	});
	const callbackOptions: CallbackOptions = {
		duplicateCallbacks: options.duplicateCallbacks ?? false,
		shuffleCallbacks: options.shuffleCallbacks ?? 0,
		reverseCallbacks: options.reverseCallbacks ?? false,
		callbackRetryDelaysMs: options.callbackRetryDelaysMs ?? [50, 100, 200],
		loseFinalCallbacks: options.loseFinalCallbacks ?? 0,
	};
	const ctx: ServerContext = {
		apiKey: options.apiKey ?? 'test-key',
		forbiddenKeys: new Set(options.forbiddenKeys ?? []),
		brokeKeys: new Set(options.brokeKeys ?? []),
		maxBodyBytes: options.maxBodyBytes ?? 32 * 1024 * 1024,
		ledger,
		store,
		faults: new FaultSet(),
		callbacks: new CallbackDelivery(
			store,
			ledger,
			scheduler,
			callbackOptions,
			options.callbackTimeoutMs ?? 5000,
			seededRandom(options.seed ?? 1),
			options.log,
		),
		scheduler,
		log: options.log,
	};

	const sockets = new Set<Socket>();
	const server = http.createServer((req, res) => {
		handleRequest(ctx, req, res).catch((error) => {
			if (!res.headersSent && !res.destroyed) {
				res.writeHead(500, { 'content-type': 'application/json' });
				const message = `fake server bug: ${(error as Error)?.message}`;
				res.end(JSON.stringify(errorBody('server_error', message)));
			}
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	const bound = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
	baseUrl = bound.url;
	if (options.faults) ctx.faults.set(options.faults);

	return {
		url: baseUrl,
		port: bound.port,
		apiKey: ctx.apiKey,
		ledger,
		tasks: store.tasks,
		taskJson: (taskId) => store.json(taskId),
		setFaults: (next) => ctx.faults.set(next),
		clearFaults: () => ctx.faults.clear(),
		activeFaults: () => ctx.faults.active(),
		setGenerationMs(ms) {
			store.defaults.generationMs = ms;
		},
		setCallbackOptions: (next) => ctx.callbacks.setOptions(next),
		lostFinalCallbacks: () => [...ctx.callbacks.lostFinal],
		async close() {
			if (scheduler.closed) return;
			scheduler.close();
			const callbacksClosed = ctx.callbacks.close();
			for (const socket of sockets) socket.destroy();
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
			await callbacksClosed;
		},
	};
}

/** Model ids the fake accepts (re-exported for tests that loop over every model). */
export const FAKE_MODEL_IDS = Object.keys(FAKE_MODELS) as FakeModelId[];
