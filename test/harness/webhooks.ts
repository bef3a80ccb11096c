import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'http';

import {
	deepCopy,
	type ICredentialDataDecryptedObject,
	type IRunExecutionData,
} from 'n8n-workflow';

import { buildWorkflow, loadPackage, startWorkflow, type WorkflowJson } from './harness';
import { closeServer, listenOnLoopback } from './loopback';
import {
	ActiveTrigger,
	WaitingExecution,
	type ExpressLikeResponse,
	type FakeRequest,
} from './webhook-runs';

export { ActiveTrigger, WaitingExecution } from './webhook-runs';

/**
 * The two webhook routes of an n8n server, served over real HTTP on 127.0.0.1 for executions run
 * in-process with n8n-core, doing what n8n 2.41's `WaitingWebhooks` and `LiveWebhooks` do:
 * - `POST /webhook-waiting/<executionId>?signature=<resumeToken>`: 404 for an unknown execution,
 *   409 while it runs or after it finished, 401 for a wrong signature; otherwise the waiting node's
 *   `webhook()` runs, and when it returns `workflowData` the execution resumes with it as the node's
 *   output (the node disabled, `forwardAllOutputs`), as `prepareExecutionData` does;
 * - `POST /webhook/<webhookId>/<path>`: the trigger node's `webhook()` runs with the workflow's static
 *   data kept between calls, and `workflowData` starts a new execution; for a published waiting
 *   workflow, `/webhook/<webhookId>/callback` runs the Kirin node's live callback webhook (`setup`)
 *   in `webhook` mode with no execution data, as n8n's `LiveWebhooks` does.
 */
export class N8nWebhookServer {
	private server: Server | undefined;
	private readonly waiting = new Map<string, WaitingExecution>();
	private readonly triggers = new Map<string, ActiveTrigger>();
	/** Live callback webhooks of published waiting workflows, by `<webhookId>/callback`. */
	private readonly live = new Map<string, { entry: WaitingExecution; node: string }>();
	/** Every request answered: route, status and the response body. */
	readonly log: Array<{ path: string; status: number; body: string }> = [];
	url = '';

	/** Starts listening on 127.0.0.1 on a free port. */
	async start(): Promise<this> {
		this.server = createServer((req, res) => void this.handle(req, res));
		this.url = await listenOnLoopback(this.server);
		return this;
	}

	/** Stops the server. */
	async close(): Promise<void> {
		await closeServer(this.server);
	}

	/**
	 * Runs a workflow whose node waits for callbacks: starts it (its resume URL points at this
	 * server), and returns once it is waiting, with a promise of the resumed run's end.
	 * `published` runs it as a production execution of a published workflow, whose nodes' live
	 * callback webhooks this server serves unless `liveWebhooks` is false (n8n did not register them).
	 *
	 * @throws when the first run does not end waiting
	 */
	async runUntilWaiting(
		json: WorkflowJson,
		credentials: Record<string, ICredentialDataDecryptedObject>,
		{
			published = false,
			liveWebhooks = published,
		}: { published?: boolean; liveWebhooks?: boolean } = {},
	): Promise<WaitingExecution> {
		const started = await startWorkflow(json, credentials, undefined, this.url, published);
		const entry = new WaitingExecution(
			started.executionId,
			started.workflow,
			credentials,
			this.url,
		);
		this.waiting.set(started.executionId, entry);
		if (liveWebhooks) {
			// n8n registers a published workflow's live webhooks: the Kirin node's callback webhook.
			for (const node of Object.values(started.workflow.nodes)) {
				if (node.webhookId) this.live.set(`${node.webhookId}/callback`, { entry, node: node.name });
			}
		}
		const first = await started.done;
		entry.firstRun = first;
		if (first.status !== 'waiting') {
			entry.status = 'finished';
			throw new Error(
				`The execution did not wait: status ${first.status}, ${JSON.stringify(first.data.resultData.error)}`,
			);
		}
		entry.stored = deepCopy(first.data) as IRunExecutionData;
		entry.status = 'waiting';
		return entry;
	}

	/**
	 * Activates a trigger workflow: its node with a `webhookId` answers on
	 * `/webhook/<webhookId>/<path>`, and every execution it starts is recorded.
	 */
	async activate(
		json: WorkflowJson,
		credentials: Record<string, ICredentialDataDecryptedObject>,
		triggerName: string,
	): Promise<ActiveTrigger> {
		const { nodeTypes } = await loadPackage();
		const defaults = { id: 'wf-trigger', name: 'Kirin trigger test', active: true };
		const workflow = await buildWorkflow(json, defaults);
		const node = workflow.getNode(triggerName)!;
		const description = nodeTypes.getByNameAndVersion(node.type, node.typeVersion).description
			.webhooks![0];
		const trigger = new ActiveTrigger(workflow, node, description, credentials);
		this.triggers.set(`${node.webhookId}/${description.path}`, trigger);
		return trigger;
	}

	/** The production URL of an activated trigger node. */
	triggerUrl(trigger: ActiveTrigger): string {
		return `${this.url}/webhook/${trigger.node.webhookId}/${trigger.description.path}`;
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const rawBody = Buffer.concat(chunks);
		const url = new URL(req.url ?? '/', this.url);
		let body: unknown = {};
		try {
			body = rawBody.length ? JSON.parse(rawBody.toString('utf8')) : {};
		} catch {
			body = rawBody.toString('utf8');
		}
		const response = expressLike(res, (status, text) =>
			this.log.push({ path: url.pathname, status, body: text }),
		);
		const request = {
			method: req.method,
			url: req.url,
			headers: req.headers,
			query: Object.fromEntries(url.searchParams),
			params: {},
			body,
			rawBody,
		};
		try {
			const waitingMatch = /^\/webhook-waiting\/([^/]+)$/.exec(url.pathname);
			const triggerMatch = /^\/webhook\/(.+)$/.exec(url.pathname);
			if (waitingMatch) await this.resume(waitingMatch[1], request, response);
			else if (triggerMatch && this.triggers.has(triggerMatch[1])) {
				await this.triggers.get(triggerMatch[1])!.receive(request, response);
			} else if (triggerMatch && this.live.has(triggerMatch[1])) {
				const { entry, node } = this.live.get(triggerMatch[1])!;
				await entry.callLiveWebhook(node, request, response);
			} else response.status(404).json({ message: 'The requested webhook is not registered' });
		} catch (error) {
			if (!res.headersSent) response.status(500).json({ message: (error as Error).message });
		}
	}

	private async resume(
		executionId: string,
		request: FakeRequest,
		response: ExpressLikeResponse,
	): Promise<void> {
		const entry = this.waiting.get(executionId);
		if (!entry) return void response.status(404).json({ error: 'The execution does not exist' });
		if (entry.status !== 'waiting') {
			return void response.status(409).json({ error: `The execution is ${entry.status}` });
		}
		if (request.query.signature !== entry.stored!.resumeToken) {
			return void response.status(401).json({ error: 'Invalid token' });
		}
		await entry.callWebhook(request, response);
	}
}

/** Gives a Node response the Express methods n8n calls; `onEnd` sees each answer sent. */
function expressLike(
	res: ServerResponse,
	onEnd: (status: number, body: string) => void,
): ExpressLikeResponse {
	const response = res as ExpressLikeResponse;
	response.status = (code: number) => {
		res.statusCode = code;
		return response;
	};
	response.json = (body: unknown) => response.send(JSON.stringify(body));
	response.send = (body: unknown) => {
		const text = typeof body === 'string' ? body : JSON.stringify(body);
		if (!res.headersSent) res.setHeader('content-type', 'application/json');
		onEnd(res.statusCode, text);
		res.end(text);
		return response;
	};
	return response;
}
