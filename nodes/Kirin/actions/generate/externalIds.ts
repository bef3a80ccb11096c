import { createHash } from 'crypto';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

function shortHash(value: string, length = 12): string {
	return createHash('sha256').update(value).digest('hex').slice(0, length);
}

/** The instance, workflow and node a derived id is scoped to. */
function scopeOf(context: IExecuteFunctions): string {
	const node = context.getNode();
	return [context.getInstanceId(), context.getWorkflow().id ?? '', node.id ?? node.name].join('|');
}

/**
 * The external task id the node gives an item when the user sets none:
 * `n8n-<execution id>-<item index>-<hash>`, the hash covering the n8n instance id, the workflow,
 * the node, the node's run index, the item index and the request body. A re-run of the same item in
 * the same execution (n8n's Retry On Fail) maps to the same id and adopts the task instead of paying
 * for a second one, while a different request, or another n8n instance sharing the API key (whose
 * execution ids also start at 1), never does.
 */
export function derivedExternalTaskId(
	context: IExecuteFunctions,
	itemIndex: number,
	runIndex: number,
	body: IDataObject,
): string {
	const executionId = context.getExecutionId() ?? 'manual';
	const scope = [scopeOf(context), runIndex, itemIndex].join('|');
	return `n8n-${executionId}-${itemIndex}-${shortHash(`${scope}|${JSON.stringify(body)}`)}`;
}

/**
 * The external task ids of the reuse option ("Reuse Tasks Created for the Same Input in the Last
 * (Hours)"): derived from the instance, the workflow, the node, the item index and the request body
 * (not from the execution), in time buckets as long as the window, so that a task created for the
 * same input within the window is found in the current or the previous bucket.
 *
 * @param windowMs the window in milliseconds
 * @param now the current time in milliseconds since the epoch
 * @returns the id to create under now, and the ids of earlier tasks to look up first
 */
export function reuseIds(
	context: IExecuteFunctions,
	itemIndex: number,
	body: IDataObject,
	windowMs: number,
	now = Date.now(),
): { current: string; candidates: string[] } {
	const key = shortHash([scopeOf(context), itemIndex, JSON.stringify(body)].join('|'), 20);
	const bucket = Math.floor(now / windowMs);
	const current = `n8n-reuse-${key}-${bucket}`;
	return { current, candidates: [current, `n8n-reuse-${key}-${bucket - 1}`] };
}
