/**
 * The fake's HTTP routes: every request is recorded on the ledger, then routed, authenticated,
 * possibly hit by a fault, and answered.
 *
 * - `POST /v1/videos/generations` creates a task (400 for a body its model's rules reject, 402 for
 *   a key without balance, 409 `conflict` with `task_id` for a used `external_task_id`);
 * - `GET /v1/tasks/{task_id}` and `GET /v1/tasks?external_task_id=` return a task (404 if unknown);
 * - `GET|HEAD /files/...` serves videos (see `files.ts`);
 * - any other `/v1` path needs the key too, then gets 404; a non-`/v1` path gets 404 at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { FaultEffect } from './faults';
import { serveFile } from './files';
import type { LedgerEntry } from './ledger';
import { validateGenerationBody } from './models';
import { errorBody, readBody, resetSocket, send, type Reply, type ServerContext } from './replies';

/** Creates a task from the request body, or answers why not. */
function handleCreate(ctx: ServerContext, entry: LedgerEntry, token: string): Reply {
	if (ctx.brokeKeys.has(token)) {
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
	const externalTaskId = result.params.external_task_id as string | undefined;
	const existing =
		externalTaskId === undefined ? undefined : ctx.store.idOfExternal(externalTaskId);
	if (existing !== undefined) {
		return {
			status: 409,
			body: errorBody(
				'conflict',
				`external_task_id ${JSON.stringify(externalTaskId)} is already used by task ${existing}`,
				{ task_id: existing },
			),
		};
	}
	const task = ctx.store.create(result.model, result.params);
	entry.createdTaskId = task.taskId;
	entry.taskId = task.taskId;
	ctx.callbacks.schedule(task);
	return { status: 200, body: ctx.store.toJson(task, 'pending') };
}

/** Answers a status read by task id (`poll`) or by external id (`lookup`). */
function handleTaskRead(ctx: ServerContext, entry: LedgerEntry): Reply {
	if (entry.kind === 'lookup') {
		const externalId = entry.query.external_task_id;
		if (!externalId) {
			return {
				status: 400,
				body: errorBody('invalid_parameter', 'external_task_id: query parameter required'),
			};
		}
		const taskId = ctx.store.idOfExternal(externalId);
		if (taskId === undefined) {
			return {
				status: 404,
				body: errorBody('not_found', `no task with external_task_id ${JSON.stringify(externalId)}`),
			};
		}
		entry.taskId = taskId;
	}
	const json = ctx.store.json(entry.taskId ?? '');
	if (!json)
		return { status: 404, body: errorBody('not_found', `no task ${JSON.stringify(entry.taskId)}`) };
	return { status: 200, body: json };
}

/** Sets the entry's kind (and a poll's task id) from its path; returns the one method allowed. */
function route(entry: LedgerEntry): string | undefined {
	if (entry.path === '/v1/videos/generations') {
		entry.kind = 'create';
		return 'POST';
	}
	if (entry.path === '/v1/tasks') {
		entry.kind = 'lookup';
		return 'GET';
	}
	if (/^\/v1\/tasks\/[^/]+$/.test(entry.path)) {
		entry.kind = 'poll';
		const raw = entry.path.slice('/v1/tasks/'.length);
		try {
			entry.taskId = decodeURIComponent(raw);
		} catch {
			entry.taskId = raw;
		}
		return 'GET';
	}
	return undefined;
}

/**
 * Checks `Authorization: Bearer <key>`: a reply (403 for a forbidden key, 401 for a missing or
 * unknown one) or the key.
 */
function authenticate(ctx: ServerContext, authorization: string | undefined): Reply | string {
	const bearer = /^Bearer (.+)$/i.exec(authorization ?? '');
	const token = bearer?.[1] ?? '';
	if (bearer && ctx.forbiddenKeys.has(token))
		return { status: 403, body: errorBody('forbidden', 'This API key may not use this API') };
	if (!bearer || (token !== ctx.apiKey && !ctx.brokeKeys.has(token))) {
		return {
			status: 401,
			body: errorBody(
				'unauthorized',
				'Missing or invalid API key: send "Authorization: Bearer <API key>"',
			),
			headers: { 'www-authenticate': 'Bearer' },
		};
	}
	return token;
}

/** The reply of a fault that answers instead of the handler (429 or 5xx), if `effect` is one. */
function faultReply(effect: FaultEffect | undefined): Reply | undefined {
	if (effect?.kind === 'rateLimit') {
		const retryAfter =
			effect.retryAfterDate !== undefined
				? new Date(effect.retryAfterDate).toUTCString()
				: String(effect.retryAfterSeconds ?? 1);
		return {
			status: 429,
			body: errorBody('rate_limited', 'Too many requests, retry later'),
			headers: { 'retry-after': retryAfter },
		};
	}
	if (effect?.kind === 'serverError') {
		const status = effect.status ?? 500;
		return { status, body: errorBody('server_error', `Injected ${status}`) };
	}
	return undefined;
}

/** A new ledger entry for a request (pushed on the ledger), with its body not yet read. */
function record(ctx: ServerContext, req: IncomingMessage): LedgerEntry {
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
	ctx.ledger.entries.push(entry);
	return entry;
}

/** Handles one request end to end (see this file's header). */
export async function handleRequest(
	ctx: ServerContext,
	req: IncomingMessage,
	res: ServerResponse,
): Promise<void> {
	const entry = record(ctx, req);
	const { raw, tooLarge } = await readBody(req, ctx.maxBodyBytes);
	if (raw.length > 0) {
		try {
			entry.body = JSON.parse(raw.toString('utf8'));
		} catch {
			entry.body = undefined;
		}
	}
	if (ctx.scheduler.closed) return;
	if (entry.path.startsWith('/files/')) {
		entry.kind = 'file';
		return serveFile(ctx, entry, req, res);
	}
	if (tooLarge) {
		const message = `body larger than ${ctx.maxBodyBytes} bytes`;
		return send(ctx, entry, res, { status: 413, body: errorBody('payload_too_large', message) });
	}
	const allowed = route(entry);
	const noRoute: Reply = { status: 404, body: errorBody('not_found', `no route ${entry.path}`) };
	if (!entry.path.startsWith('/v1/') && entry.kind === 'other')
		return send(ctx, entry, res, noRoute);
	// Authentication for every /v1 path, known or not.
	const token = authenticate(ctx, req.headers.authorization);
	if (typeof token !== 'string') return send(ctx, entry, res, token);
	if (entry.kind === 'other') return send(ctx, entry, res, noRoute);
	if (entry.method !== allowed) {
		return send(ctx, entry, res, {
			status: 405,
			body: errorBody('method_not_allowed', `${entry.path} accepts ${allowed} only`),
			headers: { allow: allowed ?? '' },
		});
	}
	const hit = ctx.faults.take(entry.kind);
	const effect = hit?.effect;
	entry.fault = hit?.name;
	entry.faultKind = effect?.kind;
	const what = `${entry.method} ${entry.path}`;
	if (effect?.kind === 'reset') {
		ctx.log?.(`${what} → socket reset before handling (fault ${hit?.name})`);
		return resetSocket(req.socket);
	}
	const early = faultReply(effect);
	if (early) return send(ctx, entry, res, early);
	const reply =
		entry.kind === 'create' ? handleCreate(ctx, entry, token) : handleTaskRead(ctx, entry);
	if (effect?.kind === 'resetAfter') {
		const created = entry.kind === 'create' ? ` ${entry.createdTaskId ?? '(nothing created)'}` : '';
		ctx.log?.(`${what} → socket reset after handling${created} (fault ${hit?.name})`);
		return resetSocket(req.socket);
	}
	if (effect?.kind === 'hang') {
		ctx.log?.(`${what} → handled, never answered (fault ${hit?.name})`);
		return;
	}
	if (effect?.kind === 'slow') await ctx.scheduler.sleep(effect.delayMs ?? 0);
	send(ctx, entry, res, reply, effect?.kind === 'cutBody');
}
