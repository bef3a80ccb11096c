/**
 * A fake Kirin video API on 127.0.0.1 over real HTTP, for the package's tests, benchmarks and demo.
 *
 * It implements the contract in `/work/shared/kirin-api.md` (paths, Task envelope, callbacks, HTTP
 * errors) and checks every create request against its own copy of the seed pages
 * (`./models.ts`), so the node under test is checked independently of its own catalog. It records
 * every request and callback in a ledger and can inject faults for the reliability tests.
 *
 * Prompt magic (anywhere in `prompt`, case-insensitive; see {@link parsePromptMagic}):
 *
 * | magic            | effect                                                                                          |
 * |------------------|-------------------------------------------------------------------------------------------------|
 * | `[fail:095]`     | task ends `failed` with `error.code` = model's six-digit prefix + `095`, `error_message` from the page ("Internal generation error") |
 * | `[fail:096]`     | … `096` "Result parsing error"                                                                   |
 * | `[fail:097]`     | … `097` "HTTP error response"                                                                    |
 * | `[fail:098]`     | … `098` "Status check error"                                                                     |
 * | `[fail:099]`     | … `099` "Task creation error"                                                                    |
 * | `[fail]`         | same as `[fail:095]`                                                                             |
 * | `[never]`        | task never finishes: `pending`, then `processing` forever                                        |
 * | `[videos:N]`     | completed task has N video contents (1..10, clamped): `<id>.mp4`, `<id>_1.mp4`, …                |
 * | `[size:N]`       | each video file is N bytes; suffixes B, KB/MB/GB (×1000), KiB/MiB/GiB (×1024), e.g. `[size:50MB]` |
 * | `[ms:N]`         | this task's own generation time in ms (instead of the server's `generationMs`)                  |
 *
 * Example: `const fake = await startFakeKirin({ generationMs: 50 }); ... await fake.close();`
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import {
	ERROR_KIND_DESCRIPTIONS,
	FAKE_MODELS,
	costUsd,
	validateGenerationBody,
	type ErrorKind,
	type FakeModelId,
} from './models';

/** Task status values the fake reports (the contract's canonical four). */
export type TaskStatus = 'pending' | 'processing' | 'completed' | 'failed';

/**
 * The Task JSON the fake returns and POSTs to callbacks (`kirin-api.md`, "The Task").
 * `output` and `usage` only when completed; `error` is `null` unless failed (as in the contract's
 * example); `external_task_id` only when the create body carried one. Times are ISO 8601 strings;
 * `usage.cost` is USD as a string.
 */
export interface KirinTask {
	task_id: string;
	external_task_id?: string;
	model: string;
	status: TaskStatus;
	created_at: string;
	updated_at: string;
	output?: Array<{ content: Array<{ type: 'video'; url: string }> }>;
	usage?: { cost: string; discount: number };
	error: { code: string; error_message: string } | null;
	metadata: Record<string, unknown>;
}

/** What {@link parsePromptMagic} found in a prompt; unset fields mean "server default". */
export interface PromptMagic {
	/** Error kind the task fails with (`[fail:09x]`). */
	fail?: ErrorKind;
	/** `[never]`: the task stays processing. */
	never: boolean;
	/** `[videos:N]`, clamped to 1..10. */
	videos?: number;
	/** `[size:N]` in bytes. */
	sizeBytes?: number;
	/** `[ms:N]`: this task's generation time in ms. */
	generationMs?: number;
}

/**
 * One task as the fake stores it (`fake.tasks`). Times are ms since the epoch; `generationMs` is
 * this task's total time to its final status, of which the first 10 % is `pending`.
 */
export interface FakeTaskRecord {
	taskId: string;
	externalTaskId?: string;
	model: FakeModelId;
	/** The create body without `model`, as received. */
	params: Record<string, unknown>;
	createdAtMs: number;
	generationMs: number;
	/** Final status, or `never` for `[never]`. */
	outcome: 'completed' | 'failed' | 'never';
	/** Set when `outcome` is `failed`. */
	error?: { code: string; error_message: string };
	/** Number of video files of a completed task. */
	videos: number;
	/** Size in bytes of each video file. */
	videoBytes: number;
	/** `usage.cost` in USD once completed. */
	costUsd: string;
	callbackUrl?: string;
}

/** Which requests a fault applies to: creates, status look-ups (by id or external id), or any `/v1` request. */
export type FaultTarget = 'create' | 'poll' | 'any';

/**
 * Faults for the reliability suite, each counted down by the requests it hits (one fault per
 * request; checked in the order listed here). Only authenticated `/v1` requests are hit, except
 * `downloadFail`, which hits `/files/` downloads.
 */
export interface FakeKirinFaults {
	/** Answer 429 `rate_limited` with `Retry-After` (seconds, default 1, or an HTTP date). No task is created. `on` defaults to `any`. */
	rateLimit?: {
		count: number;
		retryAfterSeconds?: number;
		retryAfterDate?: Date | string;
		on?: FaultTarget;
	};
	/** Answer `status` (default 500) `server_error`. No task is created. `on` defaults to `any`. */
	serverErrors?: { count: number; status?: 500 | 502 | 503 | 504; on?: FaultTarget };
	/** Reset the socket of this many creates after reading the body, without creating a task. */
	resetBeforeCreate?: number;
	/** Create the task (it is in the ledger and `fake.tasks`), then reset the socket: the response is lost. */
	resetAfterCreate?: number;
	/** Handle the request at once (a create creates its task) but answer after `delayMs`. `on` defaults to `any`. */
	slow?: { count: number; delayMs: number; on?: FaultTarget };
	/** Handle the request (a create creates its task) but send the JSON body cut in half, with the handler's status (200 for a good request). `on` defaults to `any`. */
	malformedJson?: { count: number; on?: FaultTarget };
	/** Fail this many video downloads: a number or mode `status` answers 500; mode `reset` sends half the bytes, then resets the socket. */
	downloadFail?: number | { count: number; mode?: 'status' | 'reset' };
}

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

/** What a request was, as far as the fake's routes go. */
export type RequestKind = 'create' | 'poll' | 'lookup' | 'file' | 'other';

/**
 * One HTTP request the fake received. `status` is the status sent, 0 when the socket was reset (or
 * the server closed) without an answer. `authorization` says whether the header was present;
 * `authorizationHeader` is its raw value (so a test can search logs and outputs for leaks);
 * `headers` holds all other request headers. `at` is the receipt time in ms since the epoch.
 */
export interface LedgerEntry {
	method: string;
	path: string;
	query: Record<string, string>;
	/** Parsed JSON body, or undefined when there was none or it was not JSON. */
	body: unknown;
	authorization: boolean;
	authorizationHeader?: string;
	headers: http.IncomingHttpHeaders;
	status: number;
	at: number;
	kind: RequestKind;
	/** Task the request was about: path id of a poll or file, resolved task of a lookup. */
	taskId?: string;
	/** Set when this request created a task (even if its response was then lost to a fault). */
	createdTaskId?: string;
	/** Name of the fault that hit this request. */
	fault?: keyof FakeKirinFaults;
}

/**
 * One attempt to deliver a callback. `copy` is 1, or 2 for the duplicate of `duplicateCallbacks`;
 * `attempt` counts from 1 (retries follow). `httpStatus` is the receiver's answer, absent when
 * `error` says why the request failed. `at` is when the attempt was sent (ms since the epoch).
 */
export interface CallbackAttempt {
	taskId: string;
	taskStatus: TaskStatus;
	url: string;
	copy: number;
	attempt: number;
	httpStatus?: number;
	error?: string;
	at: number;
	body: KirinTask;
}

/** Requests and callback attempts the fake has seen, with the queries the tests need. */
export class FakeKirinLedger {
	/** Every request, in order of receipt. */
	readonly entries: LedgerEntry[] = [];
	/** Every callback delivery attempt, in order of completion. */
	readonly callbackAttempts: CallbackAttempt[] = [];

	/** Requests that created a task (including those whose response a fault then lost). */
	creates(): LedgerEntry[] {
		return this.entries.filter((e) => e.createdTaskId !== undefined);
	}

	/** Every `POST /v1/videos/generations`, whatever its answer. */
	createAttempts(): LedgerEntry[] {
		return this.entries.filter((e) => e.kind === 'create');
	}

	/** Number of tasks created per `external_task_id` (creates without one are left out). */
	createsByExternalId(): Record<string, number> {
		const counts: Record<string, number> = {};
		for (const e of this.creates()) {
			const id = (e.body as { external_task_id?: unknown } | undefined)?.external_task_id;
			if (typeof id === 'string') counts[id] = (counts[id] ?? 0) + 1;
		}
		return counts;
	}

	/** Number of status reads of a task: `GET /v1/tasks/{id}` plus external-id look-ups that found it. */
	statusPolls(taskId: string): number {
		return this.entries.filter(
			(e) => (e.kind === 'poll' || e.kind === 'lookup') && e.taskId === taskId,
		).length;
	}

	/** Video download requests, optionally of one task only. */
	downloads(taskId?: string): LedgerEntry[] {
		return this.entries.filter(
			(e) => e.kind === 'file' && (taskId === undefined || e.taskId === taskId),
		);
	}

	/** Callback delivery attempts, optionally of one task only. */
	callbacks(taskId?: string): CallbackAttempt[] {
		return this.callbackAttempts.filter((c) => taskId === undefined || c.taskId === taskId);
	}

	/** Forgets all requests and callback attempts (tasks are kept). */
	reset(): void {
		this.entries.length = 0;
		this.callbackAttempts.length = 0;
	}
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
			'duplicateCallbacks' | 'shuffleCallbacks' | 'reverseCallbacks' | 'callbackRetryDelaysMs'
		>,
	): void;
	/** Stops the server, all timers and pending callbacks, and destroys open sockets. */
	close(): Promise<void>;
}

/**
 * Parses the prompt magic (table in this file's header). Unknown bracket words are ordinary prompt
 * text. Returns `{ never: false }` for a prompt without magic or no prompt.
 */
export function parsePromptMagic(prompt: unknown): PromptMagic {
	const magic: PromptMagic = { never: false };
	if (typeof prompt !== 'string') return magic;
	const fail = /\[fail(?::(09[5-9]))?\]/i.exec(prompt);
	if (fail) magic.fail = (fail[1] ?? '095') as ErrorKind;
	if (/\[never\]/i.test(prompt)) magic.never = true;
	const videos = /\[videos:(\d+)\]/i.exec(prompt);
	if (videos) magic.videos = Math.min(10, Math.max(1, Number(videos[1])));
	const size = /\[size:([^\]]+)\]/i.exec(prompt);
	if (size) {
		const bytes = parseByteSize(size[1]);
		if (bytes !== undefined) magic.sizeBytes = bytes;
	}
	const ms = /\[ms:(\d+)\]/i.exec(prompt);
	if (ms) magic.generationMs = Number(ms[1]);
	return magic;
}

/**
 * Parses a byte size such as `1234`, `200KB`, `50MB`, `1.5 MiB`: B, KB/MB/GB are powers of 1000,
 * KiB/MiB/GiB powers of 1024 (case-insensitive). Returns whole bytes, or undefined when unreadable.
 */
export function parseByteSize(text: string): number | undefined {
	const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib)?\s*$/i.exec(text);
	if (!m) return undefined;
	const factors: Record<string, number> = {
		b: 1,
		kb: 1e3,
		mb: 1e6,
		gb: 1e9,
		kib: 1024,
		mib: 1024 ** 2,
		gib: 1024 ** 3,
	};
	return Math.floor(Number(m[1]) * factors[(m[2] ?? 'b').toLowerCase()]);
}

/** File name of a task's video: index 0 is `<taskId>.mp4`, index n ≥ 1 is `<taskId>_<n>.mp4`. */
export function videoFileName(taskId: string, index: number): string {
	return index === 0 ? `${taskId}.mp4` : `${taskId}_${index}.mp4`;
}

/** An ISO BMFF `ftyp` box (isom/mp41), so that content sniffers see an MP4. */
const MP4_HEADER = Buffer.from(
	'00000018667479706973 6f6d00000200 69736f6d6d703431'.replace(/ /g, ''),
	'hex',
);

/**
 * The bytes of a fake video file, in chunks of `chunkSize` bytes (the last may be shorter), so that
 * a file of any size is never held in memory. Deterministic: a PRNG (mulberry32) seeded by the
 * FNV-1a hash of the file name ({@link videoFileName}); the first 24 bytes are an MP4 `ftyp` box
 * when the file is that long. The first k bytes do not depend on `size`.
 */
export function* videoChunks(
	fileName: string,
	size: number,
	chunkSize = 64 * 1024,
): Generator<Buffer> {
	let seed = 0x811c9dc5;
	for (let i = 0; i < fileName.length; i++) {
		seed ^= fileName.charCodeAt(i);
		seed = Math.imul(seed, 0x01000193) >>> 0;
	}
	let state = seed;
	const step = chunkSize - (chunkSize % 4) || 4;
	for (let offset = 0; offset < size; offset += step) {
		const length = Math.min(step, size - offset);
		const chunk = Buffer.allocUnsafe(length + 3);
		for (let i = 0; i < length; i += 4) {
			state = (state + 0x6d2b79f5) >>> 0;
			let t = state;
			t = Math.imul(t ^ (t >>> 15), t | 1);
			t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
			chunk.writeUInt32LE((t ^ (t >>> 14)) >>> 0, i);
		}
		if (offset === 0 && size >= MP4_HEADER.length) MP4_HEADER.copy(chunk, 0);
		yield chunk.subarray(0, length);
	}
}

/** Hex SHA-256 of the video file `index` of `taskId` when it is `size` bytes, as the fake serves it. */
export function expectedVideoSha256(taskId: string, index: number, size: number): string {
	const hash = createHash('sha256');
	for (const chunk of videoChunks(videoFileName(taskId, index), size)) hash.update(chunk);
	return hash.digest('hex');
}

/** A tiny seeded PRNG (mulberry32) returning floats in [0, 1). */
function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Share of a task's generation time spent `pending` (the rest until `generationMs` is `processing`). */
const PENDING_SHARE = 0.1;

/** Status of a task at time `nowMs` (ms since the epoch), computed from its creation time. */
function statusAt(task: FakeTaskRecord, nowMs: number): TaskStatus {
	const elapsed = nowMs - task.createdAtMs;
	if (elapsed < task.generationMs * PENDING_SHARE) return 'pending';
	if (task.outcome === 'never' || elapsed < task.generationMs) return 'processing';
	return task.outcome;
}

interface Reply {
	status: number;
	body: unknown;
	headers?: Record<string, string>;
}

function errorBody(code: string, message: string, extra?: Record<string, unknown>): unknown {
	return { error: { code, message, ...extra } };
}

function resetSocket(socket: Socket | null): void {
	if (!socket || socket.destroyed) return;
	const withReset = socket as Socket & { resetAndDestroy?: () => void };
	if (typeof withReset.resetAndDestroy === 'function') withReset.resetAndDestroy();
	else socket.destroy();
}

/**
 * Starts a fake Kirin API on `options.host` (default 127.0.0.1) and `options.port` (default: a free
 * port) and resolves once it listens. Routes (contract: `/work/shared/kirin-api.md`):
 * `POST /v1/videos/generations`, `GET /v1/tasks/{task_id}`, `GET /v1/tasks?external_task_id=`,
 * and unauthenticated `GET|HEAD /files/<task_id>[_<n>].mp4`. Errors are JSON
 * `{"error": {"code", "message"}}` with 400 `invalid_parameter` / `invalid_json`, 401
 * `unauthorized`, 402 `insufficient_balance`, 403 `forbidden`, 404 `not_found`, 405
 * `method_not_allowed`, 409 `conflict` (+ `task_id`), 413 `payload_too_large`, 429 `rate_limited`,
 * 5xx `server_error`. Rejects if the port cannot be bound.
 */
export async function startFakeKirin(options: FakeKirinOptions = {}): Promise<FakeKirin> {
	const apiKey = options.apiKey ?? 'test-key';
	const forbiddenKeys = new Set(options.forbiddenKeys ?? []);
	const brokeKeys = new Set(options.brokeKeys ?? []);
	const maxBodyBytes = options.maxBodyBytes ?? 32 * 1024 * 1024;
	const callbackTimeoutMs = options.callbackTimeoutMs ?? 5000;
	const log = options.log;
	const random = seededRandom(options.seed ?? 1);
	let generationMs = options.generationMs ?? 1000;
	const defaultVideoBytes = options.videoBytes ?? 64 * 1024;
	const callbackOptions = {
		duplicateCallbacks: options.duplicateCallbacks ?? false,
		shuffleCallbacks: options.shuffleCallbacks ?? 0,
		reverseCallbacks: options.reverseCallbacks ?? false,
		callbackRetryDelaysMs: options.callbackRetryDelaysMs ?? [50, 100, 200],
	};

	const ledger = new FakeKirinLedger();
	const tasks = new Map<string, FakeTaskRecord>();
	const byExternalId = new Map<string, string>();
	const callbackChains = new Map<string, Promise<void>>();
	let faults: FakeKirinFaults = {};
	const timers = new Set<NodeJS.Timeout>();
	const sockets = new Set<Socket>();
	const abort = new AbortController();
	const agent = new Agent({ keepAliveTimeout: 1000, connect: { timeout: callbackTimeoutMs } });
	let closed = false;
	let baseUrl = '';

	/** Runs `fn` after `ms` unless the server closes first (in steps, as setTimeout caps at 2^31-1 ms). */
	function later(ms: number, fn: () => void): void {
		if (closed) return;
		const MAX_TIMEOUT_MS = 2 ** 31 - 1;
		const step = Math.min(Math.max(0, ms), MAX_TIMEOUT_MS);
		const timer = setTimeout(() => {
			timers.delete(timer);
			if (closed) return;
			if (ms > MAX_TIMEOUT_MS) later(ms - MAX_TIMEOUT_MS, fn);
			else fn();
		}, step);
		timers.add(timer);
	}
	/** Resolves after `ms`; never resolves once the server closed. */
	function sleep(ms: number): Promise<void> {
		return new Promise((resolve) => later(ms, resolve));
	}

	function publicBase(): string {
		return (options.publicUrl ?? baseUrl).replace(/\/+$/, '');
	}

	function toTaskJson(task: FakeTaskRecord, status: TaskStatus): KirinTask {
		const changedAt =
			status === 'pending'
				? task.createdAtMs
				: status === 'processing'
					? task.createdAtMs + Math.floor(task.generationMs * PENDING_SHARE)
					: task.createdAtMs + task.generationMs;
		const json: KirinTask = {
			task_id: task.taskId,
			...(task.externalTaskId !== undefined ? { external_task_id: task.externalTaskId } : {}),
			model: task.model,
			status,
			created_at: new Date(task.createdAtMs).toISOString(),
			updated_at: new Date(changedAt).toISOString(),
			error: null,
			metadata: {},
		};
		if (status === 'completed') {
			const content = Array.from({ length: task.videos }, (_, i) => ({
				type: 'video' as const,
				url: `${publicBase()}/files/${videoFileName(task.taskId, i)}`,
			}));
			json.output = [{ content }];
			json.usage = { cost: task.costUsd, discount: 0 };
		}
		if (status === 'failed' && task.error) json.error = { ...task.error };
		return json;
	}

	function taskJson(taskId: string): KirinTask | undefined {
		const task = tasks.get(taskId);
		return task && toTaskJson(task, statusAt(task, Date.now()));
	}

	// ---- callbacks ----

	async function deliver(task: KirinTask, url: string, copy: number): Promise<void> {
		const delays = callbackOptions.callbackRetryDelaysMs;
		for (let attempt = 1; attempt <= delays.length + 1 && !closed; attempt++) {
			const record: CallbackAttempt = {
				taskId: task.task_id,
				taskStatus: task.status,
				url,
				copy,
				attempt,
				at: Date.now(),
				body: task,
			};
			try {
				const res = await request(url, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify(task),
					dispatcher: agent,
					signal: abort.signal,
					headersTimeout: callbackTimeoutMs,
					bodyTimeout: callbackTimeoutMs,
				});
				record.httpStatus = res.statusCode;
				await res.body.dump().catch(() => undefined);
			} catch (error) {
				record.error = (error as Error)?.message ?? String(error);
			}
			if (closed) return;
			ledger.callbackAttempts.push(record);
			log?.(
				`callback ${task.task_id} ${task.status} → ${record.httpStatus ?? record.error} (copy ${copy}, attempt ${attempt})`,
			);
			if (record.httpStatus !== undefined && record.httpStatus >= 200 && record.httpStatus < 300)
				return;
			if (attempt <= delays.length) await sleep(delays[attempt - 1]);
		}
	}

	/** Delivers one status change: once or twice, serialised per task unless shuffling. */
	function emitCallback(task: FakeTaskRecord, status: TaskStatus): void {
		const url = task.callbackUrl;
		if (!url || closed) return;
		const json = toTaskJson(task, status);
		const copies = callbackOptions.duplicateCallbacks ? 2 : 1;
		const shuffleMs = callbackOptions.shuffleCallbacks;
		if (shuffleMs > 0) {
			for (let copy = 1; copy <= copies; copy++) {
				const delay = Math.floor(random() * shuffleMs);
				later(delay, () => void deliver(json, url, copy));
			}
			return;
		}
		const previous = callbackChains.get(task.taskId) ?? Promise.resolve();
		const next = previous.then(async () => {
			for (let copy = 1; copy <= copies; copy++) await deliver(json, url, copy);
		});
		callbackChains.set(task.taskId, next);
	}

	function scheduleCallbacks(task: FakeTaskRecord): void {
		if (!task.callbackUrl) return;
		const events: Array<[TaskStatus, number]> = [
			['pending', 0],
			['processing', Math.floor(task.generationMs * PENDING_SHARE)],
		];
		if (task.outcome !== 'never') events.push([task.outcome, task.generationMs]);
		const sinceCreate = Date.now() - task.createdAtMs;
		if (callbackOptions.reverseCallbacks) {
			if (task.outcome === 'never') return;
			later(task.generationMs - sinceCreate, () => {
				for (const [status] of [...events].reverse()) emitCallback(task, status);
			});
			return;
		}
		for (const [status, offset] of events)
			later(offset - sinceCreate, () => emitCallback(task, status));
	}

	// ---- faults ----

	function matches(on: FaultTarget | undefined, kind: RequestKind): boolean {
		const target = on ?? 'any';
		if (target === 'any') return true;
		if (target === 'create') return kind === 'create';
		return kind === 'poll' || kind === 'lookup';
	}

	/** Picks the fault that hits this request and counts it down, or returns undefined. */
	function takeFault(kind: RequestKind): keyof FakeKirinFaults | undefined {
		const f = faults;
		if (kind === 'create' && f.resetBeforeCreate) {
			f.resetBeforeCreate--;
			return 'resetBeforeCreate';
		}
		for (const name of ['rateLimit', 'serverErrors'] as const) {
			const fault = f[name];
			if (fault && fault.count > 0 && matches(fault.on, kind)) {
				fault.count--;
				return name;
			}
		}
		if (kind === 'create' && f.resetAfterCreate) {
			f.resetAfterCreate--;
			return 'resetAfterCreate';
		}
		for (const name of ['malformedJson', 'slow'] as const) {
			const fault = f[name];
			if (fault && fault.count > 0 && matches(fault.on, kind)) {
				fault.count--;
				return name;
			}
		}
		return undefined;
	}

	function takeDownloadFault(): 'status' | 'reset' | undefined {
		const fault = faults.downloadFail;
		if (fault === undefined) return undefined;
		if (typeof fault === 'number') {
			if (fault <= 0) return undefined;
			faults.downloadFail = fault - 1;
			return 'status';
		}
		if (fault.count <= 0) return undefined;
		fault.count--;
		return fault.mode ?? 'status';
	}

	// ---- route handlers ----

	function handleCreate(entry: LedgerEntry, token: string): Reply {
		if (brokeKeys.has(token)) {
			return {
				status: 402,
				body: errorBody(
					'insufficient_balance',
					'Insufficient balance: top up the account of this API key',
				),
			};
		}
		if (entry.body === undefined)
			return { status: 400, body: errorBody('invalid_json', 'body: must be a JSON object') };
		const result = validateGenerationBody(entry.body);
		if (!result.ok) return { status: 400, body: errorBody('invalid_parameter', result.message) };
		const params = result.params;
		const externalTaskId = params.external_task_id as string | undefined;
		if (externalTaskId !== undefined) {
			const existing = byExternalId.get(externalTaskId);
			if (existing !== undefined) {
				return {
					status: 409,
					body: errorBody(
						'conflict',
						`external_task_id ${JSON.stringify(externalTaskId)} is already used by task ${existing}`,
						{
							task_id: existing,
						},
					),
				};
			}
		}
		const magic = parsePromptMagic(params.prompt);
		const videos = magic.videos ?? 1;
		const taskId = `tsk_${randomBytes(6).toString('hex')}`;
		const task: FakeTaskRecord = {
			taskId,
			externalTaskId,
			model: result.model.id,
			params,
			createdAtMs: Date.now(),
			generationMs: magic.generationMs ?? generationMs,
			outcome: magic.never ? 'never' : magic.fail ? 'failed' : 'completed',
			videos,
			videoBytes: magic.sizeBytes ?? defaultVideoBytes,
			costUsd: costUsd(result.model.id, params, videos),
			callbackUrl: params.callback_url as string | undefined,
		};
		if (magic.fail && !magic.never) {
			task.error = {
				code: `${result.model.errorPrefix}${magic.fail}`,
				error_message: ERROR_KIND_DESCRIPTIONS[magic.fail],
			};
		}
		tasks.set(taskId, task);
		if (externalTaskId !== undefined) byExternalId.set(externalTaskId, taskId);
		entry.createdTaskId = taskId;
		entry.taskId = taskId;
		scheduleCallbacks(task);
		return { status: 200, body: toTaskJson(task, 'pending') };
	}

	function handleTaskRead(entry: LedgerEntry): Reply {
		if (entry.kind === 'lookup') {
			const externalId = entry.query.external_task_id;
			if (!externalId) {
				return {
					status: 400,
					body: errorBody('invalid_parameter', 'external_task_id: query parameter required'),
				};
			}
			const taskId = byExternalId.get(externalId);
			if (taskId === undefined) {
				return {
					status: 404,
					body: errorBody(
						'not_found',
						`no task with external_task_id ${JSON.stringify(externalId)}`,
					),
				};
			}
			entry.taskId = taskId;
		}
		const json = taskJson(entry.taskId ?? '');
		if (!json)
			return {
				status: 404,
				body: errorBody('not_found', `no task ${JSON.stringify(entry.taskId)}`),
			};
		return { status: 200, body: json };
	}

	// ---- HTTP plumbing ----

	function send(
		entry: LedgerEntry,
		res: http.ServerResponse,
		reply: Reply,
		truncate = false,
	): void {
		if (closed || res.destroyed) return;
		let text = JSON.stringify(reply.body);
		if (truncate) text = text.slice(0, Math.floor(text.length / 2));
		entry.status = reply.status;
		res.writeHead(reply.status, {
			'content-type': 'application/json; charset=utf-8',
			'content-length': String(Buffer.byteLength(text)),
			...reply.headers,
		});
		res.end(text);
		log?.(
			`${entry.method} ${entry.path}${entry.query.external_task_id ? '?external_task_id=…' : ''} → ${reply.status}${entry.fault ? ` (fault ${entry.fault})` : ''}`,
		);
	}

	function serveFile(
		entry: LedgerEntry,
		req: http.IncomingMessage,
		res: http.ServerResponse,
	): void {
		const name = entry.path.slice('/files/'.length);
		const match = /^(.+?)\.mp4$/.exec(name);
		let task: FakeTaskRecord | undefined;
		let index = 0;
		if (match) {
			task = tasks.get(match[1]);
			const suffixed = /^(.+)_(\d+)$/.exec(match[1]);
			if (!task && suffixed && Number(suffixed[2]) >= 1) {
				task = tasks.get(suffixed[1]);
				index = Number(suffixed[2]);
			}
		}
		if (task) entry.taskId = task.taskId;
		if (!task || statusAt(task, Date.now()) !== 'completed' || index >= task.videos) {
			send(entry, res, {
				status: 404,
				body: errorBody('not_found', `no video file ${JSON.stringify(name)}`),
			});
			return;
		}
		if (req.method !== 'GET' && req.method !== 'HEAD') {
			send(entry, res, {
				status: 405,
				body: errorBody('method_not_allowed', 'use GET'),
				headers: { allow: 'GET, HEAD' },
			});
			return;
		}
		const failure = takeDownloadFault();
		if (failure === 'status') {
			entry.fault = 'downloadFail';
			send(entry, res, {
				status: 500,
				body: errorBody('server_error', 'download failed (injected fault)'),
			});
			return;
		}
		const size = task.videoBytes;
		entry.status = 200;
		res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(size) });
		if (req.method === 'HEAD') {
			res.end();
			return;
		}
		const fileName = videoFileName(task.taskId, index);
		if (failure === 'reset') {
			entry.fault = 'downloadFail';
			const half = Readable.from(videoChunks(fileName, Math.floor(size / 2)));
			half.pipe(res, { end: false });
			half.on('end', () => setImmediate(() => resetSocket(req.socket)));
			return;
		}
		const stream = Readable.from(videoChunks(fileName, size));
		stream.pipe(res);
		res.on('close', () => stream.destroy());
		log?.(`${req.method} ${entry.path} → 200 (${size} bytes)`);
	}

	async function readBody(req: http.IncomingMessage): Promise<{ raw: Buffer; tooLarge: boolean }> {
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

	async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', 'http://fake.invalid');
		const { authorization, ...otherHeaders } = req.headers;
		const entry: LedgerEntry = {
			method: req.method ?? 'GET',
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			body: undefined,
			authorization: authorization !== undefined,
			authorizationHeader: authorization,
			headers: otherHeaders,
			status: 0,
			at: Date.now(),
			kind: 'other',
		};
		ledger.entries.push(entry);
		const { raw, tooLarge } = await readBody(req);
		if (raw.length > 0) {
			try {
				entry.body = JSON.parse(raw.toString('utf8'));
			} catch {
				entry.body = undefined;
			}
		}
		if (closed) return;

		if (entry.path.startsWith('/files/')) {
			entry.kind = 'file';
			serveFile(entry, req, res);
			return;
		}
		if (tooLarge) {
			send(entry, res, {
				status: 413,
				body: errorBody('payload_too_large', `body larger than ${maxBodyBytes} bytes`),
			});
			return;
		}

		let allowed: string | undefined;
		if (entry.path === '/v1/videos/generations') {
			entry.kind = 'create';
			allowed = 'POST';
		} else if (entry.path === '/v1/tasks') {
			entry.kind = 'lookup';
			allowed = 'GET';
		} else if (/^\/v1\/tasks\/[^/]+$/.test(entry.path)) {
			entry.kind = 'poll';
			allowed = 'GET';
			try {
				entry.taskId = decodeURIComponent(entry.path.slice('/v1/tasks/'.length));
			} catch {
				entry.taskId = entry.path.slice('/v1/tasks/'.length);
			}
		}
		if (!entry.path.startsWith('/v1/') && entry.kind === 'other') {
			send(entry, res, { status: 404, body: errorBody('not_found', `no route ${entry.path}`) });
			return;
		}

		// Authentication for every /v1 path, known or not.
		const bearer = /^Bearer (.+)$/i.exec(authorization ?? '');
		const token = bearer?.[1] ?? '';
		if (bearer && forbiddenKeys.has(token)) {
			send(entry, res, {
				status: 403,
				body: errorBody('forbidden', 'This API key may not use this API'),
			});
			return;
		}
		if (!bearer || (token !== apiKey && !brokeKeys.has(token))) {
			send(entry, res, {
				status: 401,
				body: errorBody(
					'unauthorized',
					'Missing or invalid API key: send "Authorization: Bearer <API key>"',
				),
				headers: { 'www-authenticate': 'Bearer' },
			});
			return;
		}
		if (entry.kind === 'other') {
			send(entry, res, { status: 404, body: errorBody('not_found', `no route ${entry.path}`) });
			return;
		}
		if (entry.method !== allowed) {
			send(entry, res, {
				status: 405,
				body: errorBody('method_not_allowed', `${entry.path} accepts ${allowed} only`),
				headers: { allow: allowed ?? '' },
			});
			return;
		}

		const fault = takeFault(entry.kind);
		entry.fault = fault;
		if (fault === 'resetBeforeCreate') {
			log?.(`${entry.method} ${entry.path} → socket reset before create (fault)`);
			resetSocket(req.socket);
			return;
		}
		if (fault === 'rateLimit') {
			const f = faults.rateLimit!;
			const retryAfter =
				f.retryAfterDate !== undefined
					? new Date(f.retryAfterDate).toUTCString()
					: String(f.retryAfterSeconds ?? 1);
			send(entry, res, {
				status: 429,
				body: errorBody('rate_limited', 'Too many requests, retry later'),
				headers: { 'retry-after': retryAfter },
			});
			return;
		}
		if (fault === 'serverErrors') {
			const status = faults.serverErrors!.status ?? 500;
			send(entry, res, { status, body: errorBody('server_error', `Injected ${status}`) });
			return;
		}

		const reply = entry.kind === 'create' ? handleCreate(entry, token) : handleTaskRead(entry);

		if (fault === 'resetAfterCreate') {
			log?.(
				`${entry.method} ${entry.path} → socket reset after create ${entry.createdTaskId ?? '(nothing created)'} (fault)`,
			);
			resetSocket(req.socket);
			return;
		}
		if (fault === 'slow') await sleep(faults.slow?.delayMs ?? 0);
		send(entry, res, reply, fault === 'malformedJson');
	}

	const server = http.createServer((req, res) => {
		handle(req, res).catch((error) => {
			if (!res.headersSent && !res.destroyed) {
				res.writeHead(500, { 'content-type': 'application/json' });
				res.end(
					JSON.stringify(
						errorBody('server_error', `fake server bug: ${(error as Error)?.message}`),
					),
				);
			}
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const address = server.address();
	if (address === null || typeof address === 'string')
		throw new Error('fake Kirin: server has no TCP address');
	const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
	baseUrl = `http://${host}:${address.port}`;

	function cloneFaults(source: FakeKirinFaults): FakeKirinFaults {
		const copy: FakeKirinFaults = {};
		for (const [key, value] of Object.entries(source)) {
			if (value !== undefined)
				(copy as Record<string, unknown>)[key] = typeof value === 'object' ? { ...value } : value;
		}
		return copy;
	}
	if (options.faults) faults = cloneFaults(options.faults);

	return {
		url: baseUrl,
		port: address.port,
		apiKey,
		ledger,
		tasks,
		taskJson,
		setFaults(next) {
			faults = { ...faults, ...cloneFaults(next) };
		},
		clearFaults() {
			faults = {};
		},
		activeFaults() {
			return cloneFaults(faults);
		},
		setGenerationMs(ms) {
			generationMs = ms;
		},
		setCallbackOptions(next) {
			for (const [key, value] of Object.entries(next)) {
				if (value !== undefined) (callbackOptions as Record<string, unknown>)[key] = value;
			}
		},
		async close() {
			if (closed) return;
			closed = true;
			for (const timer of timers) clearTimeout(timer);
			timers.clear();
			abort.abort();
			for (const socket of sockets) socket.destroy();
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
			await agent.destroy().catch(() => undefined);
		},
	};
}

/** Model ids the fake accepts (re-exported for tests that loop over every model). */
export const FAKE_MODEL_IDS = Object.keys(FAKE_MODELS) as FakeModelId[];
