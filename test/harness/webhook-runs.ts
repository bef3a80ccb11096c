/**
 * What an n8n server does when a webhook is called, for executions run in-process with n8n-core:
 * resuming an execution that waits for callbacks ({@link WaitingExecution}) and starting an
 * execution from a trigger node's webhook ({@link ActiveTrigger}). `webhooks.ts` serves them.
 */
import type { IncomingMessage, ServerResponse } from 'http';

import { WebhookContext, WorkflowExecute } from 'n8n-core';
import {
	createRunExecutionData,
	deepCopy,
	type ICredentialDataDecryptedObject,
	type INode,
	type INodeExecutionData,
	type IRun,
	type IRunExecutionData,
	type IWebhookData,
	type IWebhookDescription,
	type IWebhookResponseData,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type Workflow,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import { loadPackage, makeAdditionalData } from './harness';
import { waitFor } from './wait';

/** A webhook request as n8n's webhook context reads it (Express's `req` fields). */
export interface FakeRequest {
	method?: string;
	headers: IncomingMessage['headers'];
	query: Record<string, string>;
	params: Record<string, string>;
	body: unknown;
	rawBody: Buffer;
}

/** A Node response with the three Express methods n8n's webhook code calls. */
export type ExpressLikeResponse = ServerResponse & {
	status(code: number): ExpressLikeResponse;
	json(body: unknown): ExpressLikeResponse;
	send(body: unknown): ExpressLikeResponse;
};

/** Credentials and identity of a workflow run by the harness's webhook server. */
interface WorkflowRunContext {
	readonly workflow: Workflow;
	readonly credentials: Record<string, ICredentialDataDecryptedObject>;
	/** The base URL of the server that answers the run's webhooks (resume URLs point there). */
	readonly webhookBaseUrl?: string;
}

/** `additionalData` for running `context.workflow` as execution `executionId`. */
async function additionalDataFor(
	context: WorkflowRunContext,
	executionId: string,
): Promise<IWorkflowExecuteAdditionalData> {
	const { credentialTypes } = await loadPackage();
	const { workflow } = context;
	return makeAdditionalData(
		context.credentials,
		credentialTypes,
		{ id: workflow.id, name: workflow.name } as IWorkflowBase,
		executionId,
		context.webhookBaseUrl,
	);
}

/** Answers as n8n does after a webhook method: its response, unless the node answered itself. */
function answerWebhook(response: ExpressLikeResponse, result: IWebhookResponseData): void {
	if (result.noWebhookResponse) return;
	response.status(200).json(result.webhookResponse ?? { message: 'Webhook call received' });
}

/** Runs a node's `webhook()` method for one request, with n8n-core's `WebhookContext`. */
async function runWebhookMethod(
	context: WorkflowRunContext,
	node: INode,
	description: IWebhookDescription,
	call: {
		executionId: string;
		mode: WorkflowExecuteMode;
		runExecutionData: IRunExecutionData | null;
	},
	request: FakeRequest,
	response: ExpressLikeResponse,
): Promise<IWebhookResponseData> {
	const { nodeTypes } = await loadPackage();
	const additionalData = await additionalDataFor(context, call.executionId);
	Object.assign(additionalData, { httpRequest: request, httpResponse: response });
	const webhookData: IWebhookData = {
		httpMethod: 'POST',
		node: node.name,
		path: description.path as string,
		webhookDescription: description,
		workflowId: context.workflow.id,
		workflowExecuteAdditionalData: additionalData,
		webhookId: node.webhookId,
	};
	const webhookContext = new WebhookContext(
		context.workflow,
		node,
		additionalData,
		call.mode,
		webhookData,
		[],
		call.runExecutionData,
	);
	const nodeType = nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
	return await nodeType.webhook!.call(webhookContext);
}

/** An execution that waits for callbacks on its resume URL. */
export class WaitingExecution implements WorkflowRunContext {
	status: 'running' | 'waiting' | 'resuming' | 'finished' = 'running';
	/** The run that ended waiting (the latest, when the execution waits again after a resume). */
	firstRun: IRun | undefined;
	stored: IRunExecutionData | undefined;
	/** How often the waiting node's webhook ran, and how often it resumed the execution. */
	webhookCalls = 0;
	resumes = 0;
	private finishedRun: Promise<IRun>;
	private resolveFinished!: (run: IRun) => void;

	constructor(
		readonly executionId: string,
		readonly workflow: Workflow,
		readonly credentials: Record<string, ICredentialDataDecryptedObject>,
		readonly webhookBaseUrl?: string,
	) {
		this.finishedRun = new Promise((resolve) => (this.resolveFinished = resolve));
	}

	/** How often the node's live callback webhook ran (published workflows). */
	liveCalls = 0;

	/**
	 * Runs node `nodeName`'s live webhook (`setup`) for one request, as n8n's `LiveWebhooks` does: in
	 * `webhook` mode, without the waiting execution's data, with the workflow's static data.
	 */
	async callLiveWebhook(
		nodeName: string,
		request: FakeRequest,
		response: ExpressLikeResponse,
	): Promise<void> {
		const node = this.workflow.getNode(nodeName)!;
		const { nodeTypes } = await loadPackage();
		const description = nodeTypes
			.getByNameAndVersion(node.type, node.typeVersion)
			.description.webhooks!.find((webhook) => webhook.name === 'setup');
		if (!description) return void response.status(404).json({ error: 'No live webhook' });
		this.liveCalls++;
		const call = {
			executionId: `live-${this.liveCalls}`,
			mode: 'webhook' as const,
			runExecutionData: null,
		};
		const result = await runWebhookMethod(this, node, description, call, request, response);
		answerWebhook(response, result);
	}

	/** The run after the execution resumed and ended. */
	finished(): Promise<IRun> {
		return this.finishedRun;
	}

	/** The waiting node's name. */
	get nodeName(): string {
		return this.stored!.resultData.lastNodeExecuted!;
	}

	/** Calls the waiting node's `webhook()` and resumes the execution when it returns data. */
	async callWebhook(request: FakeRequest, response: ExpressLikeResponse): Promise<void> {
		const node = this.workflow.getNode(this.nodeName)!;
		const { nodeTypes } = await loadPackage();
		const description = nodeTypes
			.getByNameAndVersion(node.type, node.typeVersion)
			.description.webhooks!.find(
				(webhook) =>
					webhook.restartWebhook === true && webhook.httpMethod === 'POST' && webhook.path === '',
			);
		if (!description) return void response.status(404).json({ error: 'No waiting webhook' });
		this.webhookCalls++;
		const call = {
			executionId: this.executionId,
			mode: 'manual' as const,
			runExecutionData: this.stored!,
		};
		const result = await runWebhookMethod(this, node, description, call, request, response);
		if (result.workflowData === undefined) return answerWebhook(response, result);
		if (this.status !== 'waiting')
			return void response.status(409).json({ error: 'The execution is running' });
		this.status = 'resuming';
		this.resumes++;
		answerWebhook(response, result);
		const stored = this.stored!;
		const entry = stored.executionData!.nodeExecutionStack[0];
		entry.node.disabled = true;
		stored.waitTill = undefined;
		stored.resultData.runData[this.nodeName].pop();
		entry.data.main = result.workflowData as INodeExecutionData[][];
		entry.metadata = { ...entry.metadata, forwardAllOutputs: true };
		await this.continueWith(stored);
	}

	/** What n8n's wait tracker does when the wait limit passes: resume with `waitTill` still set. */
	async expire(): Promise<IRun> {
		if (this.status !== 'waiting') throw new Error(`The execution is ${this.status}`);
		this.status = 'resuming';
		await this.continueWith(deepCopy(this.firstRun!.data) as IRunExecutionData);
		return await this.finished();
	}

	/** Runs the execution on from `data`: to its end, or to the next wait (another node waits). */
	private async continueWith(data: IRunExecutionData): Promise<void> {
		const additionalData = await additionalDataFor(this, this.executionId);
		const run = await new WorkflowExecute(additionalData, 'manual', data).processRunExecutionData(
			this.workflow,
		);
		if (run.status === 'waiting') {
			this.firstRun = run;
			this.stored = deepCopy(run.data) as IRunExecutionData;
			this.status = 'waiting';
			return;
		}
		this.status = 'finished';
		this.resolveFinished(run);
	}
}

/** An activated trigger workflow and the executions its webhook started. */
export class ActiveTrigger implements WorkflowRunContext {
	readonly executions: IRun[] = [];
	/** Webhook calls being handled (the webhook method or the execution it started still runs). */
	private inFlight = 0;

	constructor(
		readonly workflow: Workflow,
		readonly node: INode,
		readonly description: IWebhookDescription,
		readonly credentials: Record<string, ICredentialDataDecryptedObject>,
	) {}

	/**
	 * Resolves once at least `count` executions have ended.
	 *
	 * @throws when fewer have ended after `timeoutMs`
	 */
	async waitForExecutions(count: number, timeoutMs = 10_000): Promise<IRun[]> {
		await waitFor(() => this.executions.length >= count, {
			timeoutMs,
			intervalMs: 20,
			what: `${count} executions`,
		});
		return this.executions;
	}

	/**
	 * Resolves once no webhook call is being handled, so that every call received so far has
	 * either been refused or started and ended its execution.
	 *
	 * @throws when calls are still being handled after `timeoutMs`
	 */
	async idle(timeoutMs = 10_000): Promise<void> {
		await waitFor(() => this.inFlight === 0, { timeoutMs, what: 'idle trigger' });
	}

	/** Handles one call of the trigger's webhook: runs `webhook()`, then the execution it starts. */
	async receive(request: FakeRequest, response: ExpressLikeResponse): Promise<void> {
		this.inFlight++;
		try {
			await this.handle(request, response);
		} finally {
			this.inFlight--;
		}
	}

	private async handle(request: FakeRequest, response: ExpressLikeResponse): Promise<void> {
		const executionId = `trigger-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
		const call = { executionId, mode: 'webhook' as const, runExecutionData: null };
		const result = await runWebhookMethod(
			this,
			this.node,
			this.description,
			call,
			request,
			response,
		);
		answerWebhook(response, result);
		if (result.workflowData === undefined) return;
		const additionalData = await additionalDataFor(this, executionId);
		const data = createRunExecutionData({
			executionData: {
				nodeExecutionStack: [
					{ node: this.node, data: { main: result.workflowData }, source: null },
				],
			},
		});
		const run = await new WorkflowExecute(additionalData, 'webhook', data).processRunExecutionData(
			this.workflow,
		);
		this.executions.push(run);
	}
}
