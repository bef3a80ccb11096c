import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { replyWith } from '../../../shared/webhookReply';
import { confirmCallback } from './confirm';
import { executionIdOf, verifiedParams, type BatchParams } from './params';
import { resumeIfEnded } from './resume';
import { isFinished, parseTask } from '../../../shared/task';
import {
	alreadyEnded,
	armSweep,
	confirmationRefused,
	markWoken,
	noteUnderway,
	postWith,
	recordTerminal,
	sendWake,
} from './tracker';
import { readWake, signedWake } from './wake';

async function apiKeyOf(context: IWebhookFunctions): Promise<string> {
	const credentials = await context.getCredentials('kirinApi');
	return String(credentials.apiKey ?? '');
}

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
	const staticData = resumeHere ? undefined : context.getWorkflowStaticData('node');
	const next = recordTerminal(params, confirmation.task, staticData);
	if (next.state !== 'complete') {
		if (next.state === 'pending') armSweep(params, postWith(context), apiKey);
		return { webhookResponse: { received: true, resumed: false } };
	}
	if (resumeHere) {
		markWoken(params);
		return await resumeIfEnded(context, next.message);
	}
	const body = signedWake(next.message, apiKey, next.executionId);
	void sendWake(postWith(context), params, body).then((answer) => {
		// Not resumed (another process's report was not confirmed yet): keep sweeping.
		if (!answer.resumed && answer.status !== 404 && answer.status !== 409)
			armSweep(params, postWith(context), apiKey);
	});
	return { webhookResponse: { received: true, resumed: false } };
}

/**
 * The waiting execution's webhook (POST to `$execution.resumeUrl`): a Kirin callback sent to the
 * resume URL, or a signed wake from a process whose sweep found the batch quiet. A callback carrying another execution's batch is refused (403). It never
 * throws: n8n would resume the execution with its data lost.
 */
export async function handleResumeRequest(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const reply = replyWith(this);
	try {
		const apiKey = await apiKeyOf(this);
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
		return await handleBatchCallback(this, params, apiKey, true);
	} catch (error) {
		return reply(500, { error: (error as Error)?.message ?? 'Callback could not be handled' });
	}
}
