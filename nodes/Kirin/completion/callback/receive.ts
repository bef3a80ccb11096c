import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { replyWith } from '../../../shared/webhookReply';
import { checkWithApiKey, loadApiKey } from './apiKeys';
import { confirmCallback } from './confirm';
import { executionIdOf, PROBE_ANSWER, verifiedParams, type BatchParams } from './params';
import { resumeIfEnded, waitsFor } from './resume';
import { isFinished, parseTask } from '../../../shared/task';
import {
	alreadyEnded,
	armSweep,
	confirmationRefused,
	markWoken,
	noteUnderway,
	recordTerminal,
	wakeFailed,
} from './tracker';
import { postWith, sendWake, settled } from './sendWake';
import { readWake, signedWake } from './wake';

/**
 * One Kirin callback about a task of a waiting batch, in either place it can arrive: checked
 * (secret, then the API), recorded, and, when it completes the batch, turned into the batch's one
 * resume. `resumeHere` resumes in this request (the callback came to the resume URL itself);
 * otherwise the resume is a signed wake posted to the resume URL, sent without keeping the caller
 * waiting.
 */
async function handleBatchCallback(
	context: IWebhookFunctions,
	params: BatchParams,
	apiKey: string,
	resumeHere: boolean,
): Promise<IWebhookResponseData> {
	const reply = replyWith(context);
	const claimed = parseTask(context.getBodyData());
	if (claimed && isFinished(claimed) && alreadyEnded(params, claimed.taskId)) {
		return { webhookResponse: { received: true, resumed: false } };
	}
	const confirmation = await confirmCallback(context, params);
	if (confirmation.kind === 'refused') {
		confirmationRefused(params);
		return reply(confirmation.status, { error: confirmation.message });
	}
	if (confirmation.kind === 'intermediate') {
		noteUnderway(params, postWith(context), apiKey);
		return { webhookResponse: { received: true } };
	}
	const next = recordTerminal(params, confirmation.task);
	if (next.state !== 'complete') {
		if (next.state === 'pending') armSweep(params, postWith(context), apiKey);
		return { webhookResponse: { received: true, resumed: false } };
	}
	if (resumeHere) {
		markWoken(params);
		const answer = await resumeIfEnded(context, next.message);
		// Not resumed (say, the answer did not name this batch's items): sweep later.
		const resumed =
			answer.workflowData !== undefined ||
			(answer.webhookResponse as IDataObject | undefined)?.resumed === true;
		if (!resumed) wakeFailed(params, postWith(context), apiKey);
		return answer;
	}
	const body = signedWake(next.message, apiKey, next.executionId);
	void sendWake(postWith(context), params, body).then((answer) => {
		if (!settled(answer)) wakeFailed(params, postWith(context), apiKey);
	});
	return { webhookResponse: { received: true, resumed: false } };
}

/**
 * The Kirin node's live callback webhook (`POST /webhook/<webhook id>/callback`, published
 * workflows): where Wait for Callback sends the tasks' callbacks, so that a callback costs n8n no
 * load of the waiting execution. Answers 403 to a request without the batch's secret, 400 to a body
 * that is no task, 4xx to an end the API does not confirm, and 200 to everything else (and to the
 * node's own probe, which asks whether n8n serves this webhook); the batch's one resume is a signed
 * wake posted to the resume URL. It never throws.
 */
export async function handleLiveCallback(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const reply = replyWith(this);
	try {
		const body = this.getBodyData() as IDataObject | undefined;
		if (body?.kirinProbe === true && Object.keys(body).length === 1)
			return { webhookResponse: PROBE_ANSWER };
		const query = this.getQueryData() as IDataObject;
		const checked = await checkWithApiKey(this, (apiKey) => verifiedParams(query, apiKey));
		if (!checked)
			return reply(403, { error: 'This callback does not carry the secret of its batch' });
		return await handleBatchCallback(this, checked.value, checked.apiKey, false);
	} catch (error) {
		return reply(500, { error: (error as Error)?.message ?? 'Callback could not be handled' });
	}
}

/**
 * The waiting execution's webhook (POST to `$execution.resumeUrl`): a Kirin callback sent to the
 * resume URL (a workflow that is not published), or a signed wake from the process that saw the
 * batch end or whose sweep found it quiet. A callback carrying another execution's batch is refused
 * (403); one of a batch this execution resumed from earlier is answered 200 and changes nothing; a
 * wake of such a batch is refused (409). It never throws: n8n would resume the execution with its
 * data lost.
 */
export async function handleResumeRequest(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const reply = replyWith(this);
	try {
		const apiKey = await loadApiKey(this);
		const executionId = this.getExecutionId();
		const wake = readWake(this.getBodyData(), apiKey, executionId);
		if (wake === 'forged')
			return reply(403, { error: 'The wake is not signed for this execution' });
		if (wake) return await resumeIfEnded(this, wake);
		const params = verifiedParams(this.getQueryData() as IDataObject, apiKey);
		if (!params || executionIdOf(params.resumeUrl) !== executionId) {
			return reply(403, {
				error: 'This callback does not carry the secret of a batch of this execution',
			});
		}
		// A late callback of a batch this execution already resumed from: nothing left to do.
		if (!waitsFor(this, params.itemIndex, params.externalTaskId))
			return { webhookResponse: { received: true, resumed: false } };
		return await handleBatchCallback(this, params, apiKey, true);
	} catch (error) {
		return reply(500, { error: (error as Error)?.message ?? 'Callback could not be handled' });
	}
}
