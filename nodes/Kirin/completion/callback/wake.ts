import { createHash } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import { deriveSecret, secretMatches } from '../../../shared/secrets';

/**
 * The one request that resumes a waiting batch: a POST to the execution's resume URL whose body
 * carries the tasks the sending process confirmed with the API (`results`), and why it was sent
 * (`complete`: every task has ended; `sweep`: callbacks went quiet or the deadline passed, so the
 * waiting execution asks the API about the rest). It is signed with an HMAC of the API key, so
 * nobody without the key can resume a batch or choose its results.
 */
export interface WakeMessage {
	batch: string;
	reason: 'complete' | 'sweep';
	/** When the wait ends (ms since the epoch): a sweep at or after it resumes with what ended. */
	deadline: number;
	/** Parsed tasks (`Task` of `shared/task.ts`) as this process confirmed them. */
	results: Array<{ itemIndex: number; task: IDataObject }>;
	/**
	 * The items of the batch the sending process heard from, with their external task ids (from the
	 * callback URLs): the waiting execution takes the wake only if one of its waiting items has that
	 * external task id, so that a wake of an earlier batch of the same execution (same resume URL)
	 * never acts on a later wait. Several, because an item whose create got no answer is stored
	 * without its external task id although its task may call back.
	 */
	anchors: Array<{ itemIndex: number; externalTaskId: string }>;
}

function signature(message: WakeMessage, apiKey: string, executionId: string): string {
	const digest = createHash('sha256').update(JSON.stringify(message)).digest('hex');
	return deriveSecret(apiKey, 'wake', `${executionId}|${message.batch}|${digest}`);
}

/**
 * The body of a wake request for one execution.
 *
 * @returns `{kirinWake, kirinSignature}`
 */
export function signedWake(message: WakeMessage, apiKey: string, executionId: string): IDataObject {
	return {
		kirinWake: message as unknown as IDataObject,
		kirinSignature: signature(message, apiKey, executionId),
	};
}

/**
 * Reads a wake request's body.
 *
 * @returns the message when it is one and its signature matches this execution; undefined for any
 *   other body (a Kirin callback, say); `forged` when it claims to be a wake but is not signed right
 */
export function readWake(
	body: unknown,
	apiKey: string,
	executionId: string,
): WakeMessage | 'forged' | undefined {
	const value = body as { kirinWake?: WakeMessage; kirinSignature?: unknown } | undefined;
	if (!value || typeof value !== 'object' || value.kirinWake === undefined) return undefined;
	const message = value.kirinWake;
	if (
		typeof message?.batch !== 'string' ||
		!Array.isArray(message.results) ||
		!Array.isArray(message.anchors) ||
		!message.anchors.every(
			(anchor) =>
				typeof anchor?.itemIndex === 'number' && typeof anchor.externalTaskId === 'string',
		)
	) {
		return 'forged';
	}
	return secretMatches(value.kirinSignature, signature(message, apiKey, executionId))
		? message
		: 'forged';
}
