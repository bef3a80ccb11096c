import { createHash } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import { deriveSecret, secretMatches } from '../../../shared/secrets';

/**
 * What a task's callback URL carries, bound together by one secret: the batch, the item, how many
 * tasks the batch has, the item's external task id, the wait's deadline and poll interval, and the
 * execution's resume URL (which names the execution). A callback that changes any of them, or
 * carries another execution's values, fails the secret check.
 */
export interface BatchParams {
	/** The batch key (execution, node and run of the node). */
	batch: string;
	itemIndex: number;
	/** How many tasks the batch waits for. */
	taskCount: number;
	/** The external task id of this item's task; a callback about another task is refused. */
	externalTaskId: string;
	/** When the wait ends, in milliseconds since the epoch. */
	deadline: number;
	/** The node's poll interval in milliseconds: the shortest quiet period before a sweep. */
	intervalMs: number;
	/** `$execution.resumeUrl` of the waiting execution. */
	resumeUrl: string;
}

const QUERY = {
	batch: 'kirinBatch',
	itemIndex: 'kirinItem',
	taskCount: 'kirinCount',
	externalTaskId: 'kirinExternal',
	deadline: 'kirinDeadline',
	intervalMs: 'kirinInterval',
	resumeUrl: 'kirinResume',
	secret: 'kirinSecret',
} as const;

function canonical(params: BatchParams): string {
	return [
		params.batch,
		params.itemIndex,
		params.taskCount,
		params.externalTaskId,
		params.deadline,
		params.intervalMs,
		params.resumeUrl,
	].join('|');
}

/** The execution id in a resume URL (`.../webhook-waiting/<id>`), or undefined. */
export function executionIdOf(resumeUrl: string): string | undefined {
	try {
		return /\/([^/]+)\/?$/.exec(new URL(resumeUrl).pathname)?.[1];
	} catch {
		return undefined;
	}
}

/**
 * The key of a node run's batch: derived from the execution, the node and the run index.
 *
 * @returns 16 hex characters
 */
export function batchKey(executionId: string, nodeId: string, runIndex: number): string {
	return createHash('sha256')
		.update([executionId, nodeId, runIndex].join('|'))
		.digest('hex')
		.slice(0, 16);
}

/**
 * A task's callback URL: `target` (the node's live callback webhook, or the resume URL itself)
 * with the batch parameters and their secret, an HMAC keyed with the API key.
 */
export function callbackUrl(target: string, params: BatchParams, apiKey: string): string {
	const url = new URL(target);
	url.searchParams.set(QUERY.batch, params.batch);
	url.searchParams.set(QUERY.itemIndex, String(params.itemIndex));
	url.searchParams.set(QUERY.taskCount, String(params.taskCount));
	url.searchParams.set(QUERY.externalTaskId, params.externalTaskId);
	url.searchParams.set(QUERY.deadline, String(params.deadline));
	url.searchParams.set(QUERY.intervalMs, String(params.intervalMs));
	url.searchParams.set(QUERY.resumeUrl, Buffer.from(params.resumeUrl).toString('base64url'));
	url.searchParams.set(QUERY.secret, deriveSecret(apiKey, 'callback', canonical(params)));
	return url.toString();
}

/**
 * Reads and checks the batch parameters of a callback request.
 *
 * @param query the request's query
 * @returns the parameters, or undefined when any is missing or the secret does not match them
 */
export function verifiedParams(query: IDataObject, apiKey: string): BatchParams | undefined {
	const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : '');
	const params: BatchParams = {
		batch: text(QUERY.batch),
		itemIndex: Number(text(QUERY.itemIndex)),
		taskCount: Number(text(QUERY.taskCount)),
		externalTaskId: text(QUERY.externalTaskId),
		deadline: Number(text(QUERY.deadline)),
		intervalMs: Number(text(QUERY.intervalMs)),
		resumeUrl: Buffer.from(text(QUERY.resumeUrl), 'base64url').toString('utf8'),
	};
	const numbersOk = [params.itemIndex, params.taskCount, params.deadline, params.intervalMs].every(
		(value) => Number.isSafeInteger(value) && value >= 0,
	);
	if (!params.batch || !params.externalTaskId || !numbersOk || !params.resumeUrl) return undefined;
	const secret = deriveSecret(apiKey, 'callback', canonical(params));
	return secretMatches(query[QUERY.secret], secret) ? params : undefined;
}

/** The body of the request that asks whether the node's live callback webhook is registered. */
export const PROBE_BODY = { kirinProbe: true };
/** The live callback webhook's answer to {@link PROBE_BODY}. */
export const PROBE_ANSWER = { kirinCallbackWebhook: true };

/** The query parameter names, for tests and documentation. */
export const CALLBACK_QUERY = QUERY;
