/**
 * The batch workflow of the scale-out scenario and the callback benchmark, and the receiver its
 * HTTP Request node posts each resulting item to.
 */
import { randomUUID } from 'crypto';
import { createServer, type Server } from 'http';
import { closeServer, listenOnLoopback } from '../../test/harness/loopback';

type Json = Record<string, unknown>;

/** Collects what the workflows post: one entry per item of a resumed batch. */
export class BatchReceiver {
	readonly delivered: Array<{ id: string; executionId: string; status: string }> = [];
	private server: Server | undefined;
	url = '';

	async start(): Promise<this> {
		this.server = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Json;
				const result = (body.result ?? {}) as Json;
				this.delivered.push({
					id: String(body.id),
					executionId: String(body.executionId),
					status: String(result.status ?? (result.error ? 'error' : '?')),
				});
				res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
			});
		});
		this.url = await listenOnLoopback(this.server);
		return this;
	}

	async close(): Promise<void> {
		await closeServer(this.server);
	}
}

/**
 * Webhook -> Split Out (`body.items`) -> Kirin Generate Video -> HTTP Request posting each item to
 * `receiverUrl`. One execution per POST; each POST is one batch.
 *
 * @param completion the Kirin node's Completion (a value, or an expression such as
 *   `={{ $('Start').first().json.body.mode }}`)
 * @param options the Kirin node's Options collection
 */
export function batchWorkflow(
	receiverUrl: string,
	id = 'scaleBatchCallback',
	path = 'kirin-scale-batch',
	completion = 'callback',
	options: Json = { pollInterval: 1, timeout: 4 },
): Json {
	return {
		id,
		name: `batch: ${path}`,
		nodes: [
			{
				id: `${id}-start`,
				name: 'Start',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2.1,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: {
					httpMethod: 'POST',
					path: 'kirin-scale-batch',
					responseMode: 'onReceived',
					options: {},
				},
			},
			{
				id: `${id}-split`,
				name: 'Split',
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [200, 0],
				parameters: { fieldToSplitOut: 'body.items', options: {} },
			},
			{
				id: `${id}-kirin`,
				name: 'Generate',
				type: 'n8n-nodes-kirin.kirin',
				// The editor gives every node with webhooks an id, as it does the Kirin node.
				webhookId: randomUUID(),
				typeVersion: 1,
				position: [400, 0],
				parameters: {
					operation: 'generate',
					model: 'kirin_v2_5_turbo_t2v',
					prompt: '={{ $json.prompt }}',
					completion,
					options,
				},
				credentials: { kirinApi: { id: 'kirinScaleCredential', name: 'Kirin (fake)' } },
			},
			{
				id: `${id}-send`,
				name: 'Send Result',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				position: [600, 0],
				parameters: {
					method: 'POST',
					url: `${receiverUrl}/results`,
					sendBody: true,
					specifyBody: 'json',
					jsonBody:
						"={{ JSON.stringify({ id: $('Split').item.json.id, executionId: $execution.id, result: $json }) }}",
					options: {},
				},
			},
		],
		connections: {
			Start: { main: [[{ node: 'Split', type: 'main', index: 0 }]] },
			Split: { main: [[{ node: 'Generate', type: 'main', index: 0 }]] },
			Generate: { main: [[{ node: 'Send Result', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}
