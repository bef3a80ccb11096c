/**
 * The workflow the queue-mode scenarios, the scale-out scenario and the callback benchmark run, the
 * Kirin credential it uses, and the receiver its HTTP Request node posts each resulting item to.
 */
import { randomUUID } from 'crypto';
import { createServer, type Server } from 'http';

import type { FakeKirin } from '../../test/fake-kirin/server';
import { closeServer, listenOnLoopback } from '../../test/harness/loopback';

type Json = Record<string, unknown>;

/** The id and name of the Kirin credential the workflow uses (see {@link kirinCredential}). */
const CREDENTIAL = { id: 'kirinFakeCredential', name: 'Kirin (fake)' };

/** The Kirin credential for `fake`, as `n8n import:credentials` takes it. */
export function kirinCredential(fake: FakeKirin): Json {
	return { ...CREDENTIAL, type: 'kirinApi', data: { apiKey: fake.apiKey, baseUrl: fake.url } };
}

/** One item a workflow posted: the input id, the execution, the Kirin item, when it arrived. */
export interface Delivered {
	id: string;
	executionId: string;
	/** The Kirin item's `status`, `error` when it is an error item. */
	status: string;
	result: Json;
	at: number;
}

/** Collects what the workflows post: one entry per resulting item. */
export class BatchReceiver {
	readonly delivered: Delivered[] = [];
	private server: Server | undefined;
	url = '';

	async start(): Promise<this> {
		this.server = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				const text = Buffer.concat(chunks).toString('utf8');
				let body: Json;
				try {
					body = JSON.parse(text) as Json;
				} catch {
					// Kept, so that a check counting the results sees it did not arrive as it should.
					body = { id: '?', executionId: '?', result: { raw: text } };
				}
				const result = (body.result ?? {}) as Json;
				this.delivered.push({
					id: String(body.id),
					executionId: String(body.executionId),
					status: String(result.status ?? (result.error ? 'error' : '?')),
					result,
					at: Date.now(),
				});
				res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
			});
		});
		this.url = await listenOnLoopback(this.server);
		return this;
	}

	/** The items whose input id starts with `label-`. */
	of(label: string): Delivered[] {
		return this.delivered.filter((entry) => entry.id.startsWith(`${label}-`));
	}

	async close(): Promise<void> {
		await closeServer(this.server);
	}
}

/** What {@link batchWorkflow} builds. */
export interface BatchWorkflowOptions {
	/** The workflow id. */
	id: string;
	/** The production webhook path. */
	path: string;
	/**
	 * `batch`: each POST is `{ items: [{ id, prompt }...] }`, split into items, one execution per
	 * batch; `single`: each POST is one `{ id, prompt }`, one execution per item.
	 */
	input?: 'batch' | 'single';
	/**
	 * The Kirin node's Completion: a value, or an expression such as
	 * `={{ $('Start').first().json.body.mode }}`. Default `callback`.
	 */
	completion?: string;
	/** The Kirin node's Options collection; default `{ pollInterval: 1, timeout: 4 }`. */
	options?: Json;
}

/**
 * Webhook (POST, answers at once) -> [Split Out `body.items`] -> Kirin Generate Video -> HTTP Request
 * posting each item, with its input id and execution id, to `receiverUrl`.
 */
export function batchWorkflow(
	receiverUrl: string,
	{
		id,
		path,
		input = 'batch',
		completion = 'callback',
		options = { pollInterval: 1, timeout: 4 },
	}: BatchWorkflowOptions,
): Json {
	const split = input === 'batch';
	// Where the Kirin node's input item is, and where the input id is for the item sent.
	const prompt = split ? '={{ $json.prompt }}' : '={{ $json.body.prompt }}';
	const inputId = split ? "$('Split').item.json.id" : "$('Start').first().json.body.id";
	const chain = ['Start', ...(split ? ['Split'] : []), 'Generate', 'Send Result'];
	const nodes: Json[] = [
		{
			id: `${id}-start`,
			name: 'Start',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2.1,
			webhookId: randomUUID(),
			parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
		},
		...(split
			? [
					{
						id: `${id}-split`,
						name: 'Split',
						type: 'n8n-nodes-base.splitOut',
						typeVersion: 1,
						parameters: { fieldToSplitOut: 'body.items', options: {} },
					},
				]
			: []),
		{
			id: `${id}-kirin`,
			name: 'Generate',
			type: 'n8n-nodes-kirin.kirin',
			// The editor gives every node with webhooks an id, as it does the Kirin node.
			webhookId: randomUUID(),
			typeVersion: 1,
			parameters: {
				operation: 'generate',
				model: 'kirin_v2_5_turbo_t2v',
				prompt,
				completion,
				options,
			},
			credentials: { kirinApi: CREDENTIAL },
		},
		{
			id: `${id}-send`,
			name: 'Send Result',
			type: 'n8n-nodes-base.httpRequest',
			typeVersion: 4.2,
			parameters: {
				method: 'POST',
				url: `${receiverUrl}/results`,
				sendBody: true,
				specifyBody: 'json',
				jsonBody: `={{ JSON.stringify({ id: ${inputId}, executionId: $execution.id, result: $json }) }}`,
				options: {},
			},
		},
	];
	return {
		id,
		name: `Kirin: ${path}`,
		nodes: nodes.map((node, index) => ({ ...node, position: [index * 200, 0] })),
		connections: Object.fromEntries(
			chain
				.slice(0, -1)
				.map((name, index) => [
					name,
					{ main: [[{ node: chain[index + 1], type: 'main', index: 0 }]] },
				]),
		),
		settings: { executionOrder: 'v1' },
	};
}
