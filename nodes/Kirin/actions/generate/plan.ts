import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { withTriggerSecret } from '../../../shared/secrets';
import { buildRequestBody } from '../../catalog/body';
import { findModel } from '../../catalog/models';
import { fieldsNotSent } from '../../catalog/notSent';
import type { ParameterReader } from '../../catalog/parameters';
import { readModelInput } from '../../catalog/read';
import { checkInput, InputRuleError } from '../../catalog/validate';
import type { PlannedTask } from '../../completion/types';
import { itemBinaryFile } from './binaryFile';
import { derivedExternalTaskId, reuseIds } from './externalIds';
import type { TakenIdPolicy } from './takenIds';

/** A planned task with what creating it needs besides the body. */
export interface Plan extends PlannedTask {
	/** Whether the node derived the external task id (the user set none). */
	derivedId: boolean;
	/** With the reuse option: ids of earlier tasks to adopt, and how old they may be (ms). */
	reuse?: { candidates: string[]; windowMs: number };
	/** With a user's External Task ID: what a 409 for it does (Options > When External Task ID Is Taken). */
	takenIdPolicy?: TakenIdPolicy;
}

/** What planning needs from the run. */
export interface PlanContext {
	context: IExecuteFunctions;
	runIndex: number;
	apiKey: string;
	/** Any URL on this instance's webhook base (`$execution.resumeUrl`), for the trigger secret. */
	ownWebhookBase: string | undefined;
}

/** The error for a broken rule of an item: names the field, the item, and that nothing was paid. */
export function inputError(context: IExecuteFunctions, error: unknown, itemIndex: number): Error {
	if (error instanceof InputRuleError) {
		return new NodeOperationError(context.getNode(), `${error.message} [item ${itemIndex}]`, {
			description: `Fix the ${error.field} field (or the data it is mapped from) for item ${itemIndex}. Nothing was sent to Kirin, so nothing was paid.`,
			itemIndex,
		});
	}
	return error as Error;
}

/**
 * Plans one item's task: reads its parameters for its model (catalog), checks every rule of the
 * model's page, builds the request body, and gives it an external task id (the user's, one of the
 * reuse option, or one derived from the execution). A binary image is checked from one streamed
 * pass and not kept: the body holds a `BinaryImage` that `createOrAdopt` reads when it sends.
 *
 * @throws InputRuleError for an unknown model or a broken rule (nothing is sent for the item)
 */
export async function planItem(run: PlanContext, itemIndex: number): Promise<Plan> {
	const { context } = run;
	const modelId = String(context.getNodeParameter('model', itemIndex) ?? '').trim();
	const model = findModel(modelId);
	if (!model) throw new InputRuleError('Model', `Unknown model "${modelId}"`);
	const options = (context.getNodeParameter('options', itemIndex, {}) ?? {}) as IDataObject;
	const item = context.getInputData()[itemIndex];
	const reader: ParameterReader = {
		get: (name) => context.getNodeParameter(name, itemIndex, null) ?? undefined,
		binary: (property) => itemBinaryFile(context, itemIndex, property),
		binaryNames: () => Object.keys(item?.binary ?? {}),
	};
	const input = await readModelInput(model, reader, {
		callbackUrl: options.callbackUrl,
		externalTaskId: options.externalTaskId,
	});
	const checked = checkInput(input);
	const notSent = fieldsNotSent(model, reader);
	const callbackUrl = withTriggerSecret(checked.callbackUrl, run.apiKey, run.ownWebhookBase);
	const draft = buildRequestBody(checked, undefined, callbackUrl);
	const reuseHours = Number(options.reuseWithinHours ?? 0);
	let externalTaskId = checked.externalTaskId;
	let reuse: Plan['reuse'];
	if (externalTaskId === undefined && Number.isFinite(reuseHours) && reuseHours > 0) {
		const windowMs = reuseHours * 3_600_000;
		const ids = reuseIds(context, itemIndex, draft, windowMs);
		externalTaskId = ids.current;
		reuse = { candidates: ids.candidates, windowMs };
	}
	externalTaskId ??= derivedExternalTaskId(context, itemIndex, run.runIndex, draft);
	return {
		itemIndex,
		externalTaskId,
		derivedId: checked.externalTaskId === undefined,
		reuse,
		takenIdPolicy:
			checked.externalTaskId === undefined
				? undefined
				: options.onTakenExternalTaskId === 'adopt'
					? 'adopt'
					: 'error',
		notSent: notSent.length > 0 ? notSent : undefined,
		body: { ...draft, external_task_id: externalTaskId },
	};
}
